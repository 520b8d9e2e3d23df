/**
 * Transport security: no credentials in clear text to a remote host without --allow-http, private
 * CAs through --cert or NODE_EXTRA_CA_CERTS, client certificates, and a one-line certificate error
 * (not retried, no stack) when the CA is unknown. HTTPS registries here are a TLS proxy on 127.0.0.1
 * in front of the Gitea test registry, with a CA made by the test. In-process runs of the CLI (main()
 * with its own io), but for NODE_EXTRA_CA_CERTS, which Node reads only when a process starts.
 */
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, giteaEnv, runCli } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { parseSummary } from '../helpers/summary.js';
import { startGiteaRegistry, type GiteaRegistry } from '../helpers/registries/index.js';
import { makePki, startTlsProxy, type TestPki } from '../helpers/tls.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

let pki: TestPki;
beforeAll(async () => {
  pki = await makePki();
});

const WHEEL = 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl';

async function dist(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'molecule-dist-'));
  await copyFile(join(FIXTURES, WHEEL), join(dir, WHEEL));
  return dir;
}

async function httpsGitea(requireClientCert = false): Promise<{ gitea: GiteaRegistry; url: string }> {
  const gitea = await startGiteaRegistry();
  const proxy = await startTlsProxy(pki, gitea.url, { requireClientCert });
  open.push(gitea, proxy);
  return { gitea, url: proxy.url };
}

describe('plain http', () => {
  it('refuses a non-loopback http:// target before any request or lookup (exit 2) and names --allow-http', async () => {
    const r = await runMain(['--gitea-url', 'http://gitea.example.invalid', '--gitea-owner', 'o', '--no-pypi', await dist()], { env: giteaEnv() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refusing to send credentials in clear text to http://gitea.example.invalid/api/packages/o/pypi: use https, or --allow-http');
  });

  it('allows loopback http:// (the test registries) without the flag', async () => {
    const gitea = await startGiteaRegistry();
    open.push(gitea);
    const r = await runMain(['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--no-pypi', await dist()], { env: giteaEnv() });
    expect(r.code).toBe(0);
  });
});

describe('https with a private CA', () => {
  it('fails with one line about the certificate when the CA is unknown, without retrying', async () => {
    const { gitea, url } = await httpsGitea();
    const r = await runMain(['--gitea-url', url, '--gitea-owner', gitea.owner, '--no-pypi', '--retry-delay', '0.01', await dist()], { env: giteaEnv() });
    expect(r.code).toBe(1);
    const s = parseSummary(r.stdout);
    expect(s.targets.Gitea).toBe('failed_network');
    expect(s.details.Gitea).toMatch(
      /TLS certificate not accepted \((UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)/,
    );
    expect(s.details.Gitea).toContain('--cert FILE');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(gitea.uploads()).toHaveLength(0);
    expect(r.stderr).not.toContain('retrying');
  });

  it('succeeds with --cert CA.pem', async () => {
    const { gitea, url } = await httpsGitea();
    const r = await runMain(['--gitea-url', url, '--gitea-owner', gitea.owner, '--no-pypi', '--cert', pki.caFile, await dist()], { env: giteaEnv() });
    expect(r.code, r.stderr).toBe(0);
    expect(gitea.files()).toHaveLength(1);
  });

  it('succeeds with NODE_EXTRA_CA_CERTS, and with SSL_CERT_FILE', async () => {
    const { gitea, url } = await httpsGitea();
    const args = ['--gitea-url', url, '--gitea-owner', gitea.owner, '--no-pypi', await dist()];
    // Read by Node at start-up: the built CLI in a process of its own.
    expect((await runCli(args, { env: giteaEnv({ NODE_EXTRA_CA_CERTS: pki.caFile }) })).code).toBe(0);
    expect((await runMain(args, { env: giteaEnv({ SSL_CERT_FILE: pki.caFile }) })).code).toBe(0);
    expect(gitea.files()).toHaveLength(1);
  });

  it('presents --client-cert when the server demands one; without it the upload fails cleanly', async () => {
    const { gitea, url } = await httpsGitea(true);
    const base = ['--gitea-url', url, '--gitea-owner', gitea.owner, '--no-pypi', '--cert', pki.caFile, '--retries', '0'];
    const without = await runMain([...base, await dist()], { env: giteaEnv() });
    expect(without.code).toBe(1);
    expect(parseSummary(without.stdout).targets.Gitea).toBe('failed_network');
    const withCert = await runMain([...base, '--client-cert', pki.clientPemFile, await dist()], { env: giteaEnv() });
    expect(withCert.code, withCert.stderr).toBe(0);
    expect(gitea.files()).toHaveLength(1);
  });

  it('a --cert file that is not PEM is a usage error naming it', async () => {
    const r = await runMain(['--gitea-url', 'https://g.example', '--gitea-owner', 'o', '--no-pypi', '--cert', join(FIXTURES, WHEEL), await dist()], {
      env: giteaEnv(),
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(FIXTURES, WHEEL)}: not a PEM file`);
  });
});
