/**
 * Ctrl-C (SIGINT) or SIGTERM during an upload: the request in flight is cancelled, the summary marks
 * the files `interrupted`, the exit code is 130 / 143, and running the same command again finishes
 * the publish with each file stored once.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, link, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { simpleMetadata, writeTarGz } from '../helpers/archives.js';
import { FIXTURES, giteaEnv, startCli } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { parseSummary } from '../helpers/summary.js';
import { startGiteaRegistry, startPypiRegistry, type Registry } from '../helpers/registries/index.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

const FILES = ['molecule_demo_hatch-2.0.0rc1-py3-none-any.whl', 'molecule_demo_hatch-2.0.0rc1.tar.gz'];

async function until(predicate: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
}

describe.each([
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const)('%s during an upload', (signal, exitCode) => {
  it(`cancels it, reports interrupted, exits ${exitCode}; a re-run completes the publish`, async () => {
    const gitea = await startGiteaRegistry();
    const pypi = await startPypiRegistry();
    open.push(gitea, pypi);
    const dist = await mkdtemp(join(tmpdir(), 'molecule-dist-'));
    for (const f of FILES) await copyFile(join(FIXTURES, f), join(dist, f));
    // The first upload hangs until we interrupt it.
    gitea.injectFault({ kind: 'stall', stallMs: 20_000 });
    const args = ['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--pypi-url', pypi.uploadUrl, '--retry-delay', '0.01', dist];
    const env = giteaEnv({ PYPI_TOKEN: 'pypi-test-token' });
    const cli = await startCli(args, { env });
    await until(() => (gitea as Registry).uploads().length === 1);
    await sleep(100);
    cli.child.kill(signal);
    const r = await cli.done;
    expect(r.code, r.stderr).toBe(exitCode);
    expect(r.stderr).toContain(`interrupted by ${signal}`);
    const s = parseSummary(r.summary);
    // PyPI never started: not_attempted, not interrupted.
    expect(s.targets).toEqual({ Gitea: 'interrupted', PyPI: 'not_attempted' });
    expect(Object.values(s.files).map((f) => f.Gitea)).toEqual(['interrupted', 'interrupted']);
    expect(gitea.files()).toHaveLength(0);
    expect(pypi.uploads()).toHaveLength(0);

    // The signal needed a process; the re-run does not.
    const again = await runMain(args, { env });
    expect(again.code, again.stderr).toBe(0);
    expect(parseSummary(again.stdout).targets).toEqual({ Gitea: 'success', PyPI: 'success' });
    expect(
      gitea
        .files()
        .map((f) => f.filename)
        .sort(),
    ).toEqual([...FILES].sort());
  });
});

describe('SIGTERM while the files are being read', () => {
  it('ends the process within a second, exit 143, nothing sent', async () => {
    // Forty 24 MiB .tar.gz of random bytes (hard links of one): several seconds of reading.
    const dir = await mkdtemp(join(tmpdir(), 'molecule-slow-read-'));
    const first = join(dir, 'slow0-1.0.tar.gz');
    writeTarGz(first, [
      { name: 'slow0-1.0/PKG-INFO', data: simpleMetadata('slow0', '1.0') },
      { name: 'slow0-1.0/noise.bin', data: randomBytes(24 * 1024 * 1024) },
    ]);
    for (let i = 1; i < 40; i++) await link(first, join(dir, `slow${i}-1.0.tar.gz`));
    const gitea = await startGiteaRegistry();
    open.push(gitea);
    const cli = await startCli(['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--no-pypi', dir], { env: giteaEnv() });
    await sleep(700);
    const sent = Date.now();
    cli.child.kill('SIGTERM');
    const r = await cli.done;
    expect(Date.now() - sent).toBeLessThan(1_000);
    expect(r.code).toBe(143);
    expect(gitea.requests).toHaveLength(0);
  }, 60_000);
});
