/**
 * Proves the doubles' simple indexes are good enough for a real installer: Debian's pip downloads an uploaded
 * wheel (following the absolute/relative links and checking the #sha256= fragment).
 */
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { buildWheel, sha256Hex, startGiteaRegistry, startPypiRegistry, type Registry } from '../helpers/registries/index.js';
import { basic, post, twineFields } from './upload-forms.js';

const PYTHON = '/usr/bin/python3';
const pipCheck = spawnSync(PYTHON, ['-m', 'pip', '--version'], { encoding: 'utf8' });
const pipAvailable = pipCheck.status === 0;

const wheel = buildWheel({ name: 'demo-pkg', version: '1.0.0', requiresPython: '>=3.8' });
const META = { name: 'demo-pkg', version: '1.0.0', requiresPython: '>=3.8' };

/** Runs pip asynchronously: the registry lives in this process, so a synchronous spawn would deadlock. */
async function pipDownload(indexUrl: string, dest: string): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dest, PIP_CONFIG_FILE: '/dev/null', NO_PROXY: '*', no_proxy: '*' };
  return promisify(execFile)(
    PYTHON,
    [
      '-m',
      'pip',
      'download',
      '--isolated',
      '--no-cache-dir',
      '--disable-pip-version-check',
      '--no-deps',
      '--index-url',
      indexUrl,
      'demo-pkg==1.0.0',
      '-d',
      dest,
    ],
    { env, timeout: 60_000 },
  );
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()?.();
});

async function check(registry: Registry, indexUrl: string): Promise<void> {
  cleanup.push(() => registry.close());
  const dest = await mkdtemp(join(tmpdir(), 'pip-download-'));
  cleanup.push(() => rm(dest, { recursive: true, force: true }));
  const result = await pipDownload(indexUrl, dest).catch((e: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`pip download failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  });
  expect(await readdir(dest), result.stdout).toContain(wheel.filename);
  expect(sha256Hex(await readFile(join(dest, wheel.filename)))).toBe(sha256Hex(wheel.content));
  expect(registry.requests.some((r) => r.method === 'GET' && r.status === 200 && r.path.includes(wheel.filename))).toBe(true);
}

describe.skipIf(!pipAvailable)(
  `pip download against the doubles${pipAvailable ? '' : ` (skipped: ${PYTHON} -m pip --version failed: ${pipCheck.stderr || pipCheck.error?.message})`}`,
  () => {
    it('downloads from the Gitea double (anonymous read of a public owner)', async () => {
      const g = await startGiteaRegistry();
      const up = await post(g.uploadUrl, twineFields(wheel, META), { authorization: basic('publisher', 'gitea-test-token') });
      expect(up.res.status).toBe(201);
      await check(g, g.indexUrl);
    });

    it('downloads from the PyPI double', async () => {
      const p = await startPypiRegistry();
      const up = await post(p.uploadUrl, twineFields(wheel, META), { authorization: basic('__token__', 'pypi-test-token') });
      expect(up.res.status).toBe(200);
      await check(p, p.indexUrl);
    });
  },
);
