/**
 * The PyPI double against Warehouse as of 2026-08 (pypi/warehouse 6b62157, 2026-08-21): the 14-day rule for new
 * files (forklift/legacy.py `file_upload`, #19727 + #20260), the PEP 691 JSON detail page with its PEP 700 fields
 * (packaging/utils.py `_simple_detail`), and Trusted Publishing tokens scoped to their publisher's projects
 * (macaroons/caveats `OIDCPublisher`, oidc/views.py `mint_token`, legacy.py "Non-user identities …").
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildSdist,
  buildWheel,
  sha256Hex,
  startPypiRegistry,
  type PypiRegistry,
  type PypiRegistryOptions,
  type PypiTrustedPublishing,
} from '../helpers/registries/index.js';
import { basic, post, twineFields, type FormSpec } from './upload-forms.js';

const TOKEN = { authorization: basic('__token__', 'pypi-test-token') };
const JSON_ACCEPT = { ...TOKEN, accept: 'application/json' };
const SIMPLE_JSON = { accept: 'application/vnd.pypi.simple.v1+json' };
const DAY = 24 * 60 * 60 * 1000;
const CLOSED = 'Uploading new files to releases older than 14 days is not allowed.';
const NON_USER =
  'Non-user identities cannot create new projects. This was probably caused by successfully using a pending publisher but ' +
  "specifying the project name incorrectly (either in the publisher or in your project's metadata). Please ensure that both match. " +
  'See: https://docs.pypi.org/trusted-publishers/troubleshooting/';

let registry: PypiRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});
async function start(options?: PypiRegistryOptions): Promise<PypiRegistry> {
  registry = await startPypiRegistry(options);
  return registry;
}

function form(file: { filename: string; content: Buffer }, name: string, version: string, overrides: Record<string, string | null> = {}): FormSpec {
  return twineFields(file, { name, version }, overrides);
}

/** POST with Accept: application/json and return [status, reason phrase] after checking the JSON body agrees. */
async function attempt(url: string, spec: FormSpec, headers: Record<string, string> = JSON_ACCEPT): Promise<[number, string]> {
  const { res, text } = await post(url, spec, headers);
  if (res.status >= 400) {
    const body = JSON.parse(text) as { code: string; message: string };
    expect(body.code).toBe(`${res.status} ${res.statusText}`);
    expect(body.message).toContain(res.statusText);
  }
  return [res.status, res.statusText];
}

interface SimpleFile {
  filename: string;
  url: string;
  hashes: Record<string, string>;
  'requires-python': string | null;
  size: number;
  'upload-time': string;
  yanked: boolean | string;
  'core-metadata': unknown;
  'data-dist-info-metadata': unknown;
  provenance: unknown;
}
interface SimpleDetail {
  meta: { 'api-version': string; '_last-serial': number };
  name: string;
  'project-status': { status: string };
  versions: string[];
  files: SimpleFile[];
}

async function simpleJson(p: PypiRegistry, name: string): Promise<{ res: Response; text: string; page: SimpleDetail }> {
  const res = await fetch(`${p.indexUrl}${name}/`, { headers: SIMPLE_JSON });
  const text = await res.text();
  return { res, text, page: JSON.parse(text) as SimpleDetail };
}

describe('PyPI double 2026: no new files for releases older than 14 days', () => {
  const sdist = buildSdist({ name: 'demo-pkg', version: '1.0.0' });
  const wheel = buildWheel({ name: 'demo-pkg', version: '1.0.0' });

  it('a 30-day-old release refuses a new file (400), takes the identical file again (200), and reports other bytes as existing', async () => {
    const p = await start();
    p.seedFile({ filename: sdist.filename, project: 'demo-pkg', version: '1.0.0', content: sdist.content, uploadedAt: Date.now() - 30 * DAY });
    expect(await attempt(p.uploadUrl, form(wheel, 'demo-pkg', '1.0.0'))).toEqual([400, CLOSED]);
    expect(p.files().map((f) => f.filename)).toEqual([sdist.filename]);
    // The duplicate check runs first (#20260): the identical file is still the 200 no-op (twine --skip-existing) …
    expect(await attempt(p.uploadUrl, form(sdist, 'demo-pkg', '1.0.0'))).toEqual([200, 'OK']);
    // … and other bytes under that name are "File already exists", not the 14-day refusal.
    const other = buildSdist({ name: 'demo-pkg', version: '1.0.0', summary: 'other bytes' });
    expect((await attempt(p.uploadUrl, form(other, 'demo-pkg', '1.0.0')))[1]).toMatch(/^File already exists \('demo_pkg-1\.0\.0\.tar\.gz'/);
    // The rule is per release: a new version of the same project is a new release.
    const next = buildWheel({ name: 'demo-pkg', version: '1.0.1' });
    expect(await attempt(p.uploadUrl, form(next, 'demo-pkg', '1.0.1'))).toEqual([200, 'OK']);
    expect(p.files()).toHaveLength(2);
  });

  it('a 3-day-old release takes a new file', async () => {
    const p = await start();
    p.seedFile({ filename: sdist.filename, project: 'demo-pkg', version: '1.0.0', content: sdist.content, uploadedAt: Date.now() - 3 * DAY });
    expect(await attempt(p.uploadUrl, form(wheel, 'demo-pkg', '1.0.0'))).toEqual([200, 'OK']);
    expect(
      p
        .files()
        .map((f) => f.filename)
        .sort(),
    ).toEqual([sdist.filename, wheel.filename].sort());
  });

  it('compares release.created with now − 14 days: a minute either side; the oldest seeded file dates the release', async () => {
    const p = await start();
    p.seedFile({ filename: sdist.filename, project: 'demo-pkg', version: '1.0.0', content: sdist.content, uploadedAt: Date.now() - 14 * DAY + 60_000 });
    expect(await attempt(p.uploadUrl, form(wheel, 'demo-pkg', '1.0.0'))).toEqual([200, 'OK']);

    const v2 = { sdist: buildSdist({ name: 'demo-pkg', version: '2.0.0' }), wheel: buildWheel({ name: 'demo-pkg', version: '2.0.0' }) };
    // A recent file first, then an older one: the release counts from the older.
    p.seedFile({ filename: 'demo_pkg-2.0.0-py2-none-any.whl', project: 'demo-pkg', version: '2.0.0', content: Buffer.from('a'), uploadedAt: Date.now() });
    p.seedFile({ filename: v2.sdist.filename, project: 'demo-pkg', version: '2.0.0', content: v2.sdist.content, uploadedAt: Date.now() - 14 * DAY - 60_000 });
    expect(await attempt(p.uploadUrl, form(v2.wheel, 'demo-pkg', '2.0.0'))).toEqual([400, CLOSED]);
  });

  it('sits before "Only one sdist may be uploaded per release." and the archive checks', async () => {
    const p = await start();
    const zipSdist = { filename: 'demo_pkg-1.0.0.zip', content: Buffer.from('not even a zip') };
    p.seedFile({ filename: sdist.filename, project: 'demo-pkg', version: '1.0.0', content: sdist.content, uploadedAt: Date.now() - 30 * DAY });
    expect(await attempt(p.uploadUrl, form(zipSdist, 'demo-pkg', '1.0.0'))).toEqual([400, CLOSED]);
    await p.close();
    const fresh = await start();
    fresh.seedFile({ filename: sdist.filename, project: 'demo-pkg', version: '1.0.0', content: sdist.content });
    expect(await attempt(fresh.uploadUrl, form(zipSdist, 'demo-pkg', '1.0.0'))).toEqual([400, 'Only one sdist may be uploaded per release.']);
  });
});

describe('PyPI double 2026: PEP 691 JSON detail page with PEP 700 fields', () => {
  it("is Warehouse's _simple_detail: api-version 1.4, sorted versions and files, size, upload-time, sha256 only", async () => {
    const p = await start();
    const at = Date.UTC(2026, 7, 1, 12, 0, 0, 123);
    const seeds = [
      { filename: 'demo_pkg-10.0.tar.gz', version: '10.0', content: Buffer.from('ten'), uploadedAt: at },
      { filename: 'demo_pkg-2.0.tar.gz', version: '2.0', content: Buffer.from('two!'), uploadedAt: Date.UTC(2026, 6, 1, 0, 0, 0, 0) },
      { filename: 'demo_pkg-1.0.0.tar.gz', version: '1.0.0', content: Buffer.from('one point oh'), uploadedAt: at, requiresPython: '>=3.9' },
      { filename: 'demo_pkg-1.0.0-py3-none-any.whl', version: '1.0.0', content: Buffer.from('wheel'), uploadedAt: at + 1 },
      { filename: 'demo_pkg-1.0.0rc1.tar.gz', version: '1.0.0rc1', content: Buffer.from('rc'), uploadedAt: at },
    ];
    for (const s of seeds) p.seedFile({ project: 'Demo.Pkg', ...s });
    const { res, text, page } = await simpleJson(p, 'demo-pkg');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.pypi.simple.v1+json');
    // json.dumps(sort_keys=True, separators=(",", ":")) + "\n"
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.startsWith('{"files":[{"core-metadata":false,"data-dist-info-metadata":false,"filename":"demo_pkg-1.0.0rc1.tar.gz",')).toBe(true);
    expect(page.meta['api-version']).toBe('1.4');
    expect(page.name).toBe('demo-pkg');
    expect(page['project-status']).toEqual({ status: 'active' });
    expect(page.versions).toEqual(['1.0.0rc1', '1.0.0', '2.0', '10.0']);
    expect(page.files.map((f) => f.filename)).toEqual([
      'demo_pkg-1.0.0rc1.tar.gz',
      'demo_pkg-1.0.0-py3-none-any.whl',
      'demo_pkg-1.0.0.tar.gz',
      'demo_pkg-2.0.tar.gz',
      'demo_pkg-10.0.tar.gz',
    ]);
    const one = page.files.find((f) => f.filename === 'demo_pkg-1.0.0.tar.gz');
    expect(one).toEqual({
      filename: 'demo_pkg-1.0.0.tar.gz',
      url: expect.stringMatching(/\/packages\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{60}\/demo_pkg-1\.0\.0\.tar\.gz$/),
      hashes: { sha256: sha256Hex(Buffer.from('one point oh')) },
      'requires-python': '>=3.9',
      size: 12,
      'upload-time': '2026-08-01T12:00:00.123000Z',
      yanked: false,
      'core-metadata': false,
      'data-dist-info-metadata': false,
      provenance: null,
    });
    // isoformat() leaves the fraction out when the microseconds are 0.
    expect(page.files.find((f) => f.filename === 'demo_pkg-2.0.tar.gz')?.['upload-time']).toBe('2026-07-01T00:00:00Z');
    expect(page.files.find((f) => f.filename === 'demo_pkg-1.0.0-py3-none-any.whl')?.['upload-time']).toBe('2026-08-01T12:00:00.124000Z');
    expect(page.files.find((f) => f.filename === 'demo_pkg-2.0.tar.gz')?.['requires-python']).toBeNull();
  });

  it('gives an uploaded file its upload time and size; the root index says 1.4 too', async () => {
    const p = await start();
    const wheel = buildWheel({ name: 'demo-pkg', version: '1.0.0' });
    const before = Date.now();
    expect(await attempt(p.uploadUrl, form(wheel, 'demo-pkg', '1.0.0'))).toEqual([200, 'OK']);
    const after = Date.now();
    const { page } = await simpleJson(p, 'demo-pkg');
    const [file] = page.files;
    expect(file?.size).toBe(wheel.content.length);
    expect(file?.['upload-time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$/);
    const t = Date.parse(file?.['upload-time'] ?? '');
    expect(t).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(t).toBeLessThanOrEqual(after);
    const index = (await (await fetch(p.indexUrl, { headers: SIMPLE_JSON })).json()) as { meta: { 'api-version': string } };
    expect(index.meta['api-version']).toBe('1.4');
  });

  it("negotiates like api/simple.py _select_content_type: pip's Accept gets JSON, nothing acceptable gets HTML (no 406)", async () => {
    const p = await start();
    p.seedFile({ filename: 'demo_pkg-1.0.0.tar.gz', project: 'demo-pkg', version: '1.0.0', content: Buffer.from('x') });
    const pip = await fetch(`${p.indexUrl}demo-pkg/`, {
      headers: { accept: 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01' },
    });
    expect(pip.headers.get('content-type')).toBe('application/vnd.pypi.simple.v1+json');
    const none = await fetch(`${p.indexUrl}demo-pkg/`, { headers: { accept: 'application/vnd.pypi.simple.latest+json' } });
    expect([none.status, none.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(await none.text()).toContain('<meta name="pypi:repository-version" content="1.1">');
  });
});

const b64 = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');

/** POST /_/oidc/mint-token with an (unsigned) OIDC token carrying `claims`. */
async function mint(p: PypiRegistry, claims: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const jwt = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ ...claims, aud: 'pypi' })}.c2ln`;
  const res = await fetch(`${p.url}/_/oidc/mint-token`, { method: 'POST', body: JSON.stringify({ token: jwt }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
async function mintedToken(p: PypiRegistry, claims: Record<string, string>): Promise<Record<string, string>> {
  const { status, body } = await mint(p, claims);
  expect(status).toBe(200);
  return { accept: 'application/json', authorization: basic('__token__', String(body['token'])) };
}

describe('PyPI double 2026: Trusted Publishing tokens are scoped to their publisher', () => {
  const wheelA = buildWheel({ name: 'proj-a', version: '1.0.0' });
  const wheelB = buildWheel({ name: 'proj-b', version: '1.0.0' });
  const wheelC = buildWheel({ name: 'proj-c', version: '1.0.0' });
  const seedAB = (p: PypiRegistry): void => {
    p.seedFile({ filename: 'proj_a-0.1.tar.gz', project: 'proj-a', version: '0.1', content: Buffer.from('a'), owner: 'alice' });
    p.seedFile({ filename: 'proj_b-0.1.tar.gz', project: 'Proj.B', version: '0.1', content: Buffer.from('b'), owner: 'alice' });
  };

  it("a token minted for project A uploads to A; to B it gets 403 'OIDC scoped token is not valid for project'", async () => {
    const tp: PypiTrustedPublishing = { publishers: [{ claims: { repository: 'org/a' }, project: 'Proj_A' }] };
    const p = await start({ tokens: {}, trustedPublishing: tp });
    seedAB(p);
    const auth = await mintedToken(p, { repository: 'org/a' });
    // The project's stored name, quoted by an f-string (not a repr).
    expect(await attempt(p.uploadUrl, form(wheelB, 'proj-b', '1.0.0'), auth)).toEqual([
      403,
      "Invalid API Token: OIDC scoped token is not valid for project 'Proj.B'",
    ]);
    // No owner check: the project's publishers may upload whoever owns it (alice here).
    expect(await attempt(p.uploadUrl, form(wheelA, 'proj-a', '1.0.0'), auth)).toEqual([200, 'OK']);
    expect(p.files().map((f) => f.filename)).toContain(wheelA.filename);
    expect(p.files().map((f) => f.filename)).not.toContain(wheelB.filename);
  });

  it('a TP identity cannot create a new project: 400 "Non-user identities cannot create new projects. …"', async () => {
    const tp: PypiTrustedPublishing = { publishers: [{ claims: { repository: 'org/a' }, project: 'proj-a' }] };
    const p = await start({ tokens: {}, trustedPublishing: tp, projectRegistrationDisabled: true });
    seedAB(p);
    const auth = await mintedToken(p, { repository: 'org/a' });
    // Before create_project's checks (the registration flag would be a 403).
    expect(await attempt(p.uploadUrl, form(wheelC, 'proj-c', '1.0.0'), auth)).toEqual([400, NON_USER]);
    expect(p.files().map((f) => f.filename)).not.toContain(wheelC.filename);
  });

  it('the project scope is checked before the expiry (caveat order OIDCPublisher, ProjectID, Expiration)', async () => {
    const tp: PypiTrustedPublishing = { publishers: [{ claims: { repository: 'org/a' }, project: ['proj-a', 'other'] }], lifetimeSeconds: 0 };
    const p = await start({ tokens: {}, trustedPublishing: tp });
    seedAB(p);
    const auth = await mintedToken(p, { repository: 'org/a' });
    expect(await attempt(p.uploadUrl, form(wheelB, 'proj-b', '1.0.0'), auth)).toEqual([
      403,
      "Invalid API Token: OIDC scoped token is not valid for project 'Proj.B'",
    ]);
    expect(await attempt(p.uploadUrl, form(wheelA, 'proj-a', '1.0.0'), auth)).toEqual([403, 'Invalid API Token: token is expired']);
  });

  it('a pending publisher creates its project when minting; a token for it still creates no other project', async () => {
    const tp: PypiTrustedPublishing = { publishers: [{ claims: { repository: 'org/c' }, project: 'Proj.C', pending: true, user: 'carol' }] };
    const p = await start({ tokens: {}, trustedPublishing: tp });
    const auth = await mintedToken(p, { repository: 'org/c' });
    const { res, page } = await simpleJson(p, 'proj-c');
    expect(res.status).toBe(200);
    expect([page.name, page.versions, page.files]).toEqual(['proj-c', [], []]);
    // The metadata names another project than the pending publisher did.
    expect(await attempt(p.uploadUrl, form(wheelA, 'proj-a', '1.0.0'), auth)).toEqual([400, NON_USER]);
    expect(await attempt(p.uploadUrl, form(wheelC, 'proj-c', '1.0.0'), auth)).toEqual([200, 'OK']);
    // Now an ordinary publisher of proj-c: minting again works and does not re-create anything.
    const again = await mintedToken(p, { repository: 'org/c' });
    const wheelC2 = buildWheel({ name: 'proj-c', version: '1.0.1' });
    expect(await attempt(p.uploadUrl, form(wheelC2, 'proj-c', '1.0.1'), again)).toEqual([200, 'OK']);
  });

  it('a pending publisher whose project already exists is deleted: 422 invalid-pending-publisher, then invalid-publisher', async () => {
    const tp: PypiTrustedPublishing = { publishers: [{ claims: { repository: 'org/a' }, project: 'proj-a', pending: true }] };
    const p = await start({ tokens: {}, trustedPublishing: tp });
    seedAB(p);
    const first = await mint(p, { repository: 'org/a' });
    expect([first.status, first.body]).toEqual([
      422,
      { message: 'Token request failed', errors: [{ code: 'invalid-pending-publisher', description: 'valid token, but project already exists' }] },
    ]);
    const second = await mint(p, { repository: 'org/a' });
    expect(second.status).toBe(422);
    expect((second.body['errors'] as Array<{ code: string }>)[0]?.code).toBe('invalid-publisher');
  });

  it('a pending publisher goes through create_project (the registration flag → 422 invalid-payload with its message)', async () => {
    const tp: PypiTrustedPublishing = { publishers: [{ claims: { repository: 'org/c' }, project: 'proj-c', pending: true }] };
    const p = await start({ tokens: {}, trustedPublishing: tp, projectRegistrationDisabled: true });
    const r = await mint(p, { repository: 'org/c' });
    expect([r.status, r.body['errors']]).toEqual([
      422,
      [
        {
          code: 'invalid-payload',
          description: 'New project registration temporarily disabled. See https://pypi.org/help/#admin-intervention for more information.',
        },
      ],
    ]);
    expect((await fetch(`${p.indexUrl}proj-c/`)).status).toBe(404);
  });

  it("an unscoped publisher (no `project`, the double's older shortcut) still acts as its user's token", async () => {
    const tp: PypiTrustedPublishing = { publishers: [{ claims: { repository: 'org/any' } }] };
    const p = await start({ tokens: {}, trustedPublishing: tp });
    const auth = await mintedToken(p, { repository: 'org/any' });
    expect(await attempt(p.uploadUrl, form(wheelC, 'proj-c', '1.0.0'), auth)).toEqual([200, 'OK']);
  });
});
