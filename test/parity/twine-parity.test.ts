/**
 * THE twine reference test. A loopback server records the multipart form that the real twine (4.0.2,
 * Debian bookworm's, what CI installs) sends for each fixture, and the test requires that our
 * `buildUploadForm` sends the same fields, once twine 4.0.2's output is passed through the
 * documented table of DELIBERATE DIFFERENCES below, and nothing else. Field order is not compared
 * (Warehouse and Gitea read fields by name; twine's own order comes from a dict).
 *
 * Metadata 2.3/2.4 files cannot be read by twine 4.0.2 (its pkginfo 1.8.2 stops at 2.2); those are
 * checked against the field list of ../shared/spec/pypi-upload.md §1.2 instead.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { inspectArtifact } from '../../src/artifacts/artifact.js';
import { fieldsAsSent, type FormField } from '../../src/upload/form.js';
import { sha256File } from '../../src/artifacts/digests.js';
import { FIXTURES_DIST, makeTempDir, metadataText, writeTarGz, writeZip } from '../helpers/archives.js';

// ---------------------------------------------------------------------------------------------
// The deliberate differences from twine 4.0.2 (../shared/spec/pypi-upload.md §2.2, "Fields sent").
// Each rule rewrites what twine 4.0.2 sent into what we send. After these, the forms must be equal.
//
// | field            | twine 4.0.2 sends                      | we send (as twine 7 / uv)                        |
// |------------------|----------------------------------------|--------------------------------------------------|
// | provides_extras  | `provides_extras` (ignored by PyPI)    | `provides_extra` (twine ≥ 5.1)                   |
// | pyversion, sdist | empty                                  | `source` (twine ≥ 6.1)                           |
// | comment          | always, empty without -c               | only with a comment (twine 7)                    |
// | unset fields     | empty strings                          | omitted (twine 7); requires_python always (uv)   |
// | keywords         | raw header `a,b`                       | packaging's split joined by ", " (twine 7)       |
// | digests          | md5, sha256 and blake2_256             | sha256 only, hashed while the file streams       |

type Fields = Array<[string, string]>;

interface Difference {
  what: string;
  twine402: string;
  ours: string;
  why: string;
  apply: (fields: Fields, filetype: string) => Fields;
}

const DELIBERATE_DIFFERENCES: readonly Difference[] = [
  {
    what: 'provides_extras',
    twine402: 'Provides-Extra sent as `provides_extras` (pkginfo attribute name)',
    ours: '`provides_extra`',
    why: 'Warehouse reads `provides_extra` and ignores `provides_extras`; twine fixed the name in 5.1.0 (§2.2 row Provides-Extra).',
    apply: (fields) => fields.map(([name, value]) => [name === 'provides_extras' ? 'provides_extra' : name, value]),
  },
  {
    what: 'sdist pyversion',
    twine402: 'empty string for an sdist',
    ours: '`source`',
    why: 'twine 6.1+ sends `source`; Warehouse turns an empty one into `source` anyway (§1.2 pyversion, §2.2 row pyversion).',
    apply: (fields, filetype) => fields.map(([name, value]) => [name, filetype === 'sdist' && name === 'pyversion' && value === '' ? 'source' : value]),
  },
  {
    what: 'comment',
    twine402: '`comment` always sent, empty without -c',
    ours: 'sent only when a comment is given',
    why: 'twine 6+/7 omit unset fields; an empty string counts as absent on Warehouse (§1.2 form rules, §2.2 row unset fields).',
    apply: (fields) => fields.filter(([name, value]) => !(name === 'comment' && value === '')),
  },
  {
    what: 'unset fields',
    twine402: 'every single-use field the metadata lacks is sent as an empty string (home_page, author, …)',
    ours: 'omitted, like twine 7 — except `requires_python`, always sent (empty when unset), as uv does',
    why: 'Gitea stores requires_python from the first upload of a version, so it is always stated (§2.2 row unset fields; §3 uv).',
    apply: (fields) => fields.filter(([name, value]) => value !== '' || name === 'requires_python'),
  },
  {
    what: 'keywords',
    twine402: 'the raw Keywords header (`fixture,molecule,demo`)',
    ours: 'twine 7\'s `", ".join()` of packaging\'s comma split (`fixture, molecule, demo`)',
    why: 'twine 7 sends the parsed list joined with ", " (§2.2 row keywords / project_urls).',
    apply: (fields) =>
      fields.map(([name, value]) => [
        name,
        name === 'keywords'
          ? value
              .split(',')
              .map((k) => k.trim())
              .join(', ')
          : value,
      ]),
  },
  {
    what: 'digests',
    twine402: '`md5_digest`, `sha256_digest` and `blake2_256_digest`',
    ours: '`sha256_digest` only',
    why:
      'PyPI needs at least one digest and computes the others itself; Gitea needs sha256 (§1.2, §1.7). twine 6.2 dropped md5; ' +
      'blake2b and md5 would each cost another pass over multi-GiB wheels (README, performance).',
    apply: (fields) => fields.filter(([name]) => name !== 'md5_digest' && name !== 'blake2_256_digest'),
  },
];

function normaliseTwine402(fields: Fields, filetype: string): Fields {
  return DELIBERATE_DIFFERENCES.reduce((acc, rule) => rule.apply(acc, filetype), fields);
}

/** Order-insensitive comparison of two multisets of [name, value]. */
function asMultiset(fields: ReadonlyArray<readonly [string, string]>): string[] {
  return fields.map(([name, value]) => JSON.stringify([name, value])).sort();
}

/** What is in `a` and not in `b`, counting repeats. */
function multisetMinus(a: readonly string[], b: readonly string[]): string[] {
  const rest = [...b];
  return a.filter((item) => {
    const i = rest.indexOf(item);
    if (i === -1) return true;
    rest.splice(i, 1);
    return false;
  });
}

// ---------------------------------------------------------------------------------------------
// twine and the recording server

// Made in beforeAll (so a skipped run leaves nothing behind); HOME points into it.
let temp: { dir: string; cleanup: () => void } = { dir: tmpdir(), cleanup: () => undefined };

const TWINE_ENV: NodeJS.ProcessEnv = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: tmpdir(), // replaced by the temp folder before any upload: no ~/.pypirc
  LANG: 'C.UTF-8',
  COLUMNS: '240', // rich wraps error messages at the terminal width
  NO_COLOR: '1',
  PYTHONDONTWRITEBYTECODE: '1',
  PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring',
  TWINE_NON_INTERACTIVE: '1',
  TWINE_USERNAME: 'parity',
  TWINE_PASSWORD: 'parity-password',
};

const versionRun = spawnSync('twine', ['--version'], { encoding: 'utf8', env: TWINE_ENV, timeout: 20_000 });
const twineVersion = versionRun.status === 0 ? (/twine version (\S+)/.exec(versionRun.stdout)?.[1] ?? versionRun.stdout.trim()) : undefined;
const skipReason = twineVersion
  ? ''
  : ` [SKIPPED: \`twine --version\` cannot run here (${versionRun.error?.message ?? (versionRun.stderr || `exit status ${versionRun.status}`).trim()}); CI installs twine 4.0.2]`;
if (!twineVersion) console.warn(`twine parity test${skipReason}`);

interface Upload {
  fields: Fields;
  file: { field: string; name: string; size: number; type: string } | undefined;
  userAgent: string | undefined;
}

const uploads = new Map<string, Upload>();
let server: Server;
let uploadUrl = '';

async function startServer(): Promise<void> {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const form = await new Request('http://x', {
          method: 'POST',
          headers: { 'content-type': req.headers['content-type'] ?? '' },
          body: Buffer.concat(chunks),
        }).formData();
        const upload: Upload = { fields: [], file: undefined, userAgent: req.headers['user-agent'] };
        for (const [name, value] of form.entries()) {
          if (typeof value === 'string') upload.fields.push([name, value]);
          else upload.file = { field: name, name: value.name, size: value.size, type: value.type };
        }
        uploads.set(upload.file?.name ?? `(no file ${uploads.size})`, upload);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      })().catch((err: unknown) => res.writeHead(500).end(String(err)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  uploadUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/legacy/`;
}

function twineUpload(files: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'twine',
      ['upload', '--repository-url', uploadUrl, '--disable-progress-bar', ...files],
      { env: TWINE_ENV, timeout: 60_000, maxBuffer: 8 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}`.replace(/\s+/g, ' ') });
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// The files

const UNREADABLE_BY_TWINE_402 = [
  'molecule_demo_meta23-0.1.0-py3-none-any.whl',
  'molecule_demo_meta24-0.2.0-py3-none-any.whl',
  'molecule_demo_meta24-0.2.0.tar.gz',
];
const READABLE_FIXTURES = [
  'My.Weird_Name-0.3.post1.tar.gz',
  'molecule-demo-setuptools-1.0.0.tar.gz',
  'molecule-demo-zip-0.1.0.zip',
  'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl',
  'molecule_demo_hatch-2.0.0rc1.tar.gz',
  'molecule_demo_local-1.0.0+local.1-py3-none-any.whl',
  'molecule_demo_local-1.0.0+local.1.tar.gz',
  'molecule_demo_setuptools-1.0.0-py3-none-any.whl',
  'molecule_demo_zip-0.1.0-py3-none-any.whl',
  'my_weird_name-0.3.post1-py3-none-any.whl',
];

const generatedDir = () => join(temp.dir, 'generated');
const quirksDir = () => join(temp.dir, 'quirks');

const wheelEntries = (distInfo: string, metadata: string) => [
  { name: `${distInfo}/METADATA`, data: metadata },
  { name: `${distInfo}/WHEEL`, data: 'Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n' },
  { name: `${distInfo}/RECORD`, data: '' },
];

/** Fields the fixtures lack, each written the canonical way: these must match exactly too. */
function writeGeneratedCases(): string[] {
  mkdirSync(generatedDir());
  const every = metadataText(
    [
      ['Metadata-Version', '2.2'],
      ['Name', 'parity.Every_Field'],
      ['Version', '3.1.4.post2'],
      ['Dynamic', 'License'],
      ['Platform', 'linux'],
      ['Platform', 'win32'],
      ['Supported-Platform', 'RedHat 8'],
      ['Summary', 'Every field twine 4.0.2 reads'],
      ['Keywords', 'alpha, beta ,gamma'],
      ['Home-page', 'https://example.com/home'],
      ['Download-URL', 'https://example.com/download'],
      ['Author', 'A. Author'],
      ['Author-email', 'a@example.com'],
      ['Maintainer', 'M. Maintainer'],
      ['Maintainer-email', 'm@example.com'],
      ['License', 'BSD-3-Clause'],
      ['Classifier', 'Programming Language :: Python :: 3'],
      ['Classifier', 'Topic :: Software Development'],
      ['Requires-Dist', 'requests>=2'],
      ['Requires-Dist', 'rich ; extra == "fancy"'],
      ['Requires-Python', '>=3.9'],
      ['Requires-External', 'libxml2'],
      ['Project-URL', 'Source, https://example.com/src'],
      ['Provides-Extra', 'fancy'],
      ['Provides-Dist', 'parity_every_field_compat'],
      ['Obsoletes-Dist', 'parity-old'],
      ['Requires', 'os.path'],
      ['Provides', 'parity_every_field'],
      ['Obsoletes', 'parity_old'],
      ['Description-Content-Type', 'text/markdown; charset=UTF-8; variant=GFM'],
    ],
    '# Every field\n\nBody with **markdown** and a non-ASCII character: \u00e9.\n',
  );
  const legacy = [
    'Metadata-Version: 1.1',
    'Name: legacy-desc',
    'Version: 0.9',
    'Summary: Legacy Description header, UNKNOWN values',
    'Home-page: UNKNOWN',
    'Author: Old Timer',
    'License: UNKNOWN',
    'Description: Legacy',
    '        ======',
    '        ',
    '        A *legacy* description, escaped by setuptools.',
    '        ',
    '            indented code',
    '        ',
    '        The end.',
    'Keywords: one two',
    'Platform: UNKNOWN',
    'Classifier: Programming Language :: Python :: 2',
    '',
  ].join('\n');
  return [
    writeZip(join(generatedDir(), 'parity_every_field-3.1.4.post2-py2.py3-none-any.whl'), wheelEntries('parity_every_field-3.1.4.post2.dist-info', every)),
    writeTarGz(join(generatedDir(), 'legacy_desc-0.9.tar.gz'), [
      { name: 'legacy_desc-0.9/PKG-INFO', data: legacy },
      { name: 'legacy_desc-0.9/setup.py', data: '' },
    ]),
  ];
}

/**
 * Differences found by this test that are NOT in the deliberate table: twine 4.0.2 (pkginfo) and
 * twine 7 (packaging) disagree, and we side with twine 7 or with setuptools. Each case lists the
 * exact residue left after the table is applied; anything else still fails.
 */
interface Quirk {
  file: string;
  metadata: string;
  why: string;
  /** Pairs left over after normalisation: [twine 4.0.2 only, ours only]. */
  residue: { twine402: Fields; ours: Fields };
}

const QUIRK_BASE = 'Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\nSummary: quirk\nRequires-Python: >=3.8\n';
const LEGACY_DESCRIPTION = 'Description: Title\n        =====\n        \n        Text.\n';

const QUIRKS: Quirk[] = [
  {
    file: 'quirk_wheel_desc-1.0-py3-none-any.whl',
    metadata: `${QUIRK_BASE}${LEGACY_DESCRIPTION}`,
    why:
      "A wheel whose description is a legacy Description header (no body): twine 4.0.2 takes a wheel's description from the " +
      'message body only (twine/wheel.py) and sends it empty; we send the header, dedented (twine 7 sends it raw).',
    residue: { twine402: [], ours: [['description', 'Title\n=====\n\nText.']] },
  },
  {
    file: 'quirk_trailing-1.0.tar.gz',
    metadata: `${QUIRK_BASE}${LEGACY_DESCRIPTION}        \n`,
    why:
      'A legacy Description header ending in a blank continuation line (how setuptools escapes a final newline): pkginfo strips ' +
      "the whole text; we dedent like setuptools' rfc822_unescape and keep the final newline (twine 7 sends the raw header).",
    residue: {
      twine402: [['description', 'Title\n=====\n\nText.']],
      ours: [['description', 'Title\n=====\n\nText.\n']],
    },
  },
  {
    file: 'quirk_multiline-1.0-py3-none-any.whl',
    metadata: `${QUIRK_BASE}Author: First Author,\n  Second Author\nLicense: MIT License\n        \n        Copyright (c) 2024 Someone\nDescription-Content-Type: text/plain\n\nbody\n`,
    why:
      'Single-use headers other than Description continued over several lines (setuptools escapes a multi-line License so): ' +
      'pkginfo folds them into one line; packaging (twine 7), and so we, keep the value as written.',
    residue: {
      twine402: [
        ['author', 'First Author, Second Author'],
        ['license', 'MIT License  Copyright (c) 2024 Someone'],
      ],
      ours: [
        ['author', 'First Author,\n  Second Author'],
        ['license', 'MIT License\n        \n        Copyright (c) 2024 Someone'],
      ],
    },
  },
  {
    file: 'quirk_urls-1.0-py3-none-any.whl',
    metadata: `${QUIRK_BASE}Project-URL: Source,https://example.com/src\nProject-URL: Issue Tracker ,  https://example.com/issues\nDescription-Content-Type: text/plain\n\nbody\n`,
    why:
      'A Project-URL not spelled "Label, URL": twine 4.0.2 sends the raw header; twine 7, and we, send packaging\'s parsed label ' +
      'and URL joined by ", " (Warehouse and Gitea split on the first comma and strip, so both mean the same).',
    residue: {
      twine402: [
        ['project_urls', 'Source,https://example.com/src'],
        ['project_urls', 'Issue Tracker ,  https://example.com/issues'],
      ],
      ours: [
        ['project_urls', 'Source, https://example.com/src'],
        ['project_urls', 'Issue Tracker, https://example.com/issues'],
      ],
    },
  },
];

function writeQuirkCases(): string[] {
  mkdirSync(quirksDir());
  return QUIRKS.map(({ file, metadata }) => {
    const stem = file.replace(/(-py3-none-any\.whl|\.tar\.gz)$/, '');
    const text = metadata.replace('{name}', stem.slice(0, stem.lastIndexOf('-')).replace(/_/g, '-'));
    if (file.endsWith('.tar.gz')) {
      return writeTarGz(join(quirksDir(), file), [
        { name: `${stem}/PKG-INFO`, data: text },
        { name: `${stem}/setup.py`, data: '' },
      ]);
    }
    return writeZip(join(quirksDir(), file), wheelEntries(`${stem}.dist-info`, text));
  });
}

// ---------------------------------------------------------------------------------------------

describe.skipIf(!twineVersion)(`twine parity: our upload form vs the form twine sends${skipReason}`, () => {
  const unreadable = new Map<string, { code: number; output: string }>();
  let generated: string[] = [];

  beforeAll(async () => {
    temp = makeTempDir('molecule-publish-parity-');
    TWINE_ENV.HOME = temp.dir;
    await startServer();
    generated = writeGeneratedCases();
    const quirks = writeQuirkCases();
    // twine reads every file before uploading any, so one call per group; the unreadable ones alone.
    const runs = [await twineUpload(READABLE_FIXTURES.map((f) => join(FIXTURES_DIST, f))), await twineUpload(generated), await twineUpload(quirks)];
    for (const run of runs) expect(run, 'twine upload failed').toMatchObject({ code: 0 });
    for (const file of UNREADABLE_BY_TWINE_402) unreadable.set(file, await twineUpload([join(FIXTURES_DIST, file)]));
  }, 90_000);

  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    temp.cleanup();
  });

  it('runs the twine the table was written for (4.0.2)', () => {
    expect(twineVersion, 'the DELIBERATE_DIFFERENCES table describes twine 4.0.2; update it for another twine').toBe('4.0.2');
  });

  async function compare(path: string): Promise<{ ours: string[]; twine: string[]; upload: Upload }> {
    const filename = path.slice(path.lastIndexOf('/') + 1);
    const upload = uploads.get(filename);
    if (!upload) throw new Error(`twine sent nothing for ${filename}`);
    const inspection = await inspectArtifact(path);
    expect(inspection.errors).toEqual([]);
    const artifact = inspection.artifact;
    if (!artifact) throw new Error(`cannot inspect ${filename}`);
    // The file part: last, the right name, the whole file, octet-stream (we add it the same way when sending).
    expect(upload.file).toEqual({ field: 'content', name: filename, size: statSync(path).size, type: 'application/octet-stream' });
    return {
      ours: asMultiset(fieldsAsSent(artifact, await sha256File(path))),
      twine: asMultiset(normaliseTwine402(upload.fields, artifact.filetype)),
      upload,
    };
  }

  it.each(READABLE_FIXTURES)('%s: same fields as twine 4.0.2, up to the deliberate differences', async (file) => {
    const { ours, twine, upload } = await compare(join(FIXTURES_DIST, file));
    expect(upload.userAgent).toMatch(/^twine\/4\.0\.2 /);
    expect(ours).toEqual(twine);
  });

  it('generated: every field twine 4.0.2 reads (metadata 2.2) and a legacy 1.1 sdist, exactly', async () => {
    expect(generated).toHaveLength(2);
    for (const path of generated) {
      const { ours, twine } = await compare(path);
      expect(ours).toEqual(twine);
    }
  });

  it('every deliberate difference is exercised by at least one file', () => {
    const exercised = new Set<string>();
    for (const upload of uploads.values()) {
      const filetype = upload.fields.find(([n]) => n === 'filetype')?.[1] ?? '';
      let fields = upload.fields;
      for (const rule of DELIBERATE_DIFFERENCES) {
        const next = rule.apply(fields, filetype);
        if (JSON.stringify(next) !== JSON.stringify(fields)) exercised.add(rule.what);
        fields = next;
      }
    }
    expect([...exercised].sort()).toEqual(DELIBERATE_DIFFERENCES.map((d) => d.what).sort());
  });

  describe('differences found beyond the table (twine 4.0.2 and twine 7 disagree; we side with twine 7 or setuptools)', () => {
    it.each(QUIRKS.map((q) => [q.file, q] as const))('%s', async (file, quirk) => {
      const { ours, twine } = await compare(join(quirksDir(), file));
      expect({ twine402: multisetMinus(twine, ours), ours: multisetMinus(ours, twine) }, quirk.why).toEqual({
        twine402: asMultiset(quirk.residue.twine402),
        ours: asMultiset(quirk.residue.ours),
      });
    });
  });

  describe('metadata 2.3 / 2.4 (twine 4.0.2 cannot read them; checked against spec §1.2)', () => {
    it.each(UNREADABLE_BY_TWINE_402)('twine 4.0.2 refuses %s', (file) => {
      const run = unreadable.get(file);
      expect(run?.code).not.toBe(0);
      expect(run?.output).toMatch(/InvalidDistribution: Metadata is missing required fields: Name, Version/);
      expect(uploads.has(file)).toBe(false);
    });

    // The metadata form names of spec §1.2 plus the upload fields.
    const SPEC_FIELDS = new Set([
      ':action',
      'protocol_version',
      'filetype',
      'pyversion',
      'comment',
      'md5_digest',
      'sha256_digest',
      'blake2_256_digest',
      'metadata_version',
      'name',
      'version',
      'summary',
      'description',
      'description_content_type',
      'home_page',
      'download_url',
      'author',
      'author_email',
      'maintainer',
      'maintainer_email',
      'license',
      'license_expression',
      'requires_python',
      'keywords',
      'classifiers',
      'platform',
      'supported_platform',
      'requires_dist',
      'provides_dist',
      'obsoletes_dist',
      'requires_external',
      'requires',
      'provides',
      'obsoletes',
      'provides_extra',
      'project_urls',
      'dynamic',
      'license_file',
      'import_name',
      'import_namespace',
    ]);

    async function formOf(file: string): Promise<FormField[]> {
      const inspection = await inspectArtifact(join(FIXTURES_DIST, file));
      expect(inspection.errors).toEqual([]);
      if (!inspection.artifact) throw new Error(`cannot inspect ${file}`);
      return fieldsAsSent(inspection.artifact, await sha256File(join(FIXTURES_DIST, file)));
    }
    const valuesOf = (form: readonly FormField[], name: string) => form.filter(([n]) => n === name).map(([, v]) => v);

    it.each(['molecule_demo_meta24-0.2.0-py3-none-any.whl', 'molecule_demo_meta24-0.2.0.tar.gz'])('%s sends the 2.4 fields', async (file) => {
      const form = await formOf(file);
      for (const [name] of form) expect(SPEC_FIELDS.has(name), `${name} is not a §1.2 field`).toBe(true);
      expect(valuesOf(form, 'metadata_version')).toEqual(['2.4']);
      expect(valuesOf(form, 'name')).toEqual(['molecule-demo-meta24']);
      expect(valuesOf(form, 'license_expression')).toEqual(['MIT']);
      expect(valuesOf(form, 'license_file')).toEqual(['LICENSE']);
      expect(valuesOf(form, 'dynamic')).toEqual(['Requires-Dist']);
      // License and License-Expression are mutually exclusive (§1.2); the fixture has no License.
      expect(valuesOf(form, 'license')).toEqual([]);
      expect(valuesOf(form, 'requires_python')).toEqual(['>=3.8']);
      expect(valuesOf(form, 'pyversion')).toEqual([file.endsWith('.whl') ? 'py3' : 'source']);
      expect(valuesOf(form, 'requires_dist')).toEqual(file.endsWith('.whl') ? ['packaging (>=21) ; python_version >= "3.8"'] : []);
    });

    it('molecule_demo_meta23-0.1.0-py3-none-any.whl sends Dynamic but no License-File (below 2.4) and keeps License', async () => {
      const form = await formOf('molecule_demo_meta23-0.1.0-py3-none-any.whl');
      for (const [name] of form) expect(SPEC_FIELDS.has(name), `${name} is not a §1.2 field`).toBe(true);
      expect(valuesOf(form, 'metadata_version')).toEqual(['2.3']);
      expect(valuesOf(form, 'dynamic')).toEqual(['Requires-Dist']);
      expect(valuesOf(form, 'license_file')).toEqual([]);
      expect(valuesOf(form, 'license_expression')).toEqual([]);
      expect(valuesOf(form, 'license')).toEqual(['MIT']);
    });
  });
});
