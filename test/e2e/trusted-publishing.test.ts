/**
 * Trusted Publishing end to end: no PYPI_TOKEN, an OIDC token from a stand-in for the Actions runtime,
 * exchanged at the PyPI sandbox for a short-lived token; refusals explained by their claims; tokens
 * renewed when close to expiry; attestations sent because the upload is a Trusted Publishing one.
 * In-process runs of the CLI (main() with its own io).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { parseSummary } from '../helpers/summary.js';
import { startGiteaRegistry, startPypiRegistry } from '../helpers/registries/index.js';
import type { PypiTrustedPublishing } from '../../src/sandbox/pypi.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

const REQUEST_TOKEN = 'actions-runtime-request-token-5e1';
const CLAIMS = {
  repository: 'org/proj',
  workflow_ref: 'org/proj/.gitea/workflows/release.yml@refs/tags/v1.0',
  ref: 'refs/tags/v1.0',
  sub: 'repo:org/proj:ref:refs/tags/v1.0',
};

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** Stands in for ACTIONS_ID_TOKEN_REQUEST_URL: hands out a JWT for the audience asked. */
async function oidcIssuer(claims: Record<string, string>): Promise<{ url: string; jwts: string[]; close(): Promise<void> }> {
  const jwts: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.headers.authorization !== `bearer ${REQUEST_TOKEN}`) {
      res.writeHead(401).end();
      return;
    }
    const jwt = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ ...claims, aud: url.searchParams.get('audience') })}.c2lnbmF0dXJl`;
    jwts.push(jwt);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value: jwt }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token?api-version=2.0`,
    jwts,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const WHEEL = 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl';
const SDIST = 'molecule_demo_hatch-2.0.0rc1.tar.gz';

async function setup(tp: PypiTrustedPublishing, claims: Record<string, string> = CLAIMS) {
  const gitea = await startGiteaRegistry();
  const pypi = await startPypiRegistry({ tokens: {}, trustedPublishing: tp });
  const issuer = await oidcIssuer(claims);
  open.push(gitea, pypi, issuer);
  const dir = await mkdtemp(join(tmpdir(), 'molecule-tp-'));
  for (const f of [WHEEL, SDIST]) await copyFile(join(FIXTURES, f), join(dir, f));
  await writeFile(join(dir, `${WHEEL}.publish.attestation`), JSON.stringify({ version: 1, envelope: { statement: 'e30=', signature: 'c2ln' } }));
  const env = giteaEnv({ GITHUB_ACTIONS: 'true', ACTIONS_ID_TOKEN_REQUEST_URL: issuer.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: REQUEST_TOKEN });
  const args = ['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--pypi-url', pypi.uploadUrl, '--retry-delay', '0.01', dir];
  return { gitea, pypi, issuer, env, args };
}

function mints(pypi: { requests: Array<{ method: string; path: string }> }): number {
  return pypi.requests.filter((r) => r.method === 'POST' && r.path === '/_/oidc/mint-token').length;
}

describe('Trusted Publishing: what a minted token may do (Warehouse at 6b62157)', () => {
  it('a token scoped to another project: 403 with the hint naming the publisher registration; Gitea has everything, exit 0', async () => {
    const { pypi, env, args } = await setup({ publishers: [{ claims: { repository: 'org/proj' }, project: 'another-project' }] });
    pypi.seedFile({ project: 'molecule-demo-hatch', version: '1.0', filename: 'molecule_demo_hatch-1.0.tar.gz', content: Buffer.from('x') });
    const r = await runMain(args, { env });
    expect(r.code, r.stderr).toBe(0);
    expect(parseSummary(r.stdout).targets.PyPI).toBe('failed_http_403');
    expect(r.stderr).toMatch(/OIDC scoped token is not valid for project 'molecule-demo-hatch'/);
    expect(r.stderr).toMatch(/hint: the Trusted Publishing token is scoped to the project\(s\) its publisher is registered for/);
    expect(pypi.files().filter((f) => f.version === '2.0.0rc1')).toHaveLength(0);
  });

  it('a new project: 400 "Non-user identities cannot create new projects" with the pending-publisher hint', async () => {
    const { pypi, env, args } = await setup({ publishers: [{ claims: { repository: 'org/proj' }, project: 'molecule-demo-hatch' }] });
    const r = await runMain(args, { env });
    expect(r.code, r.stderr).toBe(0);
    expect(parseSummary(r.stdout).targets.PyPI).toBe('failed_http_400');
    expect(r.stderr).toMatch(/Non-user identities cannot create new projects/);
    expect(r.stderr).toMatch(/hint: PyPI has no project of this name, and Trusted Publishing cannot create one: register a pending publisher/);
    expect(pypi.files()).toHaveLength(0);
  });

  it('a pending publisher for the name creates the project when the token is minted: success', async () => {
    const { pypi, env, args } = await setup({ publishers: [{ claims: { repository: 'org/proj' }, project: 'molecule-demo-hatch', pending: true }] });
    const r = await runMain(args, { env });
    expect(r.code, r.stderr).toBe(0);
    expect(parseSummary(r.stdout).targets.PyPI).toBe('success');
    expect(pypi.files()).toHaveLength(2);
  });
});

describe('Trusted Publishing', () => {
  it('mints a token with the OIDC token, uploads with it (attestations included), masks it, prints neither', async () => {
    const { pypi, issuer, env, args } = await setup({ publishers: [{ claims: { repository: 'org/proj' } }] });
    const r = await runMain(args, { env });
    expect(r.code, r.stderr).toBe(0);
    expect(parseSummary(r.stdout).targets).toEqual({ Gitea: 'success', PyPI: 'success' });
    expect(
      pypi
        .files()
        .map((f) => f.filename)
        .sort(),
    ).toEqual([SDIST, WHEEL].sort());
    expect(mints(pypi)).toBe(1);
    expect(
      pypi
        .uploads()
        .find((u) => u.fileName === WHEEL)
        ?.fields?.some(([n]) => n === 'attestations'),
    ).toBe(true);
    const minted = /^::add-mask::(pypi-minted-\w+)$/m.exec(r.stdout)?.[1] ?? '';
    expect(minted).not.toBe('');
    const everything = r.stdout.replace(/^::add-mask::.*$/gm, '') + r.stderr + r.summary;
    expect(everything).not.toContain(minted);
    for (const jwt of issuer.jwts) expect(everything).not.toContain(jwt);
    expect(everything).not.toContain(REQUEST_TOKEN);
    expect(r.stderr).toContain('PyPI: minted a short-lived upload token through Trusted Publishing');
  });

  it('a refusal names the error code and the claims that must match; Gitea still publishes (exit 0)', async () => {
    const { gitea, pypi, env, args } = await setup({ publishers: [{ claims: { repository: 'org/other' } }] });
    const r = await runMain(args, { env });
    expect(r.code, r.stderr).toBe(0);
    const s = parseSummary(r.stdout);
    expect(s.targets).toEqual({ Gitea: 'success', PyPI: 'failed_http_422' });
    expect(s.details.PyPI).toContain(
      'Trusted Publishing failed: PyPI refused the OIDC token (HTTP 422: invalid-publisher: valid token, but no corresponding publisher',
    );
    expect(s.details.PyPI).toContain('repository=org/proj');
    expect(s.details.PyPI).toContain('workflow_ref=org/proj/.gitea/workflows/release.yml@refs/tags/v1.0');
    expect(pypi.uploads()).toHaveLength(0);
    expect(gitea.files()).toHaveLength(2);
  });

  it('renews a token that is close to expiring before the next upload', async () => {
    // A 200 s lifetime is inside the 5-minute renewal margin: every upload first mints a fresh token.
    const { pypi, env, args } = await setup({ publishers: [{ claims: { repository: 'org/proj' } }], lifetimeSeconds: 200 });
    const r = await runMain(['--concurrency', '1', ...args], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(parseSummary(r.stdout).targets.PyPI).toBe('success');
    expect(mints(pypi)).toBeGreaterThanOrEqual(3);
    expect(r.stdout.match(/^::add-mask::pypi-minted-/gm)?.length).toBe(mints(pypi));
  });

  it('with a PYPI_TOKEN set, no OIDC exchange happens', async () => {
    const gitea = await startGiteaRegistry();
    const pypi = await startPypiRegistry({ trustedPublishing: { publishers: [] } });
    open.push(gitea, pypi);
    const dir = await mkdtemp(join(tmpdir(), 'molecule-tp-'));
    await copyFile(join(FIXTURES, WHEEL), join(dir, WHEEL));
    const r = await runMain(['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--pypi-url', pypi.uploadUrl, dir], {
      env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token', ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x' }),
    });
    expect(r.code).toBe(0);
    expect(mints(pypi)).toBe(0);
  });

  it.each([
    ['--no-trusted-publishing', ['--no-trusted-publishing'], {}],
    ['MOLECULE_PUBLISH_TRUSTED_PUBLISHING=0', [], { MOLECULE_PUBLISH_TRUSTED_PUBLISHING: '0' }],
  ])('%s turns it off: no OIDC exchange, PyPI skipped_no_token', async (_how, flags, extra) => {
    const { pypi, env, args } = await setup({ publishers: [{ claims: { repository: 'org/proj' } }] });
    const r = await runMain([...flags, ...args], { env: { ...env, ...extra } });
    expect(r.code, r.stderr).toBe(0);
    expect(parseSummary(r.stdout).targets.PyPI).toBe('skipped_no_token');
    expect(mints(pypi)).toBe(0);
  });
});
