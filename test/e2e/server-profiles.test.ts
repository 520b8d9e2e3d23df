/**
 * The required path against every Gitea version in the field and Forgejo (the sandbox's server
 * profiles, each behaviour taken from the server's source: src/sandbox/gitea/profiles.ts). Through the CLI,
 * in-process: a release publishes, its re-run sends nothing, a rebuilt file is a conflict, a wrong
 * token fails, a 5xx and a reset are retried; a page of 10,000 files and a `demo__pkg` name publish
 * and re-run cleanly; a page that cannot confirm a file falls back to Gitea's file list.
 */
import { copyFile, mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { parseSummary } from '../helpers/summary.js';
import { simpleMetadata, writeSdist, writeWheel } from '../helpers/archives.js';
import { GITEA_PROFILES, giteaProfileLabel, startGiteaRegistry, type GiteaProfile, type GiteaRegistry } from '../helpers/registries/index.js';

const WHEEL = 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl';
const SDIST = 'molecule_demo_hatch-2.0.0rc1.tar.gz';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

async function release(files = [WHEEL, SDIST]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'molecule-profile-'));
  for (const f of files) await copyFile(join(FIXTURES, f), join(dir, f));
  return dir;
}

async function gitea(profile: GiteaProfile): Promise<GiteaRegistry> {
  const g = await startGiteaRegistry({ profile });
  open.push(g);
  return g;
}

async function publish(url: string, owner: string, dir: string, extra: string[] = [], env = giteaEnv()) {
  const r = await runMain(['--gitea-url', url, '--gitea-owner', owner, '--no-pypi', '--retry-delay', '0.01', ...extra, dir], { env });
  return { ...r, ...parseSummary(r.stdout) };
}

describe.each(GITEA_PROFILES)('against the %s profile', (profile) => {
  const label = giteaProfileLabel(profile);

  it(`${label}: a wheel + sdist release publishes, its re-run sends nothing, a rebuilt file is a conflict`, async () => {
    const g = await gitea(profile);
    const dir = await release();
    const first = await publish(g.url, g.owner, dir);
    expect(first.code, first.stderr).toBe(0);
    expect(first.files).toEqual({ [WHEEL]: { Gitea: 'uploaded' }, [SDIST]: { Gitea: 'uploaded' } });
    expect(
      g
        .files()
        .map((f) => f.filename)
        .sort(),
    ).toEqual([SDIST, WHEEL].sort());

    const uploads = g.uploads().length;
    const requests = g.requests.length;
    const again = await publish(g.url, g.owner, dir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.files).toEqual({ [WHEEL]: { Gitea: 'already_present' }, [SDIST]: { Gitea: 'already_present' } });
    expect(g.uploads()).toHaveLength(uploads);
    // One round trip: the pre-check's page confirms what was already there (no second read).
    expect(g.requests.slice(requests).map((q) => q.method)).toEqual(['GET']);

    // A rebuild gives other bytes under the published name: never overwritten, exit 1.
    const rebuilt = await mkdtemp(join(tmpdir(), 'molecule-rebuilt-'));
    writeWheel(rebuilt, WHEEL, { metadata: simpleMetadata('molecule_demo_hatch', '2.0.0rc1', [['Keywords', 'rebuilt']]) });
    const conflict = await publish(g.url, g.owner, rebuilt);
    expect(conflict.code).toBe(1);
    expect(conflict.files[WHEEL]).toEqual({ Gitea: 'conflict' });
    expect(conflict.details.Gitea).toMatch(/a different file with this name is already published/);
    expect(g.files()).toHaveLength(2);
  });

  it(`${label}: a wrong token fails with the server's 401 and nothing is stored`, async () => {
    const g = await gitea(profile);
    const r = await publish(g.url, g.owner, await release(), [], giteaEnv({ MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: 'not-the-token' }));
    expect(r.code).toBe(1);
    expect(r.targets.Gitea).toBe('failed_http_401');
    expect(r.details.Gitea).toMatch(/rejected the credentials/);
    expect(g.files()).toHaveLength(0);
  });

  it(`${label}: a 503 and a connection reset are retried, each file stored once`, async () => {
    const g = await gitea(profile);
    g.injectFault({ kind: 'status', status: 503 });
    g.injectFault({ kind: 'reset-before-response' });
    const r = await publish(g.url, g.owner, await release());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/503/);
    expect(
      g
        .files()
        .map((f) => f.filename)
        .sort(),
    ).toEqual([SDIST, WHEEL].sort());
    expect(g.uploads().filter((u) => u.status === 201)).toHaveLength(2);
  });

  it(`${label}: a page of 10,000 files (well over 1 MiB) and a demo__pkg name publish and re-run cleanly`, async () => {
    const g = await gitea(profile);
    g.seedMany('molecule-demo-hatch', 10_000);
    const page = await (await fetch(`${g.indexUrl}molecule-demo-hatch/`)).text();
    expect(page.length).toBeGreaterThan(1024 * 1024);
    const dir = await release();
    // `Name: demo__pkg`: Gitea keys `.`/`_` as `-` without collapsing runs; the client sends, and looks
    // up, one spelling so that Gitea's key, pip's PEP 503 look-up and ours are the same.
    writeWheel(dir, 'demo_pkg-1.0-py3-none-any.whl', { metadata: simpleMetadata('demo__pkg', '1.0') });
    writeSdist(dir, 'demo_pkg-1.0.tar.gz', { pkgInfo: simpleMetadata('demo__pkg', '1.0') });
    const first = await publish(g.url, g.owner, dir);
    expect(first.code, first.stderr).toBe(0);
    expect(Object.values(first.files).map((f) => f.Gitea)).toEqual(['uploaded', 'uploaded', 'uploaded', 'uploaded']);
    expect(
      new Set(
        g
          .files()
          .filter((f) => f.filename.startsWith('demo_pkg'))
          .map((f) => f.project),
      ),
    ).toEqual(new Set(['demo-pkg']));
    // pip asks for the PEP 503 name; Gitea finds the package under it.
    expect((await fetch(`${g.indexUrl}demo-pkg/`)).status).toBe(200);
    const again = await publish(g.url, g.owner, dir);
    expect(again.code, again.stderr).toBe(0);
    expect(Object.values(again.files).map((f) => f.Gitea)).toEqual(['already_present', 'already_present', 'already_present', 'already_present']);
  });
});

describe('quotas', () => {
  it("Forgejo's 413 quota answer is told apart from a proxy's size limit", async () => {
    const g = await startGiteaRegistry({ profile: 'forgejo', quotaBytes: 10 });
    open.push(g);
    g.seedMany('something-else', 1);
    const r = await publish(g.url, g.owner, await release());
    expect(r.code).toBe(1);
    expect(r.targets.Gitea).toBe('failed_http_413');
    expect(r.details.Gitea).toMatch(/Forgejo package quota exceeded/);
    expect(r.stderr).toMatch(/quota is used up/);
    expect(r.stderr).not.toMatch(/proxy/);
  });

  it("Gitea's 403 quota answer names the quota", async () => {
    const g = await startGiteaRegistry({ profile: '1.22', quotaBytes: 10 });
    open.push(g);
    const r = await publish(g.url, g.owner, await release());
    expect(r.code).toBe(1);
    expect(r.targets.Gitea).toBe('failed_http_403');
    expect(r.details.Gitea).toMatch(/Gitea package quota exceeded: maximum allowed package storage quota exceeded/);
  });
});

/** A proxy in front of Gitea that drops the `#sha256…` fragments from its simple pages (as some caches and rewriting proxies do). */
async function fragmentStrippingProxy(upstream: string, options: { hideFileList?: boolean } = {}): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(upstream);
  const server = http.createServer((req, res) => {
    if (options.hideFileList && req.url?.startsWith('/api/v1/')) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('404 page not found\n');
      return;
    }
    const out = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.url?.includes('/simple/')) body = Buffer.from(body.toString('utf8').replace(/#sha256[=-][0-9a-f]{64}/g, ''));
        const headers = { ...answer.headers, 'content-length': String(body.length) };
        res.writeHead(answer.statusCode ?? 502, headers);
        res.end(body);
      });
    });
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('when the simple page cannot confirm a file', () => {
  // The re-run cannot see its files in the page, so it sends them again and reads each version's own
  // "already there" answer (409; 400 with its own words up to 1.21), then confirms with the file list.
  it.each(GITEA_PROFILES)("%s: confirms it with Gitea's file list (/api/v1/packages/…/files), on the first run and on a re-run", async (profile) => {
    const g = await gitea(profile);
    const proxy = await fragmentStrippingProxy(g.url);
    open.push(proxy);
    const dir = await release();
    const first = await publish(proxy.url, g.owner, dir, ['-v']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.files).toEqual({ [WHEEL]: { Gitea: 'uploaded' }, [SDIST]: { Gitea: 'uploaded' } });
    expect(first.stderr).toMatch(/\(file list\): 2 file\(s\) listed/);
    expect(g.requests.some((q) => q.path.startsWith(`/api/v1/packages/${g.owner}/pypi/molecule-demo-hatch/2.0.0rc1/files`))).toBe(true);

    const again = await publish(proxy.url, g.owner, dir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.files).toEqual({ [WHEEL]: { Gitea: 'already_present' }, [SDIST]: { Gitea: 'already_present' } });
    expect(g.files()).toHaveLength(2);
  });

  it('is missing_from_index (exit 1) when neither the page nor a file list can confirm it', async () => {
    const g = await gitea('1.22');
    const proxy = await fragmentStrippingProxy(g.url, { hideFileList: true });
    open.push(proxy);
    const r = await publish(proxy.url, g.owner, await release());
    expect(r.code).toBe(1);
    expect(r.targets.Gitea).toBe('missing_from_index');
    expect(r.details.Gitea).toMatch(/the index lists the file without a sha256/);
  });
});
