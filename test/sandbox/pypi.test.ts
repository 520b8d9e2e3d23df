import { afterEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { Blob } from 'node:buffer';
import { blake2b } from 'hash-wasm';
import {
  buildSdist,
  buildWheel,
  parsePep440,
  sha256Hex,
  startPypiRegistry,
  writeTarGz,
  writeZip,
  type PypiRegistry,
  type PypiRegistryOptions,
} from '../helpers/registries/index.js';
import { basic, post, toFormData, twineFields, type FormSpec } from './upload-forms.js';

const TOKEN = { authorization: basic('__token__', 'pypi-test-token') };
const JSON_ACCEPT = { ...TOKEN, accept: 'application/json' };
const wheel = buildWheel({ name: 'demo-pkg', version: '1.0.0', requiresPython: '>=3.8' });
const sdist = buildSdist({ name: 'demo-pkg', version: '1.0.0' });
const META = { name: 'demo-pkg', version: '1.0.0', requiresPython: '>=3.8' };
const BAD_REQUEST = 'The server could not comply with the request since it is either malformed or otherwise incorrect.';

let registry: PypiRegistry | undefined;
afterEach(async () => {
  await registry?.close();
  registry = undefined;
});
async function start(options?: PypiRegistryOptions): Promise<PypiRegistry> {
  registry = await startPypiRegistry(options);
  return registry;
}
function form(
  file: { filename: string; content: Buffer },
  overrides: Record<string, string | null> = {},
  meta: { name: string; version: string; requiresPython?: string } = META,
): FormSpec {
  return twineFields(file, meta, overrides);
}
/** POST with Accept: application/json and return [status, reason phrase] after checking the JSON body agrees. */
async function attempt(url: string, spec: FormSpec, headers: Record<string, string> = JSON_ACCEPT): Promise<[number, string]> {
  const { res, text } = await post(url, spec, headers);
  if (res.status >= 400) {
    const body = JSON.parse(text) as { code: string; message: string };
    expect(body.code).toBe(`${res.status} ${res.statusText}`);
  }
  return [res.status, res.statusText];
}

describe('PyPI double: upload', () => {
  it('stores a new file: 200 with the default page, listed in /simple/ with #sha256=', async () => {
    const p = await start();
    const { res, text } = await post(p.uploadUrl, form(wheel), TOKEN); // fetch sends Accept: */* → HTML
    expect([res.status, res.statusText]).toEqual([200, 'OK']);
    expect(text).toBe('<html>\n <head>\n  <title>200 OK</title>\n </head>\n <body>\n  <h1>200 OK</h1>\n  <br/><br/>\n\n\n\n </body>\n</html>');
    expect(p.files()).toEqual([
      {
        filename: wheel.filename,
        project: 'demo-pkg',
        version: '1.0.0',
        sha256: sha256Hex(wheel.content),
        blake2_256: await blake2b(wheel.content, 256),
        size: wheel.content.length,
        requiresPython: '>=3.8',
      },
    ]);
    const index = await (await fetch(`${p.indexUrl}demo-pkg/`)).text();
    expect(index).toContain(`#sha256=${sha256Hex(wheel.content)}" data-requires-python="&gt;=3.8" >${wheel.filename}</a><br />`);
  });

  it('treats an identical re-upload as a 200 no-op and rejects other bytes under the same name', async () => {
    const p = await start();
    expect((await post(p.uploadUrl, form(wheel), TOKEN)).res.status).toBe(200);
    expect((await post(p.uploadUrl, form(wheel), TOKEN)).res.status).toBe(200);
    expect(p.files()).toHaveLength(1);
    const other = buildWheel({ name: 'demo-pkg', version: '1.0.0', summary: 'different bytes' });
    const hex = await blake2b(other.content, 256);
    const msg = `File already exists ('${wheel.filename}', with blake2_256 hash '${hex}'). See https://pypi.org/help/#file-name-reuse for more information.`;
    expect(await attempt(p.uploadUrl, form(other))).toEqual([400, msg]);
    // Same bytes under another name are a duplicate too (matched by blake2).
    const renamed = { filename: 'demo_pkg-1.0.0-py2.py3-none-any.whl', content: wheel.content };
    expect((await attempt(p.uploadUrl, form(renamed)))[1]).toMatch(/^File already exists \('demo_pkg-1\.0\.0-py2\.py3-none-any\.whl'/);
    expect(p.fileContent(wheel.filename)?.equals(wheel.content)).toBe(true);
  });

  it('renders the error body per Accept: JSON, HTML, text/plain', async () => {
    const p = await start();
    const spec = form(wheel, { protocol_version: '2' });
    const json = await post(p.uploadUrl, spec, JSON_ACCEPT);
    expect([json.res.status, json.res.statusText]).toEqual([400, 'Unknown protocol version.']);
    expect(json.res.headers.get('content-type')).toBe('application/json');
    expect(json.text).toBe(
      `{"message": "${BAD_REQUEST}\\n\\n\\nUnknown protocol version.\\n\\n", "code": "400 Unknown protocol version.", "title": "Bad Request"}`,
    );
    const html = await post(p.uploadUrl, spec, { ...TOKEN, accept: '*/*' });
    expect(html.text).toBe(
      `<html>\n <head>\n  <title>400 Unknown protocol version.</title>\n </head>\n <body>\n  <h1>400 Unknown protocol version.</h1>\n  ${BAD_REQUEST}<br/><br/>\nUnknown protocol version.\n\n\n </body>\n</html>`,
    );
    const plain = await post(p.uploadUrl, spec, { ...TOKEN, accept: 'text/plain' });
    expect(plain.res.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
    expect(plain.text).toBe(`400 Unknown protocol version.\n\n${BAD_REQUEST}\n\n\nUnknown protocol version.\n\n`);
    // uv's Accept prefers JSON
    const uv = await post(p.uploadUrl, spec, { ...TOKEN, accept: 'application/json;q=0.9, text/plain;q=0.8, text/html;q=0.7' });
    expect(uv.res.headers.get('content-type')).toBe('application/json');
  });

  it('checks authentication and token caveats', async () => {
    const p = await start({
      tokens: {
        'pypi-test-token': {},
        'pypi-expired': { expired: true },
        'pypi-scoped-other': { projects: ['Other_Project'] },
        'pypi-scoped-ok': { projects: ['Demo.Pkg'] },
        'pypi-mallory': { user: 'mallory' },
      },
    });
    const invalid = 'Invalid or non-existent authentication information. See https://pypi.org/help/#invalid-auth for more information.';
    expect(await attempt(p.uploadUrl, form(wheel), { accept: 'application/json' })).toEqual([403, invalid]);
    expect(await attempt(p.uploadUrl, form(wheel), { accept: 'application/json', authorization: basic('__token__', 'pypi-nope') })).toEqual([403, invalid]);
    const userPw = await post(p.uploadUrl, form(wheel), { accept: 'application/json', authorization: basic('alice', 'hunter2') });
    expect([userPw.res.status, userPw.res.statusText]).toEqual([
      403,
      'Username/Password authentication is no longer supported. Migrate to API Tokens or Trusted Publishers instead. See https://pypi.org/help/#apitoken and https://pypi.org/help/#trusted-publishers',
    ]);
    const auth = (t: string): Record<string, string> => ({ accept: 'application/json', authorization: basic('__token__', t) });
    expect(await attempt(p.uploadUrl, form(wheel), auth('pypi-expired'))).toEqual([403, 'Invalid API Token: token is expired']);
    expect(await attempt(p.uploadUrl, form(wheel), auth('pypi-scoped-other'))).toEqual([
      403,
      "Invalid API Token: project-scoped token is not valid for project: 'demo-pkg'",
    ]);
    expect(await attempt(p.uploadUrl, form(wheel), auth('pypi-scoped-ok'))).toEqual([200, 'OK']);
    expect(await attempt(p.uploadUrl, form(sdist), auth('pypi-mallory'))).toEqual([
      403,
      "The user 'mallory' isn't allowed to upload to project 'demo-pkg'. See https://pypi.org/help/#project-name for more information.",
    ]);
    expect(await attempt(p.uploadUrl, form(sdist), { accept: 'application/json', authorization: 'Bearer pypi-test-token' })).toEqual([200, 'OK']);
  });

  it('routes /legacy, missing and legacy :action values', async () => {
    const p = await start();
    const noSlash = await post(`${p.url}/legacy`, form(wheel), TOKEN);
    expect([noSlash.res.status, noSlash.res.statusText, noSlash.res.headers.get('location')]).toEqual([
      308,
      'An upload was attempted to /legacy but the expected upload URL is /legacy/ (with a trailing slash)',
      `${p.url}/legacy/`,
    ]);
    const noAction = await post(p.uploadUrl, form(wheel, { ':action': null }), JSON_ACCEPT);
    expect([noAction.res.status, noAction.res.headers.get('allow')]).toEqual([405, 'GET, HEAD, OPTIONS']);
    expect(JSON.parse(noAction.text)).toEqual({
      message: 'The method POST is not allowed for this resource. \n\n\n',
      code: '405 Method Not Allowed',
      title: 'Method Not Allowed',
    });
    expect(await attempt(p.uploadUrl, form(wheel, { ':action': 'submit' }))).toEqual([
      410,
      'Project pre-registration is no longer required or supported, upload your files instead.',
    ]);
    expect(await attempt(p.uploadUrl, form(wheel, { ':action': 'doc_upload' }))).toEqual([
      410,
      'Uploading documentation is no longer supported, we recommend using https://readthedocs.org/.',
    ]);
    expect(p.uploads()).toHaveLength(3); // POST /legacy is not an upload POST
  });

  it('validates the form and metadata with Warehouse messages', async () => {
    const p = await start();
    const cm = 'See https://packaging.python.org/specifications/core-metadata for more information.';
    const cases: Array<[Record<string, string | null>, string]> = [
      [{ sha256_digest: null }, 'Error: Include at least one message digest.'],
      [{ sha256_digest: 'xyz' }, 'Invalid value for sha256_digest. Error: Use a valid, hex-encoded, SHA256 message digest.'],
      [{ sha256_digest: '0'.repeat(64) }, 'The digest supplied does not match a digest calculated from the uploaded file.'],
      [{ md5_digest: '0'.repeat(32) }, 'The digest supplied does not match a digest calculated from the uploaded file.'],
      [{ filetype: null }, 'Invalid value for filetype. Error: This field is required.'],
      [{ filetype: 'bdist_egg' }, 'Invalid value for filetype. Error: Use a known file type.'],
      [{ pyversion: '' }, 'Invalid value for pyversion. Error: Python version is required for binary distribution uploads.'],
      [
        { name: '-demo' },
        `'-demo' is an invalid value for Name. Error: Start and end with a letter or numeral containing only ASCII numeric and '.', '_' and '-'. ${cm}`,
      ],
      [{ name: null }, `'' is an invalid value for Name. Error: This field is required. ${cm}`],
      [{ metadata_version: '2.0' }, `'2.0' is not a valid metadata version. ${cm}`],
      [{ version: 'one' }, `'one' is invalid for 'version'. ${cm}`],
      [
        { version: '1.0+local.7' },
        "The use of local versions in '1.0+local.7' is not allowed. See https://packaging.python.org/en/latest/specifications/version-specifiers/#local-version-identifiers for more information.",
      ],
      [{ summary: 'UNKNOWN', version: 'UNKNOWN' }, `'version' is a required field. ${cm}`],
    ];
    for (const [overrides, message] of cases) expect(await attempt(p.uploadUrl, form(wheel, overrides)), JSON.stringify(overrides)).toEqual([400, message]);
    expect(await attempt(p.uploadUrl, { fields: form(wheel).fields })).toEqual([400, 'Upload payload does not have a file.']);
    const tuple = form(wheel);
    const withTuple: FormSpec = { fields: tuple.fields.filter(([k]) => k !== 'summary'), file: tuple.file };
    const f = toFormData(withTuple);
    f.append('summary', new Blob([Buffer.from('x')]), 'summary.txt');
    const r = await fetch(p.uploadUrl, { method: 'POST', body: f, headers: JSON_ACCEPT });
    expect([r.status, r.statusText]).toEqual([400, 'summary: Should not be a tuple.']);
    expect(p.files()).toEqual([]);
  });

  it('enforces sdist/wheel filename rules and one sdist per release', async () => {
    const p = await start();
    expect(await attempt(p.uploadUrl, form(sdist))).toEqual([200, 'OK']);
    const second = buildSdist({ name: 'demo-pkg', version: '1.0' });
    expect(await attempt(p.uploadUrl, form(second, {}, { name: 'demo-pkg', version: '1.0' }))).toEqual([400, 'Only one sdist may be uploaded per release.']);
    const zipSdist = {
      filename: 'demo_pkg-2.0.zip',
      content: writeZip([
        ['demo_pkg-2.0/PKG-INFO', Buffer.from('Metadata-Version: 2.1\n')],
        ['demo_pkg-2.0/setup.py', Buffer.from('')],
      ]),
    };
    expect(await attempt(p.uploadUrl, form(zipSdist, {}, { name: 'demo-pkg', version: '2.0' }))).toEqual([
      400,
      "Filename 'demo_pkg-2.0.zip' is invalid, should be 'demo_pkg-2.0.tar.gz'.",
    ]);
    const unnormalized = { ...buildSdist({ name: 'demo-pkg', version: '3.0' }), filename: 'Demo.Pkg-3.0.tar.gz' };
    expect(await attempt(p.uploadUrl, form(unnormalized, {}, { name: 'demo-pkg', version: '3.0' }))).toEqual([
      400,
      "Filename 'Demo.Pkg-3.0.tar.gz' is invalid, should be 'demo_pkg-3.0.tar.gz'.",
    ]);

    const loose = await startPypiRegistry({ checkArchives: false });
    try {
      const w = (filename: string, version = '1.0.0'): FormSpec => form({ filename, content: Buffer.from(filename) }, {}, { name: 'demo-pkg', version });
      expect(await attempt(loose.uploadUrl, w('Demo_Pkg-1.0.0-py3-none-any.whl'))).toEqual([
        400,
        "Filename 'Demo_Pkg-1.0.0-py3-none-any.whl' should contain the normalized project name 'demo_pkg', not 'Demo_Pkg'.",
      ]);
      expect(await attempt(loose.uploadUrl, w('demo_pkg-1.0.1-py3-none-any.whl'))).toEqual([400, "Version in filename should be '1.0.0' not '1.0.1'."]);
      expect(await attempt(loose.uploadUrl, w('demo_pkg-1.0.0-cp311-cp311-linux_x86_64.whl'))).toEqual([
        400,
        "Binary wheel 'demo_pkg-1.0.0-cp311-cp311-linux_x86_64.whl' has an unsupported platform tag 'linux_x86_64'.",
      ]);
      expect(await attempt(loose.uploadUrl, w('other-1.0.0-py3-none-any.whl'))).toEqual([400, "Start filename for 'demo-pkg' with 'demo_pkg'."]);
      expect(await attempt(loose.uploadUrl, w('demo_pkg-1.0.0.exe'))).toEqual([
        400,
        'Invalid file extension: Use .tar.gz, .whl or .zip extension. See https://www.python.org/dev/peps/pep-0527 and https://peps.python.org/pep-0715/ for more information',
      ]);
      expect(await attempt(loose.uploadUrl, w('demo_pkg-1.0.0-py3-none-manylinux_2_17_x86_64.whl'))).toEqual([200, 'OK']);
    } finally {
      await loose.close();
    }
  });

  it('checks archive structure like _is_valid_dist_file', async () => {
    const p = await start();
    const fake = { filename: wheel.filename, content: Buffer.from('not a zip') };
    expect(await attempt(p.uploadUrl, form(fake))).toEqual([400, 'Invalid distribution file. File is not a zipfile']);
    const noWheel = { filename: wheel.filename, content: writeZip([['demo_pkg/__init__.py', Buffer.from('')]]) };
    expect(await attempt(p.uploadUrl, form(noWheel))).toEqual([400, 'Invalid distribution file. WHEEL not found at demo_pkg-1.0.0.dist-info/WHEEL']);
    const fakeSdist = { filename: sdist.filename, content: Buffer.from('nope') };
    expect(await attempt(p.uploadUrl, form(fakeSdist))).toEqual([400, 'Invalid distribution file. File is not a tarfile']);
    const imageType: FormSpec = { ...form(wheel), file: { filename: wheel.filename, content: wheel.content, type: 'image/png' } };
    expect(await attempt(p.uploadUrl, imageType)).toEqual([400, 'Invalid distribution file.']);
    expect(await attempt(p.uploadUrl, form(sdist))).toEqual([200, 'OK']);
  });

  it('rate-limits new projects with 429 and enforces the file size limit', async () => {
    const p = await start({ newProjectLimit: 1, fileSizeLimit: 1024 * 1024 });
    expect(await attempt(p.uploadUrl, form(wheel))).toEqual([200, 'OK']);
    const other = buildWheel({ name: 'other', version: '1.0' });
    expect(await attempt(p.uploadUrl, form(other, {}, { name: 'other', version: '1.0' }))).toEqual([429, 'Too many new projects created']);
    const big = { filename: 'demo_pkg-2.0.tar.gz', content: Buffer.alloc(1024 * 1024 + 1) };
    expect((await attempt(p.uploadUrl, form(big, {}, { name: 'demo-pkg', version: '2.0' })))[1]).toBe(
      "File too large. Limit for project 'demo-pkg' is 1 MB. See https://docs.pypi.org/project-management/storage-limits#requesting-a-file-size-limit-increase for more information.",
    );
  });
});

describe('PyPI double: Warehouse rules (pypi/warehouse 6b62157, packaging 26.2)', () => {
  const cm = 'See https://packaging.python.org/specifications/core-metadata for more information.';
  const distInfo = 'demo_pkg-1.0.0.dist-info';
  /** A demo-pkg 1.0.0 wheel with these members (stored); METADATA, WHEEL and RECORD unless left out. */
  function wheelWith(extra: Array<[string, Buffer]>, leaveOut: string[] = []): { filename: string; content: Buffer } {
    const members: Array<[string, Buffer]> = [
      ['demo_pkg/__init__.py', Buffer.from('')],
      [`${distInfo}/METADATA`, Buffer.from('Metadata-Version: 2.1\nName: demo-pkg\nVersion: 1.0.0\n\n')],
      [`${distInfo}/WHEEL`, Buffer.from('Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n\n')],
      ...extra,
      [`${distInfo}/RECORD`, Buffer.from('')],
    ];
    return { filename: 'demo_pkg-1.0.0-py3-none-any.whl', content: writeZip(members.filter(([n]) => !leaveOut.some((l) => n.endsWith(l)))) };
  }

  it('metadata: fields newer than Metadata-Version, License + License-Expression, Summary, URLs, requirements, classifiers', async () => {
    const p = await start();
    const cases: Array<[Record<string, string | null>, string]> = [
      [{ license_expression: 'MIT' }, `license-expression introduced in metadata version 2.4, not 2.1. ${cm}`],
      [{ metadata_version: '2.1', dynamic: 'Summary' }, `dynamic introduced in metadata version 2.2, not 2.1. ${cm}`],
      [
        { metadata_version: '2.4', license: 'MIT', license_expression: 'MIT' },
        `License is deprecated when License-Expression is present. Only License-Expression should be present. ${cm}`,
      ],
      [{ metadata_version: '2.4', license_expression: 'MIT License' }, `'MIT License' is invalid for 'license-expression'. ${cm}`],
      [{ metadata_version: '2.4', license_expression: 'GPLv3' }, `'GPLv3' is invalid for 'license-expression'. ${cm}`],
      [{ summary: 'x'.repeat(513) }, `'summary' field must be 512 characters or less. ${cm}`],
      [{ requires_dist: 'pkg @ https://example.com/pkg.whl' }, `Can't have direct dependency: pkg @ https://example.com/pkg.whl. ${cm}`],
      [
        { requires_dist: "pkg[b,a] @ https://example.com/pkg.whl ; python_version>='3.8' and extra=='Foo_Bar'" },
        `Can't have direct dependency: pkg[a,b] @ https://example.com/pkg.whl ; python_version >= "3.8" and extra == "foo-bar". ${cm}`,
      ],
      [{ requires_dist: "foo; python_version >> '3'" }, `"foo; python_version >> '3'" is invalid for 'requires-dist'. ${cm}`],
      [{ requires_python: '>=3.8,<' }, `'>=3.8,<' is invalid for 'requires-python'. ${cm}`],
      [{ project_urls: 'Home, javascript:alert(1)' }, `'javascript:alert(1)' is not a valid url. ${cm}`],
      [{ project_urls: 'Mirror, ftp://example.com/pkg' }, `'ftp://example.com/pkg' is not a valid url. ${cm}`],
      [{ project_urls: `${'L'.repeat(33)}, https://example.com/` }, `'${'L'.repeat(33)}' must be 32 characters or less. ${cm}`],
      [{ project_urls: 'Home' }, `Must have a URL. ${cm}`],
      [{ home_page: 'example.com' }, `'example.com' is not a valid url. ${cm}`],
      [{ download_url: 'https://example.com:99999/demo.tar.gz' }, `'https://example.com:99999/demo.tar.gz' is not a valid url. ${cm}`],
      [{ classifiers: 'Foo :: Bar' }, `'Foo :: Bar' is not a valid classifier. ${cm}`],
      [{ classifiers: 'Private :: Do Not Upload' }, `'Private :: Do Not Upload' is not a valid classifier. ${cm}`],
      [
        { classifiers: 'Natural Language :: Ukranian' },
        `The classifier 'Natural Language :: Ukranian' has been deprecated, use one of ['Natural Language :: Ukrainian'] instead. ${cm}`,
      ],
      [{ metadata_version: '2.2', dynamic: 'Version' }, `'version' is not allowed as a dynamic field. ${cm}`],
      [{ metadata_version: '2.2', dynamic: 'Dynamic' }, `Dynamic field 'dynamic' is not a valid dynamic field. ${cm}`],
      [{ metadata_version: null }, `None is not a valid metadata version. ${cm}`],
      [{ provides_extra: 'not valid' }, `'not valid' is invalid for 'provides-extra'. ${cm}`],
      // packaging's errors stop the checks: Warehouse's own (summary length) are not reached.
      [{ license_expression: 'MIT', summary: 'x'.repeat(600) }, `license-expression introduced in metadata version 2.4, not 2.1. ${cm}`],
      // Among Warehouse's errors, version (local) comes first, then fields in sorted order.
      [{ summary: 'x'.repeat(600), classifiers: 'Foo :: Bar' }, `'Foo :: Bar' is not a valid classifier. ${cm}`],
    ];
    for (const [overrides, message] of cases) expect(await attempt(p.uploadUrl, form(wheel, overrides)), JSON.stringify(overrides)).toEqual([400, message]);
    // Provides-Dist carries packaging's parser message (reason phrase: newlines become '?').
    const { res, text } = await post(p.uploadUrl, form(wheel, { provides_dist: 'foo >> 3' }), JSON_ACCEPT);
    expect(res.status).toBe(400);
    expect((JSON.parse(text) as { message: string }).message).toContain(
      "'foo >> 3' is invalid: Expected semicolon (after name with no version specifier) or end\n    foo >> 3\n        ^. See https://packaging.python.org/",
    );
    // A single-value field sent twice is unparsable; a repeated Project-URL label too.
    const twice = form(wheel);
    twice.fields.push(['summary', 'a'], ['summary', 'b']);
    expect(await attempt(p.uploadUrl, twice)).toEqual([400, `'summary' has invalid data. ${cm}`]);
    const labels = form(wheel);
    labels.fields.push(['project_urls', 'Home, https://a.example'], ['project_urls', 'Home, https://b.example']);
    expect(await attempt(p.uploadUrl, labels)).toEqual([400, `'project_urls' has invalid data. ${cm}`]);
    // Valid metadata still goes through.
    const ok = form(wheel, { metadata_version: '2.4', license_expression: 'Apache-2.0 OR (MIT AND BSD-3-Clause)', classifiers: 'Typing :: Typed' });
    ok.fields.push(['project_urls', 'Source, https://example.com/src'], ['requires_dist', 'requests>=2; extra == "http"'], ['provides_extra', 'http']);
    expect(await attempt(p.uploadUrl, ok)).toEqual([200, 'OK']);
    expect(p.files()).toHaveLength(1);
  });

  it('checks classifiers against the whole trove list by default, or a supplied one (knownClassifiers)', async () => {
    const typo = form(wheel, { classifiers: 'Programming Language :: Pyhton :: 3' });
    const byDefault = await start();
    expect(await attempt(byDefault.uploadUrl, typo)).toEqual([400, `'Programming Language :: Pyhton :: 3' is not a valid classifier. ${cm}`]);
    expect(await attempt(byDefault.uploadUrl, form(wheel, { classifiers: 'Programming Language :: Python :: 3' }))).toEqual([200, 'OK']);
    await byDefault.close();
    const supplied = await start({ knownClassifiers: ['Programming Language :: Pyhton :: 3'] });
    expect(await attempt(supplied.uploadUrl, typo)).toEqual([200, 'OK']);
  });

  it('answers the admin flags, account and project-name checks in Warehouse order', async () => {
    const anonymous = { accept: 'application/json' };
    const readOnly = await start({ readOnly: true });
    expect(await attempt(readOnly.uploadUrl, form(wheel), anonymous)).toEqual([403, 'Read-only mode: Uploads are temporarily disabled.']);
    await readOnly.close();
    const disabled = await start({ uploadsDisabled: true });
    expect(await attempt(disabled.uploadUrl, form(wheel), anonymous)).toEqual([
      403,
      'New uploads are temporarily disabled. See https://pypi.org/help/#admin-intervention for more information.',
    ]);
    await disabled.close();

    const p = await start({
      takenNames: ['Demo.Pkg'],
      tokens: {
        'pypi-test-token': {},
        'pypi-unverified': { unverifiedEmail: true },
        'pypi-no2fa': { no2fa: true },
        'pypi-mallory': { user: 'mallory', no2fa: true },
      },
    });
    // `sanitize` wraps the view outside `ensure_uploads_allowed`: a file part in a text field is refused before auth.
    const tuple = toFormData(form(wheel, { summary: null }));
    tuple.append('summary', new Blob([Buffer.from('x')]), 'summary.txt');
    const r = await fetch(p.uploadUrl, { method: 'POST', body: tuple, headers: anonymous });
    expect([r.status, r.statusText]).toEqual([400, 'summary: Should not be a tuple.']);

    const auth = (t: string): Record<string, string> => ({ accept: 'application/json', authorization: basic('__token__', t) });
    expect(await attempt(p.uploadUrl, form(wheel), auth('pypi-unverified'))).toEqual([
      403,
      "User 'publisher', associated with the API token used, does not have a verified primary email address. Please add a verified primary email before attempting to upload to PyPI. See https://pypi.org/help/#verified-email for more information.",
    ]);
    const no2fa =
      "User 'publisher', associated with the API token used, does not have two-factor authentication enabled. Please enable two-factor authentication before attempting to upload to PyPI. See https://pypi.org/help/#two-factor-authentication for more information.";
    expect(await attempt(p.uploadUrl, form(wheel), auth('pypi-no2fa'))).toEqual([403, no2fa]);
    const conflict = await post(p.uploadUrl, form(wheel), JSON_ACCEPT);
    expect([conflict.res.status, conflict.res.statusText]).toEqual([
      409,
      "The name 'demo-pkg' conflicts with an existing project. See https://pypi.org/help/#project-name for more information.",
    ]);
    expect((JSON.parse(conflict.text) as { title: string }).title).toBe('Conflict');

    // An existing project: the permission error comes before the user's 2FA.
    const other = buildWheel({ name: 'other', version: '1.0' });
    const otherForm = form(other, {}, { name: 'other', version: '1.0' });
    expect(await attempt(p.uploadUrl, otherForm)).toEqual([200, 'OK']);
    const other2 = buildWheel({ name: 'other', version: '2.0' });
    expect(await attempt(p.uploadUrl, form(other2, {}, { name: 'other', version: '2.0' }), auth('pypi-mallory'))).toEqual([
      403,
      "The user 'mallory' isn't allowed to upload to project 'other'. See https://pypi.org/help/#project-name for more information.",
    ]);
    expect(await attempt(p.uploadUrl, form(other2, {}, { name: 'other', version: '2.0' }), auth('pypi-no2fa'))).toEqual([403, no2fa]);
    await p.close();

    // A new project: the user checks come before the rate limit; the registration flag after it.
    const limited = await start({ newProjectLimit: 0, tokens: { 'pypi-test-token': {}, 'pypi-no2fa': { no2fa: true } } });
    expect(await attempt(limited.uploadUrl, form(wheel), auth('pypi-no2fa'))).toEqual([403, no2fa]);
    const tooMany = await post(limited.uploadUrl, form(wheel), JSON_ACCEPT);
    expect([tooMany.res.status, tooMany.res.statusText, tooMany.res.headers.get('retry-after')]).toEqual([429, 'Too many new projects created', null]);
    expect((JSON.parse(tooMany.text) as { title: string }).title).toBe('Too Many Requests');
    await limited.close();
    const closed = await start({ projectRegistrationDisabled: true });
    expect(await attempt(closed.uploadUrl, form(wheel))).toEqual([
      403,
      'New project registration temporarily disabled. See https://pypi.org/help/#admin-intervention for more information.',
    ]);
  });

  it('checks archives like _is_valid_dist_file and validate_zipfile, then License-File, RECORD, entry points, METADATA', async () => {
    const p = await start();
    const bad = 'Invalid distribution file.';
    const framing = (why: string): string => `${bad} ZIP archive not accepted: ${why}. See https://docs.pypi.org/archives for more information`;
    const good = wheelWith([]);
    expect(await attempt(p.uploadUrl, form({ ...good, content: Buffer.concat([good.content, Buffer.from('junk')]) }))).toEqual([400, framing('Trailing data')]);
    const descriptor = Buffer.from(good.content);
    descriptor.writeUInt16LE(descriptor.readUInt16LE(6) | 0x08, 6); // first local header: "sizes in a data descriptor"
    expect(await attempt(p.uploadUrl, form({ ...good, content: descriptor }))).toEqual([400, framing('ZIP contains a data descriptor')]);
    const cdAt = (buf: Buffer, n: number): number => {
      let at = -1;
      for (let i = 0; i <= n; i++) at = buf.indexOf(Buffer.from('PK\x01\x02', 'latin1'), at + 1);
      return at;
    };
    const bzip2 = Buffer.from(good.content);
    bzip2.writeUInt16LE(12, cdAt(bzip2, 0) + 10);
    expect(await attempt(p.uploadUrl, form({ ...good, content: bzip2 }))).toEqual([400, `${bad} File does not use a supported compression type`]);
    const brokenCd = Buffer.from(good.content);
    brokenCd.write('XX', cdAt(brokenCd, 1), 'latin1'); // is_zipfile only looks at the first entry; ZipFile() fails
    expect(await attempt(p.uploadUrl, form({ ...good, content: brokenCd }))).toEqual([400, `${bad} None`]);
    expect(await attempt(p.uploadUrl, form({ filename: 'demo_pkg-1.0.0.whl', content: good.content }))).toEqual([
      400,
      `${bad} Unable to parse name and version from wheel filename`,
    ]);

    const licensed = form(good, { metadata_version: '2.4', license_file: 'LICENSE' });
    expect(await attempt(p.uploadUrl, licensed)).toEqual([
      400,
      `License-File LICENSE does not exist in distribution file ${good.filename} at ${distInfo}/licenses/LICENSE`,
    ]);
    expect(await attempt(p.uploadUrl, form(wheelWith([], ['RECORD'])))).toEqual([
      400,
      `Wheel '${good.filename}' does not contain the required RECORD file: ${distInfo}/RECORD`,
    ]);
    const entryPoints = wheelWith([[`${distInfo}/entry_points.txt`, Buffer.from('[console_scripts]\n../evil = demo_pkg:main\n')]]);
    expect(await attempt(p.uploadUrl, form(entryPoints))).toEqual([
      400,
      `Wheel '${good.filename}' has invalid entry points defined in the entry_points.txt file`,
    ]);
    expect(await attempt(p.uploadUrl, form(wheelWith([], ['METADATA'])))).toEqual([
      400,
      `Wheel '${good.filename}' does not contain the required METADATA file: ${distInfo}/METADATA`,
    ]);
    // Attestations are parsed last: a bad archive is reported first.
    expect(await attempt(p.uploadUrl, form(wheelWith([], ['METADATA']), { attestations: '[]' }))).toEqual([
      400,
      `Wheel '${good.filename}' does not contain the required METADATA file: ${distInfo}/METADATA`,
    ]);
    expect(await attempt(p.uploadUrl, form(good, { attestations: '[]' }))).toEqual([
      400,
      'Invalid attestations supplied during upload: Attestations are only supported when using Trusted Publishing',
    ]);
    const withLicense = wheelWith([[`${distInfo}/licenses/LICENSE`, Buffer.from('MIT')]]);
    expect(await attempt(p.uploadUrl, form(withLicense, { metadata_version: '2.4', license_file: 'LICENSE', license_expression: 'MIT' }))).toEqual([200, 'OK']);

    const sdistFile = (entries: Array<[string, Buffer]>): { filename: string; content: Buffer } => ({
      filename: 'demo_pkg-1.0.0.tar.gz',
      content: writeTarGz(entries),
    });
    const pkgInfo: [string, Buffer] = ['demo_pkg-1.0.0/PKG-INFO', Buffer.from('Metadata-Version: 2.4\nName: demo-pkg\nVersion: 1.0.0\n')];
    const setupPy: [string, Buffer] = ['demo_pkg-1.0.0/setup.py', Buffer.from('')];
    expect(await attempt(p.uploadUrl, form(sdistFile([pkgInfo, setupPy]), { metadata_version: '2.4', license_file: 'LICENSE' }))).toEqual([
      400,
      'License-File LICENSE does not exist in distribution file demo_pkg-1.0.0.tar.gz at demo_pkg-1.0.0/LICENSE',
    ]);
    const gzipOfGarbage = { filename: 'demo_pkg-1.0.0.tar.gz', content: gzipSync(Buffer.alloc(600, 7)) };
    expect(await attempt(p.uploadUrl, form(gzipOfGarbage))).toEqual([400, `${bad} File is not a tarfile`]);
    const sdistOk = sdistFile([pkgInfo, ['demo_pkg-1.0.0/LICENSE', Buffer.from('MIT')]]);
    expect(await attempt(p.uploadUrl, form(sdistOk, { metadata_version: '2.4', license_file: 'LICENSE' }))).toEqual([200, 'OK']);

    const loose = await startPypiRegistry({ checkArchives: false });
    try {
      const w = { filename: 'demo_pkg-1.0.0-cp313-cp313-pyemscripten_2025_0_wasm32.whl', content: Buffer.from('x') };
      expect(await attempt(loose.uploadUrl, form(w))).toEqual([200, 'OK']);
    } finally {
      await loose.close();
    }
  });
});

describe('PyPI double: read side', () => {
  it('serves PEP 503 HTML, PEP 691 JSON, redirects non-normalised names, 404s unknown projects, serves bytes', async () => {
    const p = await start();
    p.seedFile({ filename: sdist.filename, project: 'Demo.Pkg', version: '1.0.0', content: sdist.content, requiresPython: '>=3.8' });
    const redirect = await fetch(`${p.indexUrl}Demo.Pkg/`, { redirect: 'manual' });
    expect([redirect.status, redirect.headers.get('location')]).toEqual([301, `${p.indexUrl}demo-pkg/`]);
    const html = await (await fetch(`${p.indexUrl}Demo.Pkg/`)).text();
    const href = /href="([^"#]+)#sha256=([0-9a-f]{64})"/.exec(html);
    expect(href?.[2]).toBe(sha256Hex(sdist.content));
    const bytes = Buffer.from(await (await fetch(href?.[1] ?? '')).arrayBuffer());
    expect(bytes.equals(sdist.content)).toBe(true);
    const json = (await (await fetch(`${p.indexUrl}demo-pkg/`, { headers: { accept: 'application/vnd.pypi.simple.v1+json' } })).json()) as {
      files: Array<{ filename: string; hashes: { sha256: string }; 'requires-python': string }>;
    };
    expect(json.files[0]).toMatchObject({ filename: sdist.filename, hashes: { sha256: sha256Hex(sdist.content) }, 'requires-python': '>=3.8' });
    const missing = await fetch(`${p.indexUrl}nope/`);
    expect([missing.status, await missing.text()]).toEqual([404, '404 Not Found']);
    expect(await attempt(p.uploadUrl, form(sdist))).toEqual([200, 'OK']); // seeded by "publisher": identical → no-op
  });

  it('normalises PEP 440 versions like packaging', () => {
    expect(parsePep440('v1.0-1')?.normalized).toBe('1.0.post1');
    expect(parsePep440('1.0RC01.DEV')?.normalized).toBe('1.0rc1.dev0');
    expect(parsePep440('1!2.0.0alpha')?.canonical).toBe('1!2a0');
    expect(parsePep440('1.0.0.0')?.canonical).toBe('1');
    expect(parsePep440('1.0.x')).toBeNull();
  });
});

describe('PyPI double: faults', () => {
  it('status-after-store: the retry of the same bytes gets the idempotent 200', async () => {
    const p = await start();
    p.injectFault({ kind: 'status-after-store', status: 503 });
    expect((await post(p.uploadUrl, form(wheel), TOKEN)).res.status).toBe(503);
    expect(p.files()).toHaveLength(1);
    expect((await post(p.uploadUrl, form(wheel), TOKEN)).res.status).toBe(200);
    expect(p.files()).toHaveLength(1);
    expect(p.uploads().map((u) => [u.status, u.stored])).toEqual([
      [503, true],
      [200, undefined],
    ]);
  });

  it('reset-mid-body stores nothing; the next attempt succeeds', async () => {
    const p = await start({ checkArchives: false });
    const big = { filename: 'demo_pkg-1.0.0-py3-none-any.whl', content: Buffer.alloc(4 * 1024 * 1024, 1) };
    p.injectFault({ kind: 'reset-mid-body' });
    await expect(post(p.uploadUrl, form(big), TOKEN)).rejects.toThrow();
    expect(p.files()).toEqual([]);
    expect((await post(p.uploadUrl, form(big), TOKEN)).res.status).toBe(200);
  });
});
