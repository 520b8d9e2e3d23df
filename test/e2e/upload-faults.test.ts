/**
 * How the engine reads the servers' less common answers: redirects (never followed), Retry-After,
 * a stall past --timeout, a 5xx after the file was stored, Gitea ≤1.21's 400 duplicate, quotas,
 * a proxy's 413, and retries that give up. In-process runs of the CLI (main() with its own io).
 */
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { parseSummary } from '../helpers/summary.js';
import { startGiteaRegistry, startPypiRegistry, type GiteaRegistry } from '../helpers/registries/index.js';

// The tests run side by side, each with registries of its own, all closed at the end.
const open: Array<{ close(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(open.map((r) => r.close()));
});

const WHEEL = 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl';
const SDIST = 'molecule_demo_hatch-2.0.0rc1.tar.gz';

async function dist(files = [WHEEL, SDIST]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'molecule-dist-'));
  for (const f of files) await copyFile(join(FIXTURES, f), join(dir, f));
  return dir;
}

async function gitea(options: Parameters<typeof startGiteaRegistry>[0] = {}): Promise<GiteaRegistry> {
  const g = await startGiteaRegistry(options);
  open.push(g);
  return g;
}

async function run(g: GiteaRegistry, extra: string[] = [], env = giteaEnv()) {
  const r = await runMain(['--gitea-url', g.url, '--gitea-owner', g.owner, '--retry-delay', '0.01', '--no-pypi', ...extra, await dist()], { env });
  return { ...r, ...parseSummary(r.stdout) };
}

describe.concurrent('server answers', () => {
  it('a redirect is never followed: the message names both URLs and the fix', async () => {
    const g = await gitea();
    g.injectFault({ kind: 'redirect', status: 308, location: `${g.uploadUrl}/`, always: true });
    const r = await run(g);
    expect(r.code).toBe(1);
    expect(r.targets.Gitea).toBe('failed_http_308');
    expect(r.details.Gitea).toContain(`${g.uploadUrl} redirected (HTTP 308) to ${g.uploadUrl}/`);
    expect(r.details.Gitea).toContain('missing its trailing slash');
    expect(g.uploads()).toHaveLength(1);
    expect(g.requests.filter((q) => q.path.includes('redirected'))).toHaveLength(0);
  });

  it('PyPI: POST /legacy without the slash gets 308, reported with the URL to use', async () => {
    const g = await gitea();
    const p = await startPypiRegistry();
    open.push(p);
    const r = await runMain(['--gitea-url', g.url, '--gitea-owner', g.owner, '--pypi-url', `${p.url}/legacy`, await dist()], {
      env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }),
    });
    const s = parseSummary(r.stdout);
    expect(r.code).toBe(0);
    expect(s.targets.PyPI).toBe('failed_http_308');
    expect(s.details.PyPI).toContain('missing its trailing slash');
    expect(p.files()).toHaveLength(0);
  });

  it('429 with Retry-After is honoured, then the upload succeeds', async () => {
    const g = await gitea();
    g.injectFault({ kind: 'retry-after', retryAfterSeconds: 1 });
    const started = Date.now();
    const r = await run(g);
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(r.stderr).toMatch(/HTTP 429; retrying in 1\.0 s/);
    expect(g.files()).toHaveLength(2);
  });

  it('a server that takes the body and never answers within --response-timeout is retried, then given up on with a clear line', async () => {
    const g = await gitea();
    g.injectFault({ kind: 'stall', stallMs: 10_000, always: true });
    const r = await run(g, ['--response-timeout', '0.5', '--retries', '1']);
    expect(r.code).toBe(1);
    expect(r.targets.Gitea).toBe('failed_network');
    expect(r.details.Gitea).toContain('timed out waiting for the server (gave up after 2 attempts)');
    expect(g.uploads()).toHaveLength(2);
    expect(g.files()).toHaveLength(0);
  });

  it('a 500 after the file was stored: the retry sees it in the index and counts it uploaded, once', async () => {
    const g = await gitea();
    g.injectFault({ kind: 'status-after-store', status: 500 });
    const r = await run(g);
    expect(r.code, r.stderr).toBe(0);
    expect(r.files[WHEEL]).toEqual({ Gitea: 'uploaded' });
    expect(g.files()).toHaveLength(2);
    expect(g.uploads().filter((u) => u.fileName === WHEEL)).toHaveLength(1);
  });

  it('5xx forever: bounded retries (no storm), exit 1, the status in the report', async () => {
    const g = await gitea();
    g.injectFault({ kind: 'status', status: 502, always: true });
    const r = await run(g, ['--retries', '2']);
    expect(r.code).toBe(1);
    expect(r.targets.Gitea).toBe('failed_http_502');
    expect(g.uploads()).toHaveLength(3);
    expect(r.files[SDIST]).toEqual({ Gitea: 'not_attempted' });
  });

  it('"already exists" that the index cannot confirm is a failure, never a silent success', async () => {
    const g = await gitea();
    // Gitea ≤1.21 answered duplicates with 400 and this body; nothing is in the index, so it is not ours.
    g.injectFault({ kind: 'status', status: 400, body: 'package file already exists' });
    const r = await run(g);
    expect(r.code).toBe(1);
    expect(r.targets.Gitea).toBe('failed_http_400');
    expect(r.details.Gitea).toContain('the server says the file exists (package file already exists) but its index does not confirm it is this file');
  });

  it('a Gitea quota (403) is explained as a quota', async () => {
    const g = await gitea({ quotaBytes: 100 });
    const r = await run(g);
    expect(r.code).toBe(1);
    expect(r.targets.Gitea).toBe('failed_http_403');
    expect(r.details.Gitea).toContain('Gitea package quota exceeded: maximum allowed package storage quota exceeded');
  });

  it("a proxy's 413 with an HTML page: one line about the size limit", async () => {
    const g = await gitea();
    g.injectFault({
      kind: 'status',
      status: 413,
      body: '<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center><hr><center>nginx</center></body></html>',
    });
    const r = await run(g);
    expect(r.code).toBe(1);
    expect(r.targets.Gitea).toBe('failed_http_413');
    expect(r.details.Gitea).toContain('413 Request Entity Too Large');
    expect(r.details.Gitea).toContain('larger than the server (or a proxy in front of it) accepts');
    expect(r.details.Gitea).not.toContain('<');
  });

  it('--verify also confirms the best-effort index lists every file (read after the uploads)', async () => {
    const g = await gitea();
    const p = await startPypiRegistry();
    open.push(p);
    const r = await runMain(['--gitea-url', g.url, '--gitea-owner', g.owner, '--pypi-url', p.uploadUrl, '--verify', await dist()], {
      env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }),
    });
    const s = parseSummary(r.stdout);
    expect(r.code, r.stderr).toBe(0);
    expect(s.targets).toEqual({ Gitea: 'success', PyPI: 'success' });
    const lastUpload = p.requests.findLastIndex((q) => q.method === 'POST');
    expect(p.requests.slice(lastUpload + 1).some((q) => q.method === 'GET' && q.path.startsWith('/simple/molecule-demo-hatch/'))).toBe(true);
  });

  it('a retry says the status, and an HTML error page is shown by its title, once', async () => {
    const g = await gitea();
    const page =
      '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
    g.injectFault({ kind: 'status', status: 502, body: page, headers: { 'Content-Type': 'text/html' } });
    g.injectFault({ kind: 'status', status: 503, body: 'Service Unavailable', headers: { 'Content-Type': 'text/plain' } });
    const r = await run(g);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/: 502 Bad Gateway; retrying in/);
    expect(r.stderr).not.toMatch(/502 Bad Gateway 502 Bad Gateway/);
    expect(r.stderr).toMatch(/: HTTP 503: Service Unavailable; retrying in/);
  });
});
