import { afterEach, describe, expect, it } from 'vitest';
import {
  buildSdist,
  buildWheel,
  GITEA_PROFILE_BEHAVIOUR,
  GITEA_PROFILES,
  giteaProfileLabel,
  sha256Hex,
  startGiteaRegistry,
  type GiteaProfile,
  type GiteaRegistry,
  type GiteaRegistryOptions,
} from '../helpers/registries/index.js';
import { basic, post, twineFields, type FormSpec } from './upload-forms.js';

const AUTH = { authorization: basic('publisher', 'gitea-test-token') };
const wheel = buildWheel({ name: 'demo-pkg', version: '1.0.0', requiresPython: '>=3.8' });
const sdist = buildSdist({ name: 'demo-pkg', version: '1.0.0' });
const META = { name: 'demo-pkg', version: '1.0.0', requiresPython: '>=3.8' };

let registry: GiteaRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});
async function start(options?: GiteaRegistryOptions): Promise<GiteaRegistry> {
  registry = await startGiteaRegistry(options);
  return registry;
}

function form(file: { filename: string; content: Buffer }, overrides: Record<string, string | null> = {}): FormSpec {
  return twineFields(file, META, overrides);
}

const PLAIN_API = 'text/plain;charset=utf-8';

describe('Gitea double: upload', () => {
  it('stores a file: 201 with an empty body, recorded with its fields', async () => {
    const g = await start();
    expect(g.uploadUrl).toBe(`${g.url}/api/packages/molecule/pypi`);
    const { res, text } = await post(g.uploadUrl, form(wheel), AUTH);
    expect(res.status).toBe(201);
    expect(res.statusText).toBe('Created');
    expect(text).toBe('');
    expect(g.files()).toEqual([
      {
        filename: wheel.filename,
        project: 'demo-pkg',
        version: '1.0.0',
        sha256: sha256Hex(wheel.content),
        size: wheel.content.length,
        requiresPython: '>=3.8',
      },
    ]);
    expect(g.fileContent(wheel.filename)?.equals(wheel.content)).toBe(true);
    const [up] = g.uploads();
    expect(up?.status).toBe(201);
    expect(up?.fileName).toBe(wheel.filename);
    expect(up?.fileSha256).toBe(sha256Hex(wheel.content));
    expect(up?.fields).toContainEqual(['name', 'demo-pkg']);
  });

  it('accepts the trailing-slash URL and a case-insensitive owner', async () => {
    const g = await start();
    expect((await post(`${g.url}/api/packages/MOLECULE/pypi/`, form(wheel), AUTH)).res.status).toBe(201);
    expect(g.uploads()).toHaveLength(1);
  });

  it('answers 409 for the same (version, lower-cased filename), identical or not; nothing is overwritten', async () => {
    const g = await start();
    expect((await post(g.uploadUrl, form(wheel), AUTH)).res.status).toBe(201);
    const again = await post(g.uploadUrl, form(wheel), AUTH);
    expect([again.res.status, again.text]).toEqual([409, 'package file already exists']);
    expect(again.res.headers.get('content-type')).toBe(PLAIN_API);
    const other = { filename: wheel.filename.toUpperCase(), content: Buffer.from('other bytes') };
    expect((await post(g.uploadUrl, form(other), AUTH)).res.status).toBe(409);
    expect(g.files()).toHaveLength(1);
    expect(g.fileContent(wheel.filename)?.equals(wheel.content)).toBe(true);
  });

  it('answers 400 for duplicates in ≤1.21 mode', async () => {
    const g = await start({ legacyDuplicateStatus: 400 });
    await post(g.uploadUrl, form(wheel), AUTH);
    const again = await post(g.uploadUrl, form(wheel), AUTH);
    expect([again.res.status, again.text]).toEqual([400, 'package file already exists']);
  });

  it('adds a new file to an existing version without touching its metadata', async () => {
    const g = await start();
    await post(g.uploadUrl, form(wheel), AUTH);
    const res = await post(g.uploadUrl, form(sdist, { requires_python: '>=3.12', summary: 'changed' }), AUTH);
    expect(res.res.status).toBe(201);
    expect(g.files().map((f) => f.requiresPython)).toEqual(['>=3.8', '>=3.8']);
    expect(g.versions('demo_pkg')).toHaveLength(1);
  });

  it('reports form errors with Go texts, checking the digest before name and version', async () => {
    const g = await start();
    const noFile = await post(g.uploadUrl, { fields: form(wheel).fields }, AUTH);
    expect([noFile.res.status, noFile.text]).toEqual([400, 'http: no such file']);
    const notMultipart = await fetch(g.uploadUrl, {
      method: 'POST',
      body: 'name=x',
      headers: { ...AUTH, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([notMultipart.status, await notMultipart.text()]).toEqual([400, "request Content-Type isn't multipart/form-data"]);
    const badBoth = await post(g.uploadUrl, form(wheel, { sha256_digest: '0'.repeat(64), name: '-bad-' }), AUTH);
    expect([badBoth.res.status, badBoth.text]).toEqual([400, 'hash mismatch']);
    const noDigest = await post(g.uploadUrl, form(wheel, { sha256_digest: null }), AUTH);
    expect(noDigest.text).toBe('hash mismatch');
    const upper = await post(g.uploadUrl, form(wheel, { sha256_digest: sha256Hex(wheel.content).toUpperCase() }), AUTH);
    expect(upper.res.status).toBe(201);
    for (const [name, version] of [
      ['-test-name', '1.0'],
      ['test!name', '1.0'],
      ['demo', '1.0RC1'],
      ['demo', '1.0.0-alpha.beta'],
      ['demo', 'a1.0.1'],
    ]) {
      const r = await post(g.uploadUrl, form(wheel, { name: name ?? '', version: version ?? '' }), AUTH);
      expect([r.res.status, r.text], `${name} ${version}`).toEqual([400, 'invalid name or version']);
    }
    for (const version of ['v1.0.1', '1!1.0.1+r1234', '1.0b2.r345.dev456']) {
      const file = { filename: `x-${version}.whl`, content: Buffer.from(version) };
      const r = await post(g.uploadUrl, twineFields(file, { name: 'Test.Name_1', version }), AUTH);
      expect(r.res.status, version).toBe(201);
    }
    expect(g.files().find((f) => f.version === 'v1.0.1')?.project).toBe('Test-Name-1');
  });

  it('enforces quotas with 403 before the duplicate check', async () => {
    const g = await start({ quotaBytes: wheel.content.length + 10, maxFileBytes: 1_000_000 });
    expect((await post(g.uploadUrl, form(wheel), AUTH)).res.status).toBe(201);
    const over = await post(g.uploadUrl, form(sdist), AUTH);
    expect([over.res.status, over.text]).toEqual([403, 'maximum allowed package storage quota exceeded']);
    const dup = await post(g.uploadUrl, form(wheel), AUTH);
    expect(dup.res.status).toBe(403);
    const g2 = await startGiteaRegistry({ maxFileBytes: 10 });
    try {
      const big = await post(g2.uploadUrl, form(wheel), AUTH);
      expect([big.res.status, big.text]).toEqual([403, 'maximum allowed package type size exceeded']);
    } finally {
      await g2.close();
    }
  });
});

describe('Gitea double: authentication and permissions', () => {
  const REQ_ACCESS = [401, 'reqPackageAccess\n', 'Basic realm="Gitea Package API"'];

  it('rejects bad credentials with 401 authGroup.Verify before anything else', async () => {
    const g = await start();
    for (const authorization of [basic('publisher', 'wrong'), 'token nope', 'Bearer nope', basic('nobody', '')]) {
      const r = await post(`${g.url}/api/packages/nobody-here/pypi`, form(wheel), { authorization });
      expect([r.res.status, r.text, r.res.headers.get('www-authenticate')], authorization).toEqual([401, 'authGroup.Verify\n', null]);
      expect(r.res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    }
    expect((await post(`${g.uploadUrl}?token=nope`, form(wheel))).res.status).toBe(401);
  });

  it('accepts the PAT as password, as username with an empty password, and as a token header', async () => {
    const g = await start();
    const files = [0, 1, 2, 3].map((i) => ({ filename: `f${i}.whl`, content: Buffer.from(`f${i}`) }));
    const auths = [basic('anyone', 'gitea-test-token'), basic('gitea-test-token', ''), 'token gitea-test-token', 'Bearer gitea-test-token'];
    for (const [i, authorization] of auths.entries()) {
      expect((await post(g.uploadUrl, form(files[i] as (typeof files)[0]), { authorization })).res.status, authorization).toBe(201);
    }
  });

  it('answers 401 reqPackageAccess + WWW-Authenticate when write access or scope is missing', async () => {
    const g = await start({
      users: {
        owner: { token: 'owner-read', scopes: ['read:package'], ownsOwner: true },
        stranger: { token: 'stranger-write', scopes: ['write:package'] },
        admin: { token: 'admin-token', scopes: ['all'], admin: true },
        pw: { password: 'secret', ownsOwner: true },
      },
      actionsToken: 'actions-token',
    });
    const cases: Array<[Record<string, string>, number]> = [
      [{}, 401], // anonymous: read passes, write fails
      [{ authorization: 'token owner-read' }, 401],
      [{ authorization: 'token stranger-write' }, 401],
      [{ authorization: 'token actions-token' }, 401],
      [{ authorization: 'token admin-token' }, 201],
      [{ authorization: basic('pw', 'secret') }, 201],
    ];
    for (const [i, [headers, status]] of cases.entries()) {
      const r = await post(g.uploadUrl, form({ filename: `c${i}.whl`, content: Buffer.from(`c${i}`) }), headers);
      expect(r.res.status, JSON.stringify(headers)).toBe(status);
      if (status === 401) expect([r.res.status, r.text, r.res.headers.get('www-authenticate')]).toEqual(REQ_ACCESS);
    }
  });

  it('answers 404 Not found. for an unknown owner', async () => {
    const g = await start();
    const r = await post(`${g.url}/api/packages/someone-else/pypi`, form(wheel), AUTH);
    expect([r.res.status, r.text]).toEqual([404, 'Not found.\n']);
  });

  it('private owner: anonymous reads get 401 + WWW-Authenticate; a public-only token gets 403 reqToken', async () => {
    const g = await start({
      privateOwner: true,
      users: {
        publisher: { token: 'gitea-test-token', scopes: ['write:package'], ownsOwner: true },
        pub: { token: 'public-only', scopes: ['write:package', 'public-only'], ownsOwner: true },
      },
    });
    await post(g.uploadUrl, form(wheel), AUTH);
    const anon = await fetch(`${g.indexUrl}demo-pkg`);
    expect([anon.status, await anon.text(), anon.headers.get('www-authenticate')]).toEqual(REQ_ACCESS);
    expect((await fetch(`${g.indexUrl}demo-pkg`, { headers: AUTH })).status).toBe(200);
    const po = await post(g.uploadUrl, form(sdist), { authorization: 'token public-only' });
    expect([po.res.status, po.text]).toEqual([403, 'reqToken\n']);
  });
});

describe('Gitea double: read side', () => {
  it('renders the simple page like the 1.22 simple.tmpl: absolute hrefs, #sha256=, escaped requires-python, string-sorted versions', async () => {
    const g = await start();
    for (const version of ['1.9', '1.10', '1!1.0.1+r1234']) {
      const file = { filename: `demo_pkg-${version}.tar.gz`, content: Buffer.from(version) };
      await post(g.uploadUrl, twineFields(file, { name: 'Demo_Pkg', version, requiresPython: version === '1.9' ? '' : '>=3.8' }), AUTH);
    }
    const res = await fetch(`${g.indexUrl}demo.pkg/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    const files = `${g.url}/api/packages/molecule/pypi/files/demo-pkg`;
    expect(html).toBe(
      // v1.22.0's `{{- /* PEP 503 … */ -}}` comment trims the whitespace between <body> and <h1>.
      '<!DOCTYPE html>\n<html>\n\t<head>\n\t\t<title>Links for Demo-Pkg</title>\n\t</head>\n\t<body><h1>Links for Demo-Pkg</h1>\n\t\t' +
        `\n\t\t\t\n\t\t\t\n\t\t\t\t<a href="${files}/1!1.0.1&#43;r1234/demo_pkg-1!1.0.1&#43;r1234.tar.gz#sha256=${sha256Hex(Buffer.from('1!1.0.1+r1234'))}" data-requires-python="&gt;=3.8">demo_pkg-1!1.0.1&#43;r1234.tar.gz</a><br>\n\t\t\t\n\t\t` +
        `\n\t\t\t\n\t\t\t\n\t\t\t\t<a href="${files}/1.10/demo_pkg-1.10.tar.gz#sha256=${sha256Hex(Buffer.from('1.10'))}" data-requires-python="&gt;=3.8">demo_pkg-1.10.tar.gz</a><br>\n\t\t\t\n\t\t` +
        `\n\t\t\t\n\t\t\t\n\t\t\t\t<a href="${files}/1.9/demo_pkg-1.9.tar.gz#sha256=${sha256Hex(Buffer.from('1.9'))}">demo_pkg-1.9.tar.gz</a><br>\n\t\t\t\n\t\t` +
        '\n\t</body>\n</html>\n',
    );
  });

  it('answers 404 with an empty body for unknown packages and for the root /simple/', async () => {
    const g = await start();
    const unknown = await fetch(`${g.indexUrl}nope`);
    expect([unknown.status, await unknown.text()]).toEqual([404, '']);
    expect((await fetch(g.indexUrl)).status).toBe(404);
  });

  it('serves files case-insensitively and 404s missing ones', async () => {
    const g = await start();
    await post(g.uploadUrl, form(wheel), AUTH);
    const ok = await fetch(`${g.uploadUrl}/files/Demo_Pkg/1.0.0/${wheel.filename.toUpperCase()}`);
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer()).equals(wheel.content)).toBe(true);
    const noFile = await fetch(`${g.uploadUrl}/files/demo-pkg/1.0.0/nope.whl`);
    expect([noFile.status, await noFile.text()]).toEqual([404, 'package file does not exist']);
    const noVersion = await fetch(`${g.uploadUrl}/files/demo-pkg/9.9/${wheel.filename}`);
    expect([noVersion.status, await noVersion.text()]).toEqual([404, 'package does not exist']);
    expect(g.versions('demo-pkg')[0]?.downloads).toBe(1);
  });

  it('lists files and deletes a version through /api/v1', async () => {
    const g = await start();
    await post(g.uploadUrl, form(wheel), AUTH);
    const api = `${g.url}/api/v1/packages/molecule/pypi/demo-pkg/1.0.0`;
    const list = await fetch(`${api}/files`, { headers: AUTH });
    const body = (await list.json()) as Array<Record<string, unknown>>;
    expect(body[0]).toMatchObject({ Size: wheel.content.length, name: wheel.filename, sha256: sha256Hex(wheel.content) });
    const anon = await fetch(api, { method: 'DELETE' });
    expect([anon.status, ((await anon.json()) as { message: string }).message]).toEqual([401, 'token is required']);
    expect((await fetch(api, { method: 'DELETE', headers: AUTH })).status).toBe(204);
    expect((await fetch(`${g.indexUrl}demo-pkg`)).status).toBe(404);
    const again = await fetch(api, { method: 'DELETE', headers: AUTH });
    expect([again.status, ((await again.json()) as { message: string }).message]).toEqual([404, 'package does not exist']);
    expect(g.files()).toEqual([]);
  });

  it('seeds files that the index then lists', async () => {
    const g = await start();
    g.seedFile({ filename: wheel.filename, project: 'demo_pkg', version: '1.0.0', content: Buffer.from('seeded'), requiresPython: '>=3.9' });
    const html = await (await fetch(`${g.indexUrl}demo-pkg`)).text();
    expect(html).toContain(`#sha256=${sha256Hex(Buffer.from('seeded'))}" data-requires-python="&gt;=3.9"`);
    const r = await post(g.uploadUrl, form(wheel), AUTH);
    expect(r.res.status).toBe(409);
  });
});

describe('Gitea double: faults', () => {
  it('answers scripted statuses in order, then behaves normally', async () => {
    const g = await start();
    g.injectFault({ kind: 'status', status: 503, times: 2 });
    g.injectFault({ kind: 'retry-after', retryAfterSeconds: 7 });
    const a = await post(g.uploadUrl, form(wheel), AUTH);
    const b = await post(g.uploadUrl, form(wheel), AUTH);
    const c = await post(g.uploadUrl, form(wheel), AUTH);
    const d = await post(g.uploadUrl, form(wheel), AUTH);
    expect([a.res.status, a.text, b.res.status, c.res.status, c.res.headers.get('retry-after'), d.res.status]).toEqual([503, '', 503, 429, '7', 201]);
    expect(g.uploads().map((u) => u.fault)).toEqual(['status', 'status', 'retry-after', undefined]);
    expect(g.uploads()[0]?.fileSha256).toBe(sha256Hex(wheel.content));
  });

  it('status-after-store stores the file, answers 500, and the retry sees 409', async () => {
    const g = await start();
    g.injectFault({ kind: 'status-after-store' });
    const first = await post(g.uploadUrl, form(wheel), AUTH);
    expect([first.res.status, first.text]).toEqual([500, '']);
    expect(g.files()).toHaveLength(1);
    expect((await post(g.uploadUrl, form(wheel), AUTH)).res.status).toBe(409);
  });

  it('resets connections before the response and mid-body without storing anything', async () => {
    const g = await start();
    g.injectFault({ kind: 'reset-before-response' });
    await expect(post(g.uploadUrl, form(wheel), AUTH)).rejects.toThrow();
    const big = { filename: 'big.whl', content: Buffer.alloc(4 * 1024 * 1024, 7) };
    g.injectFault({ kind: 'reset-mid-body' });
    await expect(post(g.uploadUrl, form(big), AUTH)).rejects.toThrow();
    expect(g.files()).toEqual([]);
    expect(g.uploads().map((u) => u.status)).toEqual([0, 0]);
  });

  it('redirects, stalls, and applies `always` faults; only upload POSTs consume faults', async () => {
    const g = await start();
    g.injectFault({ kind: 'redirect', status: 308, location: 'https://elsewhere.example/pypi' });
    expect((await fetch(`${g.indexUrl}demo-pkg`)).status).toBe(404); // GETs never consume faults
    const r = await post(g.uploadUrl, form(wheel), AUTH);
    expect([r.res.status, r.res.headers.get('location')]).toEqual([308, 'https://elsewhere.example/pypi']);
    g.injectFault({ kind: 'stall', stallMs: 50 });
    await expect(post(g.uploadUrl, form(wheel), AUTH)).rejects.toThrow();
    g.injectFault({ kind: 'status', status: 502, always: true });
    for (let i = 0; i < 3; i++) expect((await post(g.uploadUrl, form(wheel), AUTH)).res.status).toBe(502);
    g.clearFaults();
    expect((await post(g.uploadUrl, form(wheel), AUTH)).res.status).toBe(201);
  });

  it('close() does not hang on a stalled request', async () => {
    const g = await start();
    g.injectFault({ kind: 'stall', stallMs: 60_000 });
    const pending = post(g.uploadUrl, form(wheel), AUTH).catch((e: unknown) => e);
    while (g.uploads().length === 0) await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    await g.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('Gitea double: server profiles', () => {
  it('lists the profiles with labels', () => {
    expect(GITEA_PROFILES).toEqual(['1.17', '1.19', '1.22', 'forgejo']);
    expect(GITEA_PROFILES.map(giteaProfileLabel)).toEqual(['Gitea 1.17–1.18', 'Gitea 1.19–1.21', 'Gitea ≥1.22', 'Forgejo (recent)']);
  });

  it('defaults to 1.22', async () => {
    expect((await start()).profile).toBe('1.22');
  });

  const expected: Record<GiteaProfile, { fragment: string; duplicate: [number, string]; badToken: [number, string] }> = {
    '1.17': { fragment: '#sha256-', duplicate: [400, 'Package file does exist already'], badToken: [401, 'reqPackageAccess\n'] },
    '1.19': { fragment: '#sha256-', duplicate: [400, 'package file already exists'], badToken: [401, 'authGroup.Verify\n'] },
    '1.22': { fragment: '#sha256=', duplicate: [409, 'package file already exists'], badToken: [401, 'authGroup.Verify\n'] },
    forgejo: { fragment: '#sha256=', duplicate: [409, 'package file already exists'], badToken: [401, 'authGroup.Verify\n'] },
  };

  for (const profile of GITEA_PROFILES) {
    const want = expected[profile];
    describe(giteaProfileLabel(profile), () => {
      it(`index fragment ${want.fragment}HEX, duplicate ${want.duplicate[0]}`, async () => {
        const g = await start({ profile });
        expect((await post(g.uploadUrl, form(wheel), AUTH)).res.status).toBe(201);
        const html = await (await fetch(`${g.indexUrl}demo-pkg`)).text();
        expect(html).toContain(`/files/demo-pkg/1.0.0/${wheel.filename}${want.fragment}${sha256Hex(wheel.content)}"`);
        const again = await post(g.uploadUrl, form(wheel), AUTH);
        expect([again.res.status, again.text, again.res.headers.get('content-type')]).toEqual([...want.duplicate, PLAIN_API]);
      });

      it('bad token header', async () => {
        const g = await start({ profile });
        const r = await post(g.uploadUrl, form(wheel), { authorization: 'token nope' });
        expect([r.res.status, r.text]).toEqual(want.badToken);
        // A bad Basic password is an authentication error in all profiles (1.18+).
        const b = await post(g.uploadUrl, form(wheel), { authorization: basic('publisher', 'wrong') });
        expect([b.res.status, b.text]).toEqual([401, 'authGroup.Verify\n']);
      });

      it('quota', async () => {
        const g = await start({ profile, quotaBytes: wheel.content.length + 10 });
        expect((await post(g.uploadUrl, form(wheel), AUTH)).res.status).toBe(201);
        const second = await post(g.uploadUrl, form(sdist), AUTH);
        const third = await post(g.uploadUrl, form({ filename: 'third.whl', content: Buffer.from('third') }), AUTH);
        const q = GITEA_PROFILE_BEHAVIOUR[profile].quota;
        if (q.kind === 'none') {
          // 1.17–1.18 have no package limits at all.
          expect([second.res.status, third.res.status]).toEqual([201, 201]);
        } else if (q.kind === 'gitea') {
          // used + upload > limit → 403, before the upload is stored.
          expect([second.res.status, second.text]).toEqual([403, 'maximum allowed package storage quota exceeded']);
          expect(second.res.headers.get('content-type')).toBe(PLAIN_API);
        } else {
          // Forgejo: used < limit before the upload passes (this one overshoots); the next gets 413.
          expect(second.res.status).toBe(201);
          expect([third.res.status, third.text]).toEqual([413, 'enforcePackagesQuota\n']);
          expect(third.res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
          // It runs before the handler reads the form: even a broken form gets 413.
          const broken = await post(g.uploadUrl, { fields: [['name', 'x']] }, AUTH);
          expect(broken.res.status).toBe(413);
        }
      });

      it('a page of 10,000 seeded files plus the new upload, fast', async () => {
        const g = await start({ profile });
        const t0 = performance.now();
        const seeded = g.seedMany('demo_pkg', 10_000);
        expect(seeded).toHaveLength(10_000);
        expect((await post(g.uploadUrl, form(wheel), AUTH)).res.status).toBe(201);
        const res = await fetch(`${g.indexUrl}demo-pkg`);
        const html = await res.text();
        const elapsed = performance.now() - t0;
        const anchors = [...html.matchAll(/<a href="[^"]*"[^>]*>([^<]*)<\/a>/g)].map((m) => m[1]);
        expect(anchors).toHaveLength(10_001);
        if (GITEA_PROFILE_BEHAVIOUR[profile].versionOrder === 'string') {
          // 0.0.* < 1.0.0 in a plain string compare: the new file is the last link of a multi-MB page.
          expect(anchors.at(-1)).toBe(wheel.filename);
          expect(anchors[0]).toBe('demo_pkg-0.0.0-py3-none-any.whl');
          expect(anchors[1]).toBe('demo_pkg-0.0.1-py3-none-any.whl');
          expect(anchors[2]).toBe('demo_pkg-0.0.10-py3-none-any.whl');
        } else {
          // 1.17–1.19: created_unix DESC, the newest version first.
          expect(anchors[0]).toBe(wheel.filename);
          expect(anchors.at(-1)).toBe('demo_pkg-0.0.0-py3-none-any.whl');
        }
        expect(html.length).toBeGreaterThan(1_500_000);
        expect(elapsed).toBeLessThan(1000);
      });
    });
  }

  it('renders each template exactly: <br/> and #sha256- in 1.17, Forgejo keeps the untrimmed <body>', async () => {
    const file = { filename: 'demo_pkg-1.0.tar.gz', content: Buffer.from('x') };
    const page = async (profile: GiteaProfile): Promise<string> => {
      const g = await startGiteaRegistry({ profile });
      try {
        await post(g.uploadUrl, twineFields(file, { name: 'demo-pkg', version: '1.0' }), AUTH);
        const link = `<a href="${g.url}/api/packages/molecule/pypi/files/demo-pkg/1.0/demo_pkg-1.0.tar.gz`;
        return (await (await fetch(`${g.indexUrl}demo-pkg`)).text()).replace(link, '<a href="URL');
      } finally {
        await g.close();
      }
    };
    const head = '<!DOCTYPE html>\n<html>\n\t<head>\n\t\t<title>Links for demo-pkg</title>\n\t</head>\n\t<body>';
    const tail = '\n\t\t\t\n\t\t\n\t</body>\n</html>\n';
    const hash = sha256Hex(Buffer.from('x'));
    expect(await page('1.17')).toBe(
      `${head}\n\t\t<h1>Links for demo-pkg</h1>\n\t\t\n\t\t\t\n\t\t\t\n\t\t\t\t<a href="URL#sha256-${hash}">demo_pkg-1.0.tar.gz</a><br/>${tail}`,
    );
    expect(await page('1.19')).toBe(
      `${head}\n\t\t<h1>Links for demo-pkg</h1>\n\t\t\n\t\t\t\n\t\t\t\n\t\t\t\t<a href="URL#sha256-${hash}">demo_pkg-1.0.tar.gz</a><br>${tail}`,
    );
    expect(await page('1.22')).toBe(
      `${head}<h1>Links for demo-pkg</h1>\n\t\t\n\t\t\t\n\t\t\t\n\t\t\t\t<a href="URL#sha256=${hash}">demo_pkg-1.0.tar.gz</a><br>${tail}`,
    );
    expect(await page('forgejo')).toBe(
      `${head}\n\t\t<h1>Links for demo-pkg</h1>\n\t\t\n\t\t\t\n\t\t\t\n\t\t\t\t<a href="URL#sha256=${hash}">demo_pkg-1.0.tar.gz</a><br>${tail}`,
    );
  });

  it('1.17–1.18: no token scopes, no limits, and an anonymous /api/v1 file listing', async () => {
    const g = await start({ profile: '1.17', users: { publisher: { token: 'gitea-test-token', scopes: ['read:package'], ownsOwner: true } }, maxFileBytes: 1 });
    expect((await post(g.uploadUrl, form(wheel), AUTH)).res.status).toBe(201);
    const list = await fetch(`${g.url}/api/v1/packages/molecule/pypi/demo-pkg/1.0.0/files`);
    expect(list.status).toBe(200);
    expect(((await list.json()) as Array<{ sha256: string }>)[0]?.sha256).toBe(sha256Hex(wheel.content));
  });

  it('legacyDuplicateStatus still overrides the profile status', async () => {
    const g = await start({ profile: 'forgejo', legacyDuplicateStatus: 400 });
    await post(g.uploadUrl, form(wheel), AUTH);
    const again = await post(g.uploadUrl, form(wheel), AUTH);
    expect([again.res.status, again.text]).toEqual([400, 'package file already exists']);
  });
});
