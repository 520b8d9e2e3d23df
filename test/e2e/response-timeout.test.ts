/**
 * Two bounds, apart: --timeout bounds connecting and any stall while the file is being sent;
 * --response-timeout bounds the wait for the answer once it is sent (Warehouse scans and stores a big
 * file before it answers; uv waits up to 15 minutes). A slow answer must not make the file go twice.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { parseSummary } from '../helpers/summary.js';
import { simpleMetadata, writeWheel } from '../helpers/archives.js';
import { startGiteaRegistry, type GiteaRegistry } from '../helpers/registries/index.js';

const WHEEL = 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

async function gitea(): Promise<GiteaRegistry> {
  const g = await startGiteaRegistry();
  open.push(g);
  return g;
}

async function publish(g: GiteaRegistry, dir: string, extra: string[]) {
  const r = await runMain(['--gitea-url', g.url, '--gitea-owner', g.owner, '--no-pypi', '--retry-delay', '0.01', ...extra, dir], { env: giteaEnv() });
  return { ...r, ...parseSummary(r.stdout) };
}

describe('waiting for the answer', () => {
  it('waits past --timeout for an answer that comes within --response-timeout: the file is sent once', async () => {
    const g = await gitea();
    g.injectFault({ kind: 'slow-answer', stallMs: 1_500 });
    const dir = await mkdtemp(join(tmpdir(), 'molecule-slow-'));
    await copyFile(join(FIXTURES, WHEEL), join(dir, WHEEL));
    const r = await publish(g, dir, ['--timeout', '0.5']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.files[WHEEL]).toEqual({ Gitea: 'uploaded' });
    expect(g.uploads()).toHaveLength(1);
  });

  it('a stall while the file is being sent is bounded by --timeout, not by the long --response-timeout', async () => {
    const g = await gitea();
    g.injectFault({ kind: 'stall-mid-body', stallMs: 20_000, always: true });
    const dir = await mkdtemp(join(tmpdir(), 'molecule-stall-'));
    // Larger than the socket buffers, so that a server that stops reading stalls the sender.
    const big = 'big_wheel-1.0-py3-none-any.whl';
    writeWheel(dir, big, { metadata: simpleMetadata('big-wheel', '1.0'), extra: [{ name: 'big_wheel/blob.bin', data: randomBytes(12 * 1024 * 1024) }] });
    const started = Date.now();
    const r = await publish(g, dir, ['--timeout', '0.5', '--retries', '0']);
    expect(r.code).toBe(1);
    expect(r.targets.Gitea).toBe('failed_network');
    expect(r.details.Gitea).toContain('the server stopped taking data while the file was being sent');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
