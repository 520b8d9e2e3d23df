/**
 * A Gitea behind a cache, or with a slow database replica, answers 201 and lists the file a moment
 * later. The client looks again (0.5, 1 and 2 s later: 3.5 s in all, with Gitea's file list each time)
 * before it calls a file missing_from_index.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { buildSdist, buildWheel, startGiteaRegistry } from '../helpers/registries/index.js';
import { parseSummary } from '../helpers/summary.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

function release(): string {
  const dir = mkdtempSync(join(tmpdir(), 'molecule-lag-'));
  for (const b of [buildWheel({ name: 'lagging', version: '1.0' }), buildSdist({ name: 'lagging', version: '1.0' })])
    writeFileSync(join(dir, b.filename), b.content);
  return dir;
}

describe.concurrent("Gitea's index lagging behind its 201", () => {
  it('lists new files 2 s late: exit 0, success, each file uploaded once', async () => {
    const gitea = await startGiteaRegistry({ listingLagMs: 2_000 });
    open.push(gitea);
    const started = Date.now();
    const r = await runMain(['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--no-pypi', release()], { env: giteaEnv() });
    expect(r.code, r.stderr).toBe(0);
    expect(parseSummary(r.stdout).targets).toEqual({ Gitea: 'success' });
    expect(gitea.uploads()).toHaveLength(2);
    // It waited for the listing, and not much longer than the bound.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    expect(Date.now() - started).toBeLessThan(8_000);
  });

  it('lists them only after 30 s: missing_from_index after 3.5 s of looking, exit 1', async () => {
    const gitea = await startGiteaRegistry({ listingLagMs: 30_000 });
    open.push(gitea);
    const started = Date.now();
    const r = await runMain(['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--no-pypi', release()], { env: giteaEnv() });
    expect(r.code, r.stderr).toBe(1);
    expect(parseSummary(r.stdout).targets).toEqual({ Gitea: 'missing_from_index' });
    expect(r.stderr).toMatch(/not listed in .* \(looked 4 times over 3\.5 s\)/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
