/**
 * The doubles of the other registries (src/sandbox/kinds.ts, issue 20) on 127.0.0.1: each kind's answers to an
 * upload, its page, a re-upload of identical and of different bytes, bad credentials and an unknown project,
 * then each kind's quirks. The expected answers are the study's (/tmp/research/registries.md), written out here
 * rather than read from the profiles, so that a profile that drifts fails.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildSdist,
  buildWheel,
  KIND_PROFILES,
  md5Hex,
  REGISTRY_KINDS,
  sha256Hex,
  startKindRegistry,
  type BuiltArtifact,
  type KindRegistry,
  type KindRegistryOptions,
  type RegistryKindName,
} from '../helpers/registries/index.js';
import { basic, post, twineFields, type FormSpec } from './upload-forms.js';

const META = { name: 'demo-pkg', version: '1.0.0', requiresPython: '>=3.8' };
const wheel = buildWheel(META);
/** Same filename, other bytes. */
const wheel2 = buildWheel({ ...META, summary: 'other bytes under the same name' });
const sdist = buildSdist({ name: 'demo-pkg', version: '1.0.0' });

let registry: KindRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});
async function start(kind: RegistryKindName, options?: KindRegistryOptions): Promise<KindRegistry> {
  registry = await startKindRegistry(kind, options);
  return registry;
}

function form(file: BuiltArtifact, overrides: Record<string, string | null> = {}): FormSpec {
  return twineFields(file, META, overrides);
}
function auth(r: KindRegistry): Record<string, string> {
  return { authorization: basic(r.credentials.username, r.credentials.password) };
}
async function upload(r: KindRegistry, file: BuiltArtifact = wheel, headers: Record<string, string> = {}, overrides: Record<string, string | null> = {}) {
  return post(r.uploadUrl, form(file, overrides), { ...auth(r), ...headers });
}
async function get(url: string, headers: Record<string, string> = {}): Promise<{ res: Response; text: string }> {
  const res = await fetch(url, { headers, redirect: 'manual' });
  return { res, text: await res.text() };
}
/** A kind's page of a project, read with the credentials (CodeArtifact and Azure need them for reads). */
function pageUrl(r: KindRegistry, name: string): string {
  return r.kind === 'gitlab' ? `${r.indexUrl}${name}` : `${r.indexUrl}${name}/`;
}

interface Expected {
  uploadUrl: (url: string) => string;
  indexUrl: (url: string) => string;
  success: { status: number; body: string };
  /** The link of `wheel` on its page. */
  link: (r: KindRegistry) => string;
  identical: { status: number; reason?: string; text?: string; stored: 'kept' | 'replaced' };
  different: { status: number; reason?: string; text?: string; stored: 'old' | 'new' };
  /** Credentials that are wrong for this kind, and the answer. */
  wrong: { username: string; password: string; status: number; challenge?: string; text?: string };
  unknown: { status: number; location?: string; contentType?: string; text?: string };
}

const sha = sha256Hex(wheel.content);
const md5 = md5Hex(wheel.content);
const F = wheel.filename;

const EXPECTED: Record<RegistryKindName, Expected> = {
  gitlab: {
    uploadUrl: (u) => `${u}/api/v4/projects/42/packages/pypi`,
    indexUrl: (u) => `${u}/api/v4/projects/42/packages/pypi/simple/`,
    success: { status: 201, body: '{"message":"201 Created"}' },
    link: (r) => `<a href="${r.url}/api/v4/projects/42/packages/pypi/files/${sha}/${F}#sha256=${sha}" data-requires-python="&gt;=3.8">${F}</a>`,
    identical: { status: 400, text: '{"message":"400 Bad request - Validation failed: File name has already been taken"}', stored: 'kept' },
    different: { status: 400, text: '{"message":"400 Bad request - Validation failed: File name has already been taken"}', stored: 'old' },
    wrong: {
      username: 'gitlab-ci-token',
      password: 'expired',
      status: 401,
      challenge: 'Basic realm="GitLab Packages Registry"',
      text: '{"message":"401 Unauthorized"}',
    },
    unknown: { status: 404, contentType: 'text/plain', text: '{"message":"404 Package Not Found"}' },
  },
  artifactory: {
    uploadUrl: (u) => `${u}/artifactory/api/pypi/pypi-local`,
    indexUrl: (u) => `${u}/artifactory/api/pypi/pypi-local/simple/`,
    success: { status: 200, body: '' },
    link: () => `<a href="../../packages/demo-pkg/1.0.0/${F}#md5=${md5}">${F}</a>`,
    identical: {
      status: 403,
      text: `Not enough permissions to delete/overwrite artifact 'pypi-local:demo-pkg/1.0.0/${F}' (user '' needs DELETE permission).`,
      stored: 'kept',
    },
    different: {
      status: 403,
      text: `Not enough permissions to delete/overwrite artifact 'pypi-local:demo-pkg/1.0.0/${F}' (user '' needs DELETE permission).`,
      stored: 'old',
    },
    // uv --token sends `__token__`: Artifactory wants an empty username.
    wrong: { username: '__token__', password: 'artifactory-access-token', status: 401, challenge: 'Basic realm="Artifactory Realm"', text: 'Bad credentials' },
    unknown: { status: 404 },
  },
  nexus: {
    uploadUrl: (u) => `${u}/repository/pypi-hosted/`,
    indexUrl: (u) => `${u}/repository/pypi-hosted/simple/`,
    success: { status: 200, body: '' },
    link: () => `<a href="../../packages/demo-pkg/1.0.0/${F}#md5=${md5}" rel="internal" data-requires-python="&gt;=3.8" >${F}</a><br/>`,
    identical: {
      status: 400,
      reason: 'Repository does not allow updating assets: pypi-hosted',
      text: '<div class="content-section">\n      Repository does not allow updating assets: pypi-hosted\n    </div>',
      stored: 'kept',
    },
    different: { status: 400, reason: 'Repository does not allow updating assets: pypi-hosted', stored: 'old' },
    wrong: { username: 'deployer', password: 'wrong', status: 401, challenge: 'BASIC realm="Sonatype Nexus Repository Manager"' },
    unknown: { status: 404, contentType: 'text/html' },
  },
  codeartifact: {
    uploadUrl: (u) => `${u}/pypi/molecule/`,
    indexUrl: (u) => `${u}/pypi/molecule/simple/`,
    success: { status: 200, body: '' },
    link: () => `<a href="1.0.0/${F}#sha256=${sha}" data-requires-python="&gt;=3.8">${F}</a>`,
    identical: { status: 200, stored: 'kept' },
    different: { status: 409, stored: 'old' },
    wrong: { username: 'aws', password: 'expired-token', status: 401 },
    unknown: { status: 404 },
  },
  azure: {
    uploadUrl: (u) => `${u}/molecule-org/molecule/_packaging/molecule-feed/pypi/upload/`,
    indexUrl: (u) => `${u}/molecule-org/molecule/_packaging/molecule-feed/pypi/simple/`,
    success: { status: 200, body: '' },
    link: (r) =>
      `<a href="${r.url}/molecule-org/molecule/_packaging/molecule-feed/pypi/download/demo-pkg/1.0.0/${F}#sha256=${sha}" data-requires-python="&gt;=3.8">${F}</a>`,
    identical: { status: 409, text: `"message":"The feed 'molecule-feed' already contains file '${F}' in package 'demo-pkg 1.0.0'."`, stored: 'kept' },
    different: { status: 409, text: '"typeKey":"PackageAlreadyExistsException","errorCode":0,"eventId":3000}', stored: 'old' },
    // Any username, but one there must be.
    wrong: { username: '', password: 'azure-devops-pat', status: 401 },
    unknown: { status: 404 },
  },
  devpi: {
    uploadUrl: (u) => `${u}/molecule/dev/`,
    indexUrl: (u) => `${u}/molecule/dev/+simple/`,
    success: { status: 200, body: '' },
    link: () => `molecule/dev <a href="../../+f/${sha.slice(0, 3)}/${sha.slice(3, 16)}/${F}#sha256=${sha}" data-requires-python="&gt;=3.8">${F}</a><br>\n`,
    // A new index is volatile: both replace silently.
    identical: { status: 200, stored: 'replaced' },
    different: { status: 200, stored: 'new' },
    wrong: { username: 'molecule', password: 'wrong', status: 401, challenge: 'Basic realm="pypi"' },
    unknown: { status: 404, contentType: 'text/html; charset=UTF-8', text: 'The project demo-missing does not exist.' },
  },
  pypiserver: {
    uploadUrl: (u) => `${u}/`,
    indexUrl: (u) => `${u}/simple/`,
    success: { status: 200, body: '' },
    link: () => `            <a href="/packages/${F}#sha256=${sha}">${F}</a><br>\n`,
    identical: {
      status: 409,
      text: `<pre>Package &#039;${F}&#039; already exists!\n  You may start server with \`--overwrite\` option.</pre>`,
      stored: 'kept',
    },
    different: { status: 409, stored: 'old' },
    // Wrong credentials are 403 on pypiserver, without a challenge.
    wrong: { username: 'molecule', password: 'wrong', status: 403 },
    // The fallback: an unknown project is sent to pypi.org (303 on HTTP/1.1).
    unknown: { status: 303, location: 'https://pypi.org/simple/demo-missing/' },
  },
};

describe('kind doubles: the shared answers, per kind', () => {
  it('covers exactly the seven kinds, each with a profile and its unverified list', () => {
    expect([...REGISTRY_KINDS].sort()).toEqual(['artifactory', 'azure', 'codeartifact', 'devpi', 'gitlab', 'nexus', 'pypiserver']);
    for (const k of REGISTRY_KINDS) expect(KIND_PROFILES[k].kind).toBe(k);
    // The closed-source servers are mostly unverified; the study says so and so must the profiles.
    for (const k of ['artifactory', 'codeartifact', 'azure'] as const) expect(KIND_PROFILES[k].unverified.length).toBeGreaterThan(2);
  });

  describe.each(REGISTRY_KINDS)('%s', (kind) => {
    const x = EXPECTED[kind];

    it('has the URLs a user configures, and answers an upload with its success answer', async () => {
      const r = await start(kind);
      expect(r.uploadUrl).toBe(x.uploadUrl(r.url));
      expect(r.indexUrl).toBe(x.indexUrl(r.url));
      expect(r.indexUrl.endsWith('/')).toBe(true);
      const { res, text } = await upload(r);
      expect(res.status).toBe(x.success.status);
      expect(text).toBe(x.success.body);
      // pypiserver reads name and version from the filename and keeps no metadata.
      const stored = kind === 'pypiserver' ? { project: 'demo_pkg' } : { project: 'demo-pkg', requiresPython: '>=3.8' };
      expect(r.files()).toEqual([{ filename: F, version: '1.0.0', sha256: sha, size: wheel.content.length, ...stored }]);
      expect(r.fileContent(F)?.equals(wheel.content)).toBe(true);
      const [rec] = r.uploads();
      expect(rec?.stored).toBe(true);
      expect(rec?.fileSha256).toBe(sha);
    });

    it("lists the file on its page with the kind's href and hash, and serves the bytes at that href", async () => {
      const r = await start(kind);
      await upload(r);
      const { res, text } = await get(pageUrl(r, 'demo-pkg'), auth(r));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(text).toContain(x.link(r));
      const href = /href="([^"#]+)#/.exec(text)?.[1] ?? '';
      const download = await fetch(new URL(href, pageUrl(r, 'demo-pkg')), { headers: auth(r) });
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer()).equals(wheel.content)).toBe(true);
    });

    it('answers a re-upload of identical bytes, then of different bytes under the same name, as the kind does', async () => {
      const r = await start(kind);
      await upload(r);
      const same = await upload(r);
      expect(same.res.status).toBe(x.identical.status);
      if (x.identical.reason) expect(same.res.statusText).toBe(x.identical.reason);
      if (x.identical.text) expect(same.text).toContain(x.identical.text);
      expect(r.uploads()[1]?.stored ?? false).toBe(x.identical.stored === 'replaced');
      expect(r.fileContent(F)?.equals(wheel.content)).toBe(true);

      const other = await upload(r, wheel2);
      expect(other.res.status).toBe(x.different.status);
      if (x.different.reason) expect(other.res.statusText).toBe(x.different.reason);
      if (x.different.text) expect(other.text).toContain(x.different.text);
      expect(r.fileContent(F)?.equals(x.different.stored === 'new' ? wheel2.content : wheel.content)).toBe(true);
      expect(r.files()).toHaveLength(1);
    });

    it("refuses wrong credentials with the kind's answer, and stores nothing", async () => {
      const r = await start(kind);
      const { res, text } = await post(r.uploadUrl, form(wheel), { authorization: basic(x.wrong.username, x.wrong.password) });
      expect(res.status).toBe(x.wrong.status);
      if (x.wrong.challenge) expect(res.headers.get('www-authenticate')).toBe(x.wrong.challenge);
      if (kind === 'pypiserver') expect(res.headers.get('www-authenticate')).toBeNull();
      if (x.wrong.text) expect(text).toContain(x.wrong.text);
      expect(r.files()).toEqual([]);
    });

    it('answers the page of an unknown project with a 404 or a redirect', async () => {
      const r = await start(kind);
      await upload(r);
      const { res, text } = await get(pageUrl(r, 'demo-missing'), auth(r));
      expect(res.status).toBe(x.unknown.status);
      if (x.unknown.location) expect(res.headers.get('location')).toBe(x.unknown.location);
      else expect(res.headers.get('location')).toBeNull();
      if (x.unknown.contentType) expect(res.headers.get('content-type')).toBe(x.unknown.contentType);
      if (x.unknown.text) expect(text).toContain(x.unknown.text);
    });

    it('keeps the test controls: a queued fault answers instead, seeded files are listed', async () => {
      const r = await start(kind);
      r.injectFault({ kind: 'status', status: 502 });
      expect((await upload(r)).res.status).toBe(502);
      expect(r.files()).toEqual([]);
      r.seedFile({ filename: sdist.filename, project: 'demo-pkg', version: '1.0.0', content: sdist.content });
      const { text } = await get(pageUrl(r, 'demo-pkg'), auth(r));
      expect(text).toContain(`>${sdist.filename}</a>`);
      expect(r.requests.map((q) => q.method)).toEqual(['POST', 'GET']);
      expect(r.uploads()).toHaveLength(1);
    });
  });
});

describe('GitLab double', () => {
  it("lists the client-supplied sha256_digest on its page, not the bytes' hash", async () => {
    const r = await start('gitlab');
    const claimed = 'ab'.repeat(32);
    expect((await upload(r, wheel, {}, { sha256_digest: claimed })).res.status).toBe(201);
    const { text } = await get(`${r.indexUrl}demo-pkg`);
    expect(text).toContain(`/files/${claimed}/${F}#sha256=${claimed}"`);
    expect(text).not.toContain(sha);
    expect(r.files()[0]?.sha256).toBe(sha);
  });

  it('redirects an unknown project to pypi.org with package forwarding on (302)', async () => {
    const r = await start('gitlab', { forwardUnknownToPypi: true });
    const { res } = await get(`${r.indexUrl}demo-missing`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://pypi.org/simple/demo-missing/');
  });

  it('serves NAME and NAME/ alike, finds a case-different name but not a non-normalised one', async () => {
    const r = await start('gitlab');
    await upload(r);
    expect((await get(`${r.indexUrl}demo-pkg/`)).res.status).toBe(200);
    expect((await get(`${r.indexUrl}Demo-Pkg`)).res.status).toBe(200);
    const odd = await get(`${r.indexUrl}demo_pkg`);
    expect(odd.res.status).toBe(404);
    expect(odd.text).toBe('{"message":"404 Package Not Found"}');
  });

  it('answers the 13.3 duplicate body, a guest, a bad sha256_digest, a missing name', async () => {
    const old = await start('gitlab', { gitlabVersion: '13.3' });
    await upload(old);
    expect((await upload(old)).text).toBe('{"message":"Validation failed: File name has already been taken"}');
    await old.close();
    const r = await start('gitlab');
    const guest = await post(r.uploadUrl, form(wheel), { authorization: basic('guest', 'glpat-guest-token') });
    expect([guest.res.status, guest.text]).toEqual([403, '{"message":"403 Forbidden"}']);
    const bad = await upload(r, wheel, {}, { sha256_digest: 'nope' });
    expect([bad.res.status, bad.text]).toEqual([400, '{"error":"sha256_digest is invalid"}']);
    const noName = await upload(r, wheel, {}, { name: null });
    expect([noName.res.status, noName.text]).toEqual([400, '{"error":"name is missing"}']);
    const none = await post(r.uploadUrl, form(wheel));
    expect(none.res.status).toBe(401);
    expect(r.files()).toEqual([]);
  });
});

describe('Artifactory double', () => {
  it('answers 204 and stores nothing for an upload URL naming a repository that is not there', async () => {
    const r = await start('artifactory');
    const { res, text } = await post(`${r.url}/artifactory/api/pypi/pypi-lcoal`, form(wheel), auth(r));
    expect(res.status).toBe(204);
    expect(text).toBe('');
    expect(r.files()).toEqual([]);
  });

  it('overwrites silently for a user with DELETE permission', async () => {
    const r = await start('artifactory', { overwrite: true });
    await upload(r);
    const { res } = await upload(r, wheel2);
    expect(res.status).toBe(200);
    expect(r.fileContent(F)?.equals(wheel2.content)).toBe(true);
  });

  it('answers 404 for a duplicate when hiding unauthorized resources; a deployer password works too', async () => {
    const r = await start('artifactory', { hideUnauthorizedResources: true });
    expect((await post(r.uploadUrl, form(wheel), { authorization: basic('deployer', 'deployer-password') })).res.status).toBe(200);
    const { res, text } = await upload(r, wheel2);
    expect(res.status).toBe(404);
    expect(JSON.parse(text)).toEqual({ errors: [{ status: 404, message: `Could not locate artifact 'pypi-local:demo-pkg/1.0.0/${F}'` }] });
  });
});

describe('Nexus double', () => {
  it('gives the datastore message and sha256 hashes (newer Nexus), serves NAME without the slash, 404s a non-normalised name', async () => {
    const r = await start('nexus', { nexusStore: 'datastore', hash: 'sha256' });
    await upload(r);
    const dup = await upload(r);
    expect(dup.res.status).toBe(400);
    expect(dup.res.statusText).toBe(`pypi-hosted/packages/demo-pkg/1.0.0/${F} cannot be updated`);
    const page = await get(`${r.indexUrl}demo-pkg`);
    expect(page.res.status).toBe(200);
    expect(page.text).toContain(`#sha256=${sha}"`);
    expect((await get(`${r.indexUrl}Demo_Pkg/`)).res.status).toBe(404);
  });

  it('refuses a wrong md5_digest, POSTs elsewhere, a reader; takes empty credentials for none', async () => {
    const r = await start('nexus');
    const bad = await upload(r, wheel, {}, { md5_digest: '0'.repeat(32) });
    expect(bad.res.status).toBe(400);
    expect(bad.res.statusText).toBe(`Digests do not match, found: ${md5}, expected: ${'0'.repeat(32)}`);
    expect((await post(`${r.indexUrl}`, form(wheel), auth(r))).res.status).toBe(404);
    expect((await post(r.uploadUrl.slice(0, -1), form(wheel), auth(r))).res.status).toBe(404);
    expect((await post(r.uploadUrl, form(wheel), { authorization: basic('reader', 'nexus-reader-password') })).res.status).toBe(403);
    const empty = await post(r.uploadUrl, form(wheel), { authorization: basic('', '') });
    expect(empty.res.status).toBe(401);
    expect(r.files()).toEqual([]);
  });

  it('replaces with the "Allow redeploy" write policy', async () => {
    const r = await start('nexus', { overwrite: true });
    await upload(r);
    expect((await upload(r, wheel2)).res.status).toBe(200);
    expect(r.fileContent(F)?.equals(wheel2.content)).toBe(true);
  });
});

describe('CodeArtifact and Azure doubles', () => {
  it('CodeArtifact: reads need the token; an identical re-publish is 200 and writes nothing', async () => {
    const r = await start('codeartifact');
    expect(r.credentials.username).toBe('aws');
    await upload(r);
    expect((await get(`${r.indexUrl}demo-pkg/`)).res.status).toBe(401);
    expect((await upload(r)).res.status).toBe(200);
    expect(r.uploads().map((u) => u.stored ?? false)).toEqual([true, false]);
  });

  it('Azure: any username with the PAT; an author_email that is not a bare address is 400 with the message in the reason', async () => {
    const r = await start('azure');
    expect((await post(r.uploadUrl, form(wheel), { authorization: basic('anything', 'azure-devops-pat') })).res.status).toBe(200);
    expect((await get(`${r.indexUrl}demo-pkg/`)).res.status).toBe(401);
    const bad = await upload(r, sdist, {}, { author_email: 'Jeff Forcier <jeff@bitprophet.org>' });
    expect(bad.res.status).toBe(400);
    expect(bad.res.statusText).toMatch(/^Bad Request - The email 'Jeff Forcier <jeff@bitprophet.org>' is invalid\./);
    expect(bad.text).toContain('"typeKey":"InvalidPackageException"');
    expect((await upload(r, sdist, {}, { author_email: 'jeff@bitprophet.org' })).res.status).toBe(200);
  });
});

describe('devpi double', () => {
  it('non-volatile index: identical bytes 200 with its reason, different bytes 409, the old file kept', async () => {
    const r = await start('devpi', { overwrite: false });
    await upload(r);
    const same = await upload(r);
    expect(same.res.status).toBe(200);
    expect(same.res.statusText).toBe('Upload of identical file to non volatile index.');
    expect(same.text).toContain('<h1>200 Upload of identical file to non volatile index.</h1>');
    const other = await upload(r, wheel2);
    expect(other.res.status).toBe(409);
    expect(other.res.statusText).toBe(`${F} already exists in non-volatile index`);
    expect(r.fileContent(F)?.equals(wheel.content)).toBe(true);
    expect(r.uploads().map((u) => u.stored ?? false)).toEqual([true, false, false]);
  });

  it('POST to +simple/: 404 on ≥ 6.17, 200 and nothing stored before; +simple/NAME/ answers its page', async () => {
    const r = await start('devpi');
    expect((await post(`${r.indexUrl}`, form(wheel), auth(r))).res.status).toBe(404);
    await r.close();
    const old = await start('devpi', { devpiVersion: 'before-6.17' });
    const root = await post(old.indexUrl, form(wheel), auth(old));
    expect(root.res.status).toBe(200);
    expect(root.text).toContain('simple list');
    expect(old.files()).toEqual([]);
    await upload(old);
    const page = await post(`${old.indexUrl}demo-pkg/`, form(wheel2), auth(old));
    expect(page.res.status).toBe(200);
    expect(page.text).toContain('links for demo-pkg');
    expect(old.fileContent(F)?.equals(wheel.content)).toBe(true);
  });

  it('redirects +simple/NAME (not for installers) and non-normalised names; 403 for a user without upload right', async () => {
    const r = await start('devpi');
    await upload(r);
    const bare = await get(`${r.indexUrl}demo-pkg`);
    expect(bare.res.status).toBe(302);
    expect(bare.res.headers.get('location')).toBe(`${r.indexUrl}demo-pkg/`);
    expect((await get(`${r.indexUrl}demo-pkg`, { 'user-agent': 'pip/24.0 {"installer":{"name":"pip"}}' })).res.status).toBe(200);
    const odd = await get(`${r.indexUrl}Demo_Pkg/`);
    expect([odd.res.status, odd.res.headers.get('location')]).toEqual([302, `${r.indexUrl}demo-pkg/`]);
    const other = await post(r.uploadUrl, form(wheel2), { authorization: basic('other', 'other-password') });
    expect([other.res.status, other.res.statusText]).toEqual([403, 'no permission to submit']);
    expect((await post(r.uploadUrl, form(wheel2))).res.headers.get('www-authenticate')).toBe('Basic realm="pypi"');
    const json = await get(`${r.indexUrl}demo-missing/`, { accept: 'application/json' });
    expect(JSON.parse(json.text)).toEqual({ message: 'The project demo-missing does not exist.' });
  });
});

describe('pypiserver double', () => {
  it('answers 405 (Allow: GET) to an upload to /simple/, even without credentials, and stores nothing', async () => {
    const r = await start('pypiserver');
    for (const path of ['/simple/', '/simple/demo-pkg/']) {
      const { res, text } = await post(`${r.url}${path}`, form(wheel));
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET');
      expect(text).toContain('<pre>Method not allowed.</pre>');
    }
    expect((await post(`${r.url}/a/b/c`, form(wheel))).res.status).toBe(404);
    expect(r.files()).toEqual([]);
  });

  it('answers a duplicate with 400 to twine (v2.4.1+), 409 to twine before, replaces with --overwrite', async () => {
    const twine = { 'user-agent': 'twine/6.1.0 CPython/3.12.3' };
    const r = await start('pypiserver');
    await upload(r);
    expect((await upload(r, wheel, twine)).res.status).toBe(400);
    await r.close();
    const older = await start('pypiserver', { twineStatus400: false });
    await upload(older);
    expect((await upload(older, wheel, twine)).res.status).toBe(409);
    await older.close();
    const over = await start('pypiserver', { overwrite: true });
    await upload(over);
    expect((await upload(over, wheel2)).res.status).toBe(200);
    expect(over.fileContent(F)?.equals(wheel2.content)).toBe(true);
  });

  it('challenges missing credentials (401), takes name and version from the filename, refuses a bad filename', async () => {
    const r = await start('pypiserver');
    const none = await post(r.uploadUrl, form(wheel));
    expect([none.res.status, none.res.headers.get('www-authenticate')]).toEqual([401, 'Basic realm="pypi"']);
    await upload(r, wheel, {}, { name: 'something-else', version: '9' });
    expect(r.files()[0]).toMatchObject({ project: 'demo_pkg', version: '1.0.0' });
    const bad = await post(r.uploadUrl, { fields: [[':action', 'file_upload']], file: { filename: 'not a dist.txt', content: Buffer.from('x') } }, auth(r));
    expect(bad.res.status).toBe(400);
    expect(bad.text).toContain('Bad filename: not a dist.txt');
    const verify = await post(r.uploadUrl, { fields: [[':action', 'verify']] }, auth(r));
    expect([verify.res.status, verify.text]).toEqual([200, '']);
  });

  it('redirects /simple/NAME and non-normalised names (301), 404s with --disable-fallback, 302s an HTTP/1.0 client', async () => {
    const r = await start('pypiserver');
    await upload(r);
    const bare = await get(`${r.url}/simple/demo-pkg`);
    expect([bare.res.status, bare.res.headers.get('location')]).toEqual([301, `${r.url}/simple/demo-pkg/`]);
    const odd = await get(`${r.url}/simple/Demo_Pkg/`);
    expect([odd.res.status, odd.res.headers.get('location')]).toEqual([301, `${r.url}/simple/demo-pkg/`]);
    const http10 = await rawGet(r.url, '/simple/demo-missing/');
    expect(http10).toMatch(/^HTTP\/1\.1 302 Found\r\n/);
    expect(http10).toContain('Location: https://pypi.org/simple/demo-missing/\r\n');
    await r.close();
    const local = await start('pypiserver', { forwardUnknownToPypi: false });
    const missing = await get(`${local.url}/simple/demo-missing/`);
    expect(missing.res.status).toBe(404);
    expect(missing.text).toContain('<pre>Not Found (demo-missing does not exist)\n\n</pre>');
  });
});

/** A GET over HTTP/1.0 (fetch only speaks 1.1): the raw answer. */
function rawGet(base: string, path: string): Promise<string> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = net.connect(Number(port), '127.0.0.1', () => s.write(`GET ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    s.on('error', reject);
  });
}
