/**
 * Behind a proxy (issue 19): publish, re-run and dry run through a real proxy (Debian's tinyproxy on
 * 127.0.0.1), whose log shows what went through it; NO_PROXY sends a registry direct; https goes
 * through a CONNECT tunnel with the registry's certificate still verified (--cert, --client-cert);
 * a proxy that refuses (407, 403) is one line naming the proxy, not retried; the proxy's password
 * appears in no output. The registries sit on 127.0.0.2 (a relay in front of the test doubles):
 * localhost, 127.0.0.1 and ::1 always go direct, other loopback addresses follow NO_PROXY.
 */
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, giteaEnv, runCli } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { findTinyproxy, serverCertFor, startRelay, startTinyproxy, type Tinyproxy, type TinyproxyOptions } from '../helpers/proxy.js';
import { startGiteaRegistry, startPypiRegistry, type GiteaRegistry, type PypiRegistry } from '../helpers/registries/index.js';
import { parseSummary } from '../helpers/summary.js';
import { makePki, type TestPki } from '../helpers/tls.js';

const TINYPROXY = findTinyproxy();
const skipReason = TINYPROXY ? '' : ' (skipped: tinyproxy is not installed; .ci/run installs it with apt-get)';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

const FILES = ['molecule_demo_hatch-2.0.0rc1-py3-none-any.whl', 'molecule_demo_hatch-2.0.0rc1.tar.gz'];
const PROXY_USER = 'ci-proxy';
const PROXY_PASSWORD = 'pr0xy-canary-pw-5e1d';

async function dist(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'molecule-proxy-dist-'));
  for (const f of FILES) await copyFile(join(FIXTURES, f), join(dir, f));
  return dir;
}

async function proxy(options: TinyproxyOptions = {}): Promise<Tinyproxy> {
  const p = await startTinyproxy(TINYPROXY as string, options);
  open.push(p);
  return p;
}

/** Gitea and PyPI doubles, each reached at 127.0.0.2 through a relay (in clear). */
async function registries(): Promise<{ gitea: GiteaRegistry; pypi: PypiRegistry; giteaUrl: string; pypiPort: number; giteaPort: number; args: string[] }> {
  const gitea = await startGiteaRegistry();
  const pypi = await startPypiRegistry();
  const giteaRelay = await startRelay(gitea.url);
  const pypiRelay = await startRelay(pypi.url);
  open.push(gitea, pypi, giteaRelay, pypiRelay);
  const args = [
    '--gitea-url',
    giteaRelay.url,
    '--gitea-owner',
    gitea.owner,
    '--pypi-url',
    pypi.uploadUrl.replace(pypi.url, pypiRelay.url),
    '--pypi-index-url',
    pypi.indexUrl.replace(pypi.url, pypiRelay.url),
    '--retry-delay',
    '0.01',
  ];
  return { gitea, pypi, giteaUrl: giteaRelay.url, giteaPort: giteaRelay.port, pypiPort: pypiRelay.port, args };
}

const names = (registry: { files(): Array<{ filename: string }> }) =>
  registry
    .files()
    .map((f) => f.filename)
    .sort();

const env = (extra: Record<string, string | undefined>) => giteaEnv({ PYPI_TOKEN: 'pypi-test-token', ...extra });

describe.skipIf(!TINYPROXY)(`through a real proxy (tinyproxy)${skipReason}`, () => {
  it('publishes, re-runs and dry-runs through HTTP_PROXY: every request is in the proxy log', async () => {
    const p = await proxy();
    const { gitea, pypi, args, giteaPort, pypiPort } = await registries();
    const dir = await dist();
    const proxyEnv = { HTTP_PROXY: p.url };

    const first = await runMain([...args, dir], { env: env(proxyEnv) });
    expect(first.code, first.stderr).toBe(0);
    expect(names(gitea)).toEqual([...FILES].sort());
    expect(names(pypi)).toEqual([...FILES].sort());
    const afterFirst = await p.requests();
    // Plain http is forwarded by the proxy: absolute URLs, each upload among them.
    expect(afterFirst.filter((r) => r.startsWith(`POST http://127.0.0.2:${giteaPort}/`))).toHaveLength(2);
    expect(afterFirst.filter((r) => r.startsWith(`POST http://127.0.0.2:${pypiPort}/`))).toHaveLength(2);
    expect(afterFirst.some((r) => r.startsWith(`GET http://127.0.0.2:${giteaPort}/api/packages/`))).toBe(true);
    expect(afterFirst.some((r) => r.startsWith(`GET http://127.0.0.2:${pypiPort}/simple/`))).toBe(true);

    const again = await runMain([...args, dir], { env: env(proxyEnv) });
    expect(again.code, again.stderr).toBe(0);
    const s = parseSummary(again.stdout);
    for (const f of FILES) expect(s.files[f]).toEqual({ Gitea: 'already_present', PyPI: 'already_present' });
    expect(gitea.uploads()).toHaveLength(2);
    expect(pypi.uploads()).toHaveLength(2);
    const afterAgain = (await p.requests()).slice(afterFirst.length);
    expect(afterAgain.length).toBeGreaterThan(0);
    expect(afterAgain.every((r) => r.startsWith('GET '))).toBe(true);

    const dry = await runMain([...args, '--dry-run', dir], { env: env(proxyEnv) });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain('already_present');
    const afterDry = (await p.requests()).slice(afterFirst.length + afterAgain.length);
    expect(afterDry.some((r) => r.startsWith(`GET http://127.0.0.2:${giteaPort}/`))).toBe(true);
    expect(afterDry.every((r) => r.startsWith('GET '))).toBe(true);
  });

  it('NO_PROXY: a listed registry goes direct (the runner that reaches Gitea itself and PyPI through the proxy); NO_PROXY=127.0.0.2 leaves the proxy unused', async () => {
    const p = await proxy();
    const { gitea, pypi, args, giteaPort, pypiPort } = await registries();
    const dir = await dist();

    const split = await runMain([...args, dir], { env: env({ http_proxy: p.url, no_proxy: `example.com, 127.0.0.2:${giteaPort}` }) });
    expect(split.code, split.stderr).toBe(0);
    expect(names(gitea)).toEqual([...FILES].sort());
    expect(names(pypi)).toEqual([...FILES].sort());
    const requests = await p.requests();
    expect(requests.some((r) => r.includes(`127.0.0.2:${pypiPort}/`))).toBe(true);
    expect(requests.filter((r) => r.includes(`:${giteaPort}`))).toEqual([]);

    const direct = await runMain([...args, dir], { env: env({ HTTP_PROXY: p.url, HTTPS_PROXY: p.url, NO_PROXY: '127.0.0.2' }) });
    expect(direct.code, direct.stderr).toBe(0);
    expect(await p.requests()).toEqual(requests);
  });

  describe('https: a CONNECT tunnel, the registry verified inside it', () => {
    let pki: TestPki;
    let cert: { key: string; cert: string };
    beforeAll(async () => {
      pki = await makePki();
      cert = await serverCertFor(pki, '127.0.0.2');
    });

    async function httpsGitea(requireClientCert = false) {
      const gitea = await startGiteaRegistry();
      const relay = await startRelay(gitea.url, { tls: { ...cert, ca: pki.caPem, requireClientCert } });
      open.push(gitea, relay);
      return { gitea, relay, args: ['--gitea-url', relay.url, '--gitea-owner', gitea.owner, '--no-pypi', '--retry-delay', '0.01'] };
    }

    it('publishes with --cert and --client-cert through HTTPS_PROXY with credentials; the password is in no output, and masked in Actions', async () => {
      const p = await proxy({ auth: { user: PROXY_USER, password: PROXY_PASSWORD } });
      const { gitea, relay, args } = await httpsGitea(true);
      const dir = await dist();
      const proxyUrl = p.url.replace('http://', `http://${PROXY_USER}:${PROXY_PASSWORD}@`);
      const r = await runMain([...args, '--cert', pki.caFile, '--client-cert', pki.clientPemFile, '-v', dir], {
        env: giteaEnv({ HTTPS_PROXY: proxyUrl, GITHUB_ACTIONS: 'true' }),
      });
      expect(r.code, r.stderr).toBe(0);
      expect(names(gitea)).toEqual([...FILES].sort());
      const requests = await p.requests();
      expect(requests.length).toBeGreaterThan(0);
      expect(requests.every((line) => line === `CONNECT 127.0.0.2:${relay.port}`)).toBe(true);
      // Keep-alive inside the tunnel: fewer tunnels than requests (an index read, two uploads, an index read).
      expect(requests.length).toBeLessThan(gitea.requests.length);
      const mask = `::add-mask::${PROXY_PASSWORD}`;
      expect(r.stdout.split('\n')).toContain(mask);
      for (const text of [r.stdout.replace(mask, ''), r.stderr, r.summary]) expect(text).not.toContain(PROXY_PASSWORD);
    });

    it('still verifies the registry: without --cert, one line about the certificate, not retried', async () => {
      const p = await proxy();
      const { gitea, args } = await httpsGitea();
      const r = await runMain([...args, await dist()], { env: giteaEnv({ HTTPS_PROXY: p.url }) });
      expect(r.code).toBe(1);
      expect(parseSummary(r.stdout).details.Gitea).toMatch(/TLS certificate not accepted .*--cert FILE.*\(through the proxy http:\/\/127\.0\.0\.1:\d+\)/);
      expect(r.stderr).not.toContain('retrying');
      expect(gitea.uploads()).toHaveLength(0);
      expect((await p.requests()).length).toBeGreaterThan(0);
    });

    it('a 407 (no or wrong proxy credentials) is one line naming the proxy and the fix, not retried', async () => {
      const p = await proxy({ auth: { user: PROXY_USER, password: PROXY_PASSWORD } });
      const { gitea, relay, args } = await httpsGitea();
      // tinyproxy answers a CONNECT without credentials 407, and one with wrong credentials 401.
      for (const [proxyUrl, answer] of [
        [p.url, 'HTTP 407 Proxy Authentication Required): HTTPS_PROXY has no credentials; give them in it (http://USER:PASSWORD@HOST:PORT)'],
        [p.url.replace('http://', `http://${PROXY_USER}:wrong-${PROXY_PASSWORD}@`), "HTTP 401 Unauthorized): check HTTPS_PROXY's credentials"],
      ] as const) {
        const r = await runMain([...args, '--cert', pki.caFile, await dist()], { env: giteaEnv({ HTTPS_PROXY: proxyUrl }) });
        expect(r.code).toBe(1);
        const detail = parseSummary(r.stdout).details.Gitea;
        expect(detail).toBe(`${FILES[0]}: the proxy ${p.url} refused the tunnel to 127.0.0.2:${relay.port} (${answer}`);
        expect(r.stderr).not.toContain('retrying');
        expect(r.stderr).not.toMatch(/^\s+at /m);
        for (const text of [r.stdout, r.stderr, r.summary]) expect(text).not.toContain(PROXY_PASSWORD);
      }
      expect(gitea.requests).toHaveLength(0);
    });

    it('a 403 (the proxy refuses the host) is one line naming the proxy, not retried', async () => {
      const p = await proxy({ deny: ['^127\\.0\\.0\\.2$'] });
      const { gitea, relay, args } = await httpsGitea();
      const r = await runMain([...args, '--cert', pki.caFile, await dist()], { env: giteaEnv({ https_proxy: p.url }) });
      expect(r.code).toBe(1);
      expect(parseSummary(r.stdout).details.Gitea).toBe(
        `${FILES[0]}: the proxy ${p.url} refused the tunnel to 127.0.0.2:${relay.port} (HTTP 403 Filtered): the proxy does not let this run reach 127.0.0.2; ask its administrators, or add the host to NO_PROXY if it is reachable directly`,
      );
      expect(r.stderr).not.toContain('retrying');
      expect(gitea.requests).toHaveLength(0);
    });
  });

  it('plain http: a 407 from the forwarding proxy is the proxy refusing, not the registry', async () => {
    const p = await proxy({ auth: { user: PROXY_USER, password: PROXY_PASSWORD } });
    const { gitea, args, giteaPort } = await registries();
    const r = await runMain([...args, '--no-pypi', await dist()], { env: giteaEnv({ HTTP_PROXY: p.url }) });
    expect(r.code).toBe(1);
    expect(parseSummary(r.stdout).details.Gitea).toBe(
      `${FILES[0]}: the proxy ${p.url} refused the request to 127.0.0.2:${giteaPort} (HTTP 407 Proxy Authentication Required): HTTP_PROXY has no credentials; give them in it (http://USER:PASSWORD@HOST:PORT)`,
    );
    expect(r.stderr).not.toContain('retrying');
    expect(gitea.uploads()).toHaveLength(0);
  });

  it('the built CLI with DEBUG=*: the proxy libraries stay silent, no password anywhere', async () => {
    const p = await proxy({ auth: { user: PROXY_USER, password: PROXY_PASSWORD } });
    const { gitea, args } = await registries();
    const r = await runCli([...args, '--no-pypi', '-v', await dist()], {
      env: giteaEnv({ HTTP_PROXY: p.url.replace('http://', `http://${PROXY_USER}:${PROXY_PASSWORD}@`), DEBUG: '*' }),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(names(gitea)).toEqual([...FILES].sort());
    expect(r.stderr).not.toContain('proxy-agent');
    for (const text of [r.stdout, r.stderr, r.summary]) {
      expect(text).not.toContain(PROXY_PASSWORD);
      expect(text).not.toContain(Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64'));
    }
    expect((await p.requests()).length).toBeGreaterThan(0);
  });
});
