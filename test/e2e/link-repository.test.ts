/**
 * Packages linked to their repository on Gitea 1.24+ (POST /api/v1/packages/{owner}/pypi/{name}/-/link/{repo},
 * the double's link-api.ts from go-gitea's LinkPackage): each package this run uploads to is linked once;
 * a re-run links nothing; a Gitea without the API (before 1.24) is one warning per package and exit 0.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { buildSdist, buildWheel, startGiteaRegistry, type GiteaRegistryOptions } from '../helpers/registries/index.js';

function release(): string {
  const dir = mkdtempSync(join(tmpdir(), 'molecule-link-'));
  for (const b of [
    buildWheel({ name: 'linked-one', version: '1.0' }),
    buildSdist({ name: 'linked-one', version: '1.0' }),
    buildWheel({ name: 'linked-two', version: '2.0' }),
  ]) {
    writeFileSync(join(dir, b.filename), b.content);
  }
  return dir;
}

async function gitea(onTestFinished: (fn: () => Promise<void>) => void, options: GiteaRegistryOptions) {
  const g = await startGiteaRegistry(options);
  onTestFinished(() => g.close());
  return g;
}

const linkPosts = (g: { requests: Array<{ method: string; path: string }> }) => g.requests.filter((r) => r.method === 'POST' && /\/-\/link\//.test(r.path));

describe.concurrent('linking packages to their repository', () => {
  it("in Actions, to the job's repository: each new package once; a re-run links nothing", async ({ onTestFinished }) => {
    const g = await gitea(onTestFinished, { linkApi: true, repositories: ['app'] });
    const dir = release();
    const env = giteaEnv({ GITHUB_REPOSITORY: `${g.owner}/app` });
    const r = await runMain(['--gitea-url', g.url, '--gitea-owner', g.owner, '--no-pypi', dir], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(g.linkedRepository('linked-one')).toBe('app');
    expect(g.linkedRepository('linked-two')).toBe('app');
    expect(linkPosts(g)).toHaveLength(2);
    expect(r.stdout).toMatch(/Gitea → repository `molecule\/app`: linked `linked-one`, `linked-two`\./);
    const again = await runMain(['--gitea-url', g.url, '--gitea-owner', g.owner, '--no-pypi', dir], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(linkPosts(g)).toHaveLength(2);
  });

  it('a Gitea without the link API (before 1.24): one warning naming the packages, with a hint; exit 0, the release published', async ({ onTestFinished }) => {
    const g = await gitea(onTestFinished, {});
    const r = await runMain(['--gitea-url', g.url, '--gitea-owner', g.owner, '--no-pypi', '--link-repository', `${g.owner}/app`, release()], {
      env: giteaEnv(),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/could not link/g)).toHaveLength(1);
    expect(r.stderr).toMatch(/could not link linked-one, linked-two to molecule\/app \(HTTP 404.*hint: Gitea before 1\.24 has no package link API/);
    expect(g.files()).toHaveLength(3);
  });

  it('--no-link-repository, or a job repository of another owner: nothing is linked', async ({ onTestFinished }) => {
    const g = await gitea(onTestFinished, { linkApi: true, repositories: ['app'] });
    const r = await runMain(['--gitea-url', g.url, '--gitea-owner', g.owner, '--no-pypi', '--no-link-repository', release()], {
      env: giteaEnv({ GITHUB_REPOSITORY: `${g.owner}/app` }),
    });
    expect(r.code, r.stderr).toBe(0);
    const other = await runMain(['--gitea-url', g.url, '--gitea-owner', g.owner, '--no-pypi', release()], {
      env: giteaEnv({ GITHUB_REPOSITORY: 'someone-else/app' }),
    });
    expect(other.code, other.stderr).toBe(0);
    expect(linkPosts(g)).toHaveLength(0);
    expect(g.linkedRepository('linked-one')).toBeUndefined();
  });

  it("--link-repository under another owner is a usage error before any request (a package links only to its owner's)", async ({ onTestFinished }) => {
    const g = await gitea(onTestFinished, { linkApi: true, repositories: ['app'] });
    const r = await runMain(['--gitea-url', g.url, '--gitea-owner', g.owner, '--no-pypi', '--link-repository', 'someone-else/app', release()], {
      env: giteaEnv(),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--link-repository: someone-else\/app is not a repository of the package owner 'molecule'/);
    expect(g.requests).toHaveLength(0);
  });

  it('a package already linked (400) is left alone, without a warning', async ({ onTestFinished }) => {
    const g = await gitea(onTestFinished, { linkApi: true, repositories: ['app', 'other'] });
    const args = ['--gitea-url', g.url, '--gitea-owner', g.owner, '--no-pypi'];
    const first = await runMain([...args, '--link-repository', `${g.owner}/other`, release()], { env: giteaEnv() });
    expect(first.code, first.stderr).toBe(0);
    // A new version of the same packages, another repository asked: Gitea answers 400, the link stays.
    const dir = mkdtempSync(join(tmpdir(), 'molecule-link-next-'));
    for (const b of [buildWheel({ name: 'linked-one', version: '1.1' })]) writeFileSync(join(dir, b.filename), b.content);
    const next = await runMain([...args, '--link-repository', `${g.owner}/app`, dir], { env: giteaEnv() });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).not.toMatch(/could not link/);
    expect(next.stdout).toMatch(/already linked to a repository: `linked-one`/);
    expect(g.linkedRepository('linked-one')).toBe('other');
  });
});
