/**
 * The bad-input corpus, end to end: each malformed or hostile input is put in a folder next to one
 * good wheel, and the whole CLI publish run is made against the loopback Gitea and PyPI registries.
 * Each must stop before any request (never a partial upload of a bad set), with one `error: ` line
 * per problem naming the bad file, the documented exit code (3 invalid, 2 usage) and no stack trace.
 * A few valid but unusual inputs (a huge description, a symlink, a crowded folder, two versions)
 * must publish, quickly.
 *
 * The runs are in-process (main() with its own io, see test/helpers/main.ts), but for the unreadable
 * files, which need the built CLI run as another user. What each broken archive reads as is
 * asserted here, as the whole line a user sees; test/artifacts/bad-inputs.test.ts keeps only the
 * inputs this corpus does not have.
 *
 * The per-file lines of an invalid set are followed by one summary line of its own
 * (`error: 1 of 2 file(s) invalid; nothing was uploaded`, see src/cli/main.ts); it names no file,
 * and is asserted separately, exactly once.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, type CliResult } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { metadataText, python, writeSdist, writeTarGz, writeWheel, writeZip } from '../helpers/archives.js';
import {
  GOOD_WHEEL,
  INVALID_SET_TRAILER,
  PUBLISH_ENV,
  STACK_TRACE,
  cannotRunAs,
  caseFolder,
  errorLines,
  openTempDir,
  runCliAs,
  unprivilegedAccount,
} from '../helpers/corpus.js';
import { startGiteaRegistry, startPypiRegistry, type GiteaRegistry, type PypiRegistry } from '../helpers/registries/index.js';

const root = openTempDir('molecule-corpus-');
afterAll(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
/** A fresh folder holding the good wheel. */
function folder(withGood = true): string {
  return caseFolder(root, `case-${++counter}`, withGood);
}

interface Registries {
  gitea: GiteaRegistry;
  pypi: PypiRegistry;
}

/** Both loopback registries for one test (tests run concurrently: nothing is shared). */
async function withRegistries(use: (registries: Registries) => Promise<void>): Promise<void> {
  const gitea = await startGiteaRegistry();
  try {
    const pypi = await startPypiRegistry();
    try {
      await use({ gitea, pypi });
    } finally {
      await pypi.close();
    }
  } finally {
    await gitea.close();
  }
}

function publishArgs({ gitea, pypi }: Registries, paths: readonly string[]): string[] {
  return ['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--pypi-url', pypi.uploadUrl, ...paths];
}

/** The whole CLI publish run (in-process), timed. */
async function publishRun(registries: Registries, paths: readonly string[]): Promise<CliResult & { ms: number }> {
  const started = performance.now();
  const r = await runMain(publishArgs(registries, paths), { env: PUBLISH_ENV });
  return { ...r, ms: performance.now() - started };
}

/** Every error line the corpus produced, for the report (printed when CORPUS_REPORT is set). */
const seen: Array<[string, string]> = [];
afterAll(() => {
  if (process.env.CORPUS_REPORT) writeFileSync(process.env.CORPUS_REPORT, `${seen.map(([k, v]) => `${k}\t${v}`).join('\n')}\n`);
});

interface Refusal {
  /** The name the error line must carry (the bad file's name, or the path given). */
  names: string;
  /** The expected line(s) after `error: `, in order: an exact string or a pattern for the whole rest. */
  lines: ReadonlyArray<string | RegExp>;
  code: 2 | 3;
}

/** Asserts a refused run: the exact error lines, the exit code, no request anywhere, no stack trace. */
function expectRefused({ gitea, pypi }: Registries, label: string, r: CliResult, expected: Refusal): void {
  const context = `stderr:\n${r.stderr}`;
  expect(r.code, context).toBe(expected.code);
  const errors = errorLines(r.stderr);
  const naming = errors.filter((l) => l.includes(expected.names));
  const others = errors.filter((l) => !l.includes(expected.names));
  expect(naming, context).toHaveLength(expected.lines.length);
  expected.lines.forEach((want, index) => {
    const line = naming[index] ?? '';
    if (typeof want === 'string') expect(line, context).toBe(`error: ${want}`);
    else expect(line.slice('error: '.length), context).toMatch(want);
    seen.push([label, line]);
  });
  // An invalid set adds its one summary line; a usage error adds nothing.
  if (expected.code === 3) {
    expect(others, context).toHaveLength(1);
    expect(others[0], context).toMatch(INVALID_SET_TRAILER);
  } else {
    expect(others, context).toEqual([]);
  }
  if (expected.names !== GOOD_WHEEL) expect(r.stderr, context).not.toContain(`${GOOD_WHEEL}: `);
  // Nothing sent, not even an index look-up: a bad set is never partly uploaded.
  expect(gitea.requests, 'Gitea requests').toHaveLength(0);
  expect(pypi.requests, 'PyPI requests').toHaveLength(0);
  expect(r.stderr).not.toMatch(STACK_TRACE);
  expect(r.stdout).not.toMatch(STACK_TRACE);
}

/** Publishes `dir` holding the good wheel and `bad`, and asserts it is refused (exit 3) with these lines. */
async function expectInvalid(label: string, dir: string, bad: string, problems: ReadonlyArray<string | RegExp>): Promise<void> {
  const path = join(dir, bad);
  const lines = problems.map((p) => (typeof p === 'string' ? `${path}: ${p}` : new RegExp(`^${escapeRegExp(path)}: ${p.source}`)));
  await withRegistries(async (registries) => {
    expectRefused(registries, label, await publishRun(registries, [dir]), { names: bad, lines, code: 3 });
  });
}

/**
 * Rules by target: a file only PyPI refuses is not a bad input. It is published to Gitea (exit 0),
 * skipped at PyPI with the reason on one log line, and PyPI gets no request for it.
 */
async function expectPypiOnly(dir: string, file: string, reason: RegExp): Promise<void> {
  await withRegistries(async (registries) => {
    const r = await publishRun(registries, [dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(registries.gitea.files().map((f) => f.filename)).toContain(file);
    expect(registries.pypi.uploads().map((u) => u.fileName)).not.toContain(file);
    expect(r.stderr).toMatch(new RegExp(`PyPI: skipped ${escapeRegExp(file)}: .*${reason.source}`));
  });
}

/** Publishes `paths` and asserts a usage error (exit 2) with this one line. */
async function expectUsage(label: string, paths: readonly string[], names: string, line: string): Promise<void> {
  await withRegistries(async (registries) => {
    expectRefused(registries, label, await publishRun(registries, paths), { names, lines: [line], code: 2 });
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** METADATA / PKG-INFO: Metadata-Version 2.1, Name, Version, Summary, Description-Content-Type, then `extra`; `override` replaces a default. */
function meta(name: string, version: string, options: { override?: Record<string, string>; extra?: Array<[string, string]>; body?: string } = {}): string {
  const defaults: Array<[string, string]> = [
    ['Metadata-Version', '2.1'],
    ['Name', name],
    ['Version', version],
    ['Summary', 'A test project'],
    ['Description-Content-Type', 'text/plain'],
  ];
  const headers = defaults.map(([k, v]): [string, string] => [k, options.override?.[k] ?? v]);
  return metadataText([...headers, ...(options.extra ?? [])], options.body ?? 'A test project.\n');
}

const LIMIT = 16 * 1024 * 1024;

/** The refusals run side by side (each with its own registries); a loaded machine gets more time. */
const CONCURRENT = { timeout: 60_000 };

describe.concurrent('bad archives: exit 3, one line naming the file, nothing sent', CONCURRENT, () => {
  it('1. not a zip (text in a .whl)', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'demo-1.0-py3-none-any.whl'), 'this is not a zip file\n');
    await expectInvalid('not a zip', dir, 'demo-1.0-py3-none-any.whl', [
      /not a valid zip archive \(End of central directory record signature not found\..*\)$/,
    ]);
  });

  it('2. a wheel without METADATA', async () => {
    const dir = folder();
    writeWheel(dir, 'demo-1.0-py3-none-any.whl', { omitMetadata: true });
    await expectInvalid('wheel without METADATA', dir, 'demo-1.0-py3-none-any.whl', ['demo-1.0.dist-info/METADATA is missing']);
  });

  it('3. an sdist without PKG-INFO', async () => {
    const dir = folder();
    writeSdist(dir, 'demo-1.0.tar.gz', { omitPkgInfo: true });
    await expectInvalid('sdist without PKG-INFO', dir, 'demo-1.0.tar.gz', ['no PKG-INFO in the top-level folder of the sdist']);
  });

  it('4. the file name says one version, the metadata another', async () => {
    const dir = folder();
    writeWheel(dir, 'demo-1.0-py3-none-any.whl', { metadata: meta('demo', '1.1') });
    await expectInvalid('version mismatch', dir, 'demo-1.0-py3-none-any.whl', ["the file name says version '1.0' but the metadata says '1.1'"]);
  });

  it('5. the file name says one project, the metadata another', async () => {
    const dir = folder();
    writeSdist(dir, 'demo-1.0.tar.gz', { pkgInfo: meta('other', '1.0') });
    await expectInvalid('project mismatch', dir, 'demo-1.0.tar.gz', ["the file name says project 'demo' but the metadata says 'other'"]);
  });

  it('6. an empty file', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'demo-1.0-py3-none-any.whl'), '');
    await expectInvalid('empty file', dir, 'demo-1.0-py3-none-any.whl', ['the file is empty']);
  });

  // A cut inside a member: the skipped member's stream errors too (this once crashed the CLI).
  it('7. a truncated .tar.gz (cut in the middle of a member)', async () => {
    const dir = folder();
    const path = writeTarGz(join(dir, 'demo-1.0.tar.gz'), [
      { name: 'demo-1.0/', type: 'dir' },
      { name: 'demo-1.0/PKG-INFO', data: meta('demo', '1.0') },
      // Incompressible, so half the .tar.gz ends well inside this member.
      { name: 'demo-1.0/data.bin', data: randomBytes(256 * 1024) },
    ]);
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectInvalid('truncated .tar.gz', dir, 'demo-1.0.tar.gz', [/is cut short \(truncated \.tar\.gz\)$/]);
  });

  it('8. a truncated .whl (a real wheel without its last 100 bytes)', async () => {
    const dir = folder();
    const bytes = readFileSync(join(FIXTURES, 'molecule_demo_setuptools-1.0.0-py3-none-any.whl'));
    writeFileSync(join(dir, 'molecule_demo_setuptools-1.0.0-py3-none-any.whl'), bytes.subarray(0, bytes.length - 100));
    await expectInvalid('truncated .whl', dir, 'molecule_demo_setuptools-1.0.0-py3-none-any.whl', [/not a valid zip archive \(.+\)$/]);
  });

  it('9. a zip bomb: ~20 MB of one byte as METADATA, deflated to a few KB', async () => {
    const dir = folder();
    const path = writeWheel(dir, 'demo-1.0-py3-none-any.whl', {
      omitMetadata: true,
      extra: [{ name: 'demo-1.0.dist-info/METADATA', data: { repeat: 'a', times: 20 * 1024 * 1024 } }],
    });
    expect(readFileSync(path).length).toBeLessThan(100 * 1024);
    await expectInvalid('zip bomb', dir, 'demo-1.0-py3-none-any.whl', [
      `demo-1.0.dist-info/METADATA is 20971520 bytes, over the ${LIMIT}-byte limit for metadata`,
    ]);
  });

  it('10. a zip bomb whose headers lie about the size (stopped while inflating)', async () => {
    const dir = folder();
    const path = writeZip(join(dir, 'demo-1.0-py3-none-any.whl'), [
      { name: 'demo-1.0.dist-info/METADATA', data: { repeat: 'a', times: 20 * 1024 * 1024 } },
      { name: 'demo-1.0.dist-info/WHEEL', data: 'Wheel-Version: 1.0\n' },
    ]);
    // Declared uncompressed size (local header +22, central header +24) rewritten to 1000.
    python(
      'import struct,sys\np=sys.argv[1]\nb=bytearray(open(p,"rb").read())\n' +
        'i=b.find(b"PK\\x03\\x04"); struct.pack_into("<I",b,i+22,1000)\n' +
        'j=b.find(b"PK\\x01\\x02"); struct.pack_into("<I",b,j+24,1000)\n' +
        'open(p,"wb").write(b)',
      [path],
    );
    await expectInvalid('lying zip bomb', dir, 'demo-1.0-py3-none-any.whl', [
      /demo-1\.0\.dist-info\/METADATA: its size in the archive's directory does not match its data \(the archive is corrupt; pip refuses it\)$/,
    ]);
  });

  it('11. a gigantic PKG-INFO (~20 MB) in a tar', async () => {
    const dir = folder();
    writeTarGz(join(dir, 'demo-1.0.tar.gz'), [
      { name: 'demo-1.0/', type: 'dir' },
      { name: 'demo-1.0/PKG-INFO', data: { repeat: 'Summary: x\n', times: 2_000_000 } },
    ]);
    await expectInvalid('gigantic PKG-INFO', dir, 'demo-1.0.tar.gz', [`demo-1.0/PKG-INFO is 22000000 bytes, over the ${LIMIT}-byte limit for metadata`]);
  });

  it('12. PKG-INFO as a symbolic link', async () => {
    const dir = folder();
    writeSdist(dir, 'demo-1.0.tar.gz', {
      omitPkgInfo: true,
      extra: [
        { name: 'demo-1.0/real-info', data: meta('demo', '1.0') },
        { name: 'demo-1.0/PKG-INFO', type: 'symlink', linkname: 'real-info' },
      ],
    });
    await expectInvalid('PKG-INFO symlink', dir, 'demo-1.0.tar.gz', ['demo-1.0/PKG-INFO is a symbolic link, not a regular file']);
  });

  it('13. PKG-INFO as a hard link', async () => {
    const dir = folder();
    writeSdist(dir, 'demo-1.0.tar.gz', {
      omitPkgInfo: true,
      extra: [
        { name: 'demo-1.0/real-info', data: meta('demo', '1.0') },
        { name: 'demo-1.0/PKG-INFO', type: 'hardlink', linkname: 'demo-1.0/real-info' },
      ],
    });
    await expectInvalid('PKG-INFO hard link', dir, 'demo-1.0.tar.gz', ['demo-1.0/PKG-INFO is a hard link, not a regular file']);
  });

  it('14. two PKG-INFO in one sdist', async () => {
    const dir = folder();
    writeSdist(dir, 'demo-1.0.tar.gz', { extra: [{ name: 'demo-1.0/PKG-INFO', data: meta('demo', '6.6.6') }] });
    await expectInvalid('two PKG-INFO', dir, 'demo-1.0.tar.gz', ['PKG-INFO appears 2 times in the sdist']);
  });

  it('15. a wheel with two .dist-info folders', async () => {
    const dir = folder();
    writeWheel(dir, 'demo-1.0-py3-none-any.whl', { extra: [{ name: 'other-2.0.dist-info/METADATA', data: meta('other', '2.0') }] });
    await expectInvalid('two .dist-info', dir, 'demo-1.0-py3-none-any.whl', [
      'several .dist-info folders in the wheel (demo-1.0.dist-info, other-2.0.dist-info)',
    ]);
  });

  it('16. a wheel whose .dist-info name disagrees with the file name', async () => {
    const dir = folder();
    writeWheel(dir, 'demo-1.0-py3-none-any.whl', { distInfo: 'other-1.0.dist-info', metadata: meta('demo', '1.0') });
    await expectInvalid('.dist-info mismatch', dir, 'demo-1.0-py3-none-any.whl', [
      "the wheel's other-1.0.dist-info folder does not match its file name (expected demo-1.0.dist-info)",
    ]);
  });
});

describe.concurrent('bad metadata: exit 3, one line naming the file and the field, nothing sent', CONCURRENT, () => {
  it('17. non-UTF-8 METADATA (Latin-1)', async () => {
    const dir = folder();
    writeWheel(dir, 'demo-1.0-py3-none-any.whl', {
      omitMetadata: true,
      extra: [{ name: 'demo-1.0.dist-info/METADATA', data: Buffer.from(meta('demo', '1.0', { extra: [['Author', 'José']] }), 'latin1') }],
    });
    await expectInvalid('non-UTF-8 METADATA', dir, 'demo-1.0-py3-none-any.whl', ['demo-1.0.dist-info/METADATA is not valid UTF-8']);
  });

  it('18. control characters are not bad input: a NUL or an escape in a field and a form feed in the body publish everywhere', async () => {
    // packaging takes them, Warehouse turns a NUL into the text "\\x00", Gitea stores fields as JSON.
    const dir = folder();
    writeWheel(dir, 'demo-1.0-py3-none-any.whl', {
      metadata: meta('demo', '1.0', { override: { Summary: 'A test\u0000project', Author: 'esc\u001b[0m' }, body: '# Demo\n\u000c\nPage two\n' }),
    });
    await withRegistries(async (registries) => {
      const r = await publishRun(registries, [dir]);
      expect(r.code, r.stderr).toBe(0);
      expect(registries.gitea.files().map((f) => f.filename)).toContain('demo-1.0-py3-none-any.whl');
      expect(registries.pypi.uploads().map((u) => u.fileName)).toContain('demo-1.0-py3-none-any.whl');
    });
  });

  it('18b. a form feed in the Summary publishes everywhere (Warehouse pins packaging 26.2, which takes it)', async () => {
    const dir = folder();
    writeWheel(dir, 'demo-1.0-py3-none-any.whl', { metadata: meta('demo', '1.0', { override: { Summary: 'one\u000ctwo' } }) });
    await withRegistries(async (registries) => {
      const r = await publishRun(registries, [dir]);
      expect(r.code, r.stderr).toBe(0);
      expect(registries.pypi.files().map((f) => f.filename)).toContain('demo-1.0-py3-none-any.whl');
    });
  });

  it('19. Metadata-Version 2.0 (old `wheel` wrote it; pip and Gitea take it, packaging and so PyPI do not)', async () => {
    const dir = folder();
    writeWheel(dir, 'demo-1.0-py3-none-any.whl', { metadata: meta('demo', '1.0', { override: { 'Metadata-Version': '2.0' } }) });
    await expectPypiOnly(dir, 'demo-1.0-py3-none-any.whl', /'2\.0' is not a valid metadata version/);
  });

  it('20. License-Expression under Metadata-Version 2.1 (hatchling 1.12): refused by PyPI alone, so Gitea gets it', async () => {
    const dir = folder();
    writeSdist(dir, 'demo-1.0.tar.gz', { pkgInfo: meta('demo', '1.0', { extra: [['License-Expression', 'MIT']] }) });
    await expectPypiOnly(dir, 'demo-1.0.tar.gz', /demo-1\.0\/PKG-INFO: license-expression introduced in metadata version 2\.4, not 2\.1/);
  });

  it('21. an invalid PEP 440 version in the metadata', async () => {
    const dir = folder();
    writeWheel(dir, 'demo-1.0-py3-none-any.whl', { metadata: meta('demo', '1.0', { override: { Version: '1.0-banana' } }) });
    await expectInvalid('invalid version', dir, 'demo-1.0-py3-none-any.whl', [
      "demo-1.0.dist-info/METADATA: '1.0-banana' is an invalid value for Version (not PEP 440)",
    ]);
  });

  it('22. a Description-Content-Type with a charset other than UTF-8: refused by PyPI alone, so Gitea gets it', async () => {
    const dir = folder();
    writeWheel(dir, 'demo-1.0-py3-none-any.whl', {
      metadata: meta('demo', '1.0', { override: { 'Description-Content-Type': 'text/markdown; charset=latin-1' } }),
    });
    await expectPypiOnly(
      dir,
      'demo-1.0-py3-none-any.whl',
      /'text\/markdown; charset=latin-1' is an invalid value for Description-Content-Type \(charset must be UTF-8\)/,
    );
  });

  it('23. a Requires-Dist that is not PEP 508', async () => {
    const dir = folder();
    writeWheel(dir, 'demo-1.0-py3-none-any.whl', { metadata: meta('demo', '1.0', { extra: [['Requires-Dist', 'requests >=> 2.0']] }) });
    await expectInvalid('Requires-Dist not PEP 508', dir, 'demo-1.0-py3-none-any.whl', [
      /demo-1\.0\.dist-info\/METADATA: 'requests >=> 2\.0' is an invalid value for Requires-Dist \(not PEP 508: expected .+\)$/,
    ]);
  });
});

describe.concurrent('bad file names: exit 3, one line naming the file', CONCURRENT, () => {
  it('24. a space in a wheel file name', async () => {
    const dir = folder();
    writeWheel(dir, 'my pkg-1.0-py3-none-any.whl', { metadata: meta('my-pkg', '1.0') });
    await expectInvalid('space in name', dir, 'my pkg-1.0-py3-none-any.whl', ["invalid project name 'my pkg' in wheel file name"]);
  });

  it('25. a unicode project name in a wheel file name (café; the message escapes it)', async () => {
    // Our file-name parser follows packaging (`[\w\d._]` with re.UNICODE): `café` passes there. The
    // metadata's Name must be ASCII (PEP 508, packaging, Warehouse), so the refusal comes from it.
    const dir = folder();
    writeWheel(dir, 'café-1.0-py3-none-any.whl', { metadata: meta('café', '1.0') });
    await expectInvalid('unicode name', dir, 'café-1.0-py3-none-any.whl', [
      "café-1.0.dist-info/METADATA: 'caf\\u00e9' is an invalid value for Name (letters, digits, '.', '_' and '-', starting and ending with a letter or digit)",
    ]);
  });
});

describe.concurrent('usage problems: exit 2, one line naming the path, nothing sent', CONCURRENT, () => {
  it('26. an unknown extension named explicitly', async () => {
    const dir = folder();
    const egg = join(dir, 'demo-1.0-py3.12.egg');
    writeFileSync(egg, 'not a distribution we publish');
    await expectUsage('unknown extension', [dir, egg], 'demo-1.0-py3.12.egg', `${egg}: not a distribution (expected a .whl, .tar.gz or .zip file)`);
  });

  it('27. a path that does not exist', async () => {
    const dir = folder();
    const missing = join(dir, 'missing-1.0-py3-none-any.whl');
    await expectUsage('missing path', [dir, missing], 'missing-1.0-py3-none-any.whl', `${missing}: no such file or folder`);
  });

  it('28. the same file name in two folders given together', async () => {
    const a = folder();
    const b = folder(false);
    // Other bytes under the good wheel's name: one of them would take the other's slot.
    writeWheel(b, GOOD_WHEEL, { metadata: meta('molecule_demo_hatch', '2.0.0rc1') });
    await expectUsage(
      'same name twice',
      [a, b],
      GOOD_WHEEL,
      `${GOOD_WHEEL}: given twice, as ${join(a, GOOD_WHEEL)} and ${join(b, GOOD_WHEEL)} (one upload per file name)`,
    );
  });
});

describe.concurrent('an unreadable file (run as an unprivileged user: root reads mode 000 anyway)', CONCURRENT, () => {
  const account = unprivilegedAccount();
  const reason = cannotRunAs(account);
  const skipped = reason === undefined ? '' : ` (skipped: ${reason})`;

  /** Publishes, as the unprivileged user, a folder holding the good wheel and `bad` (a fixture) with mode 000. */
  async function unreadable(label: string, bad: string, line: RegExp): Promise<void> {
    const user = account as NonNullable<typeof account>;
    const dir = folder();
    writeFileSync(join(dir, bad), readFileSync(join(FIXTURES, bad)));
    chmodSync(join(dir, bad), 0o000);
    await withRegistries(async (registries) => {
      const r = await runCliAs(user, publishArgs(registries, [dir]), { env: PUBLISH_ENV });
      expectRefused(registries, label, r, { names: bad, lines: [new RegExp(`^${escapeRegExp(join(dir, bad))}: ${line.source}`)], code: 3 });
    });
  }

  // Unreadable is not corrupt: the line says the file cannot be read (this once said 'not a valid zip').
  (reason === undefined ? it : it.skip)(`29. an unreadable wheel (mode 000): named, says it cannot be read, not that it is corrupt${skipped}`, async () => {
    await unreadable('unreadable wheel', 'molecule_demo_setuptools-1.0.0-py3-none-any.whl', /cannot read the file \(EACCES(: permission denied.*)?\)$/);
  });

  (reason === undefined ? it : it.skip)(`30. an unreadable sdist (mode 000): named, says permission denied${skipped}`, async () => {
    await unreadable(
      'unreadable sdist',
      'molecule_demo_hatch-2.0.0rc1.tar.gz',
      /cannot read the (file|\.tar\.gz archive) \(EACCES(: permission denied, open '.*')?\)$/,
    );
  });
});

// Not concurrent: two of these are timed.
describe('valid but unusual inputs: published', () => {
  function expectPublished({ gitea, pypi }: Registries, r: CliResult, files: readonly string[]): void {
    const context = `stderr:\n${r.stderr}`;
    expect(r.code, context).toBe(0);
    expect(errorLines(r.stderr), context).toEqual([]);
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(
      gitea
        .files()
        .map((f) => f.filename)
        .sort(),
    ).toEqual([...files].sort());
    expect(
      pypi
        .files()
        .map((f) => f.filename)
        .sort(),
    ).toEqual([...files].sort());
  }

  it('a 10,000-line Markdown description: published, in under 5 s', async () => {
    const dir = folder();
    const lines: string[] = ['# longdesc', ''];
    for (let i = 1; lines.length < 10_000; i++) {
      lines.push(i % 50 === 0 ? `## Section ${i / 50}` : `- item ${i}: some *emphasis*, \`code\` and a [link](https://example.com/${i})`);
    }
    const body = `${lines.join('\n')}\n`;
    writeWheel(dir, 'longdesc-1.0-py3-none-any.whl', {
      metadata: meta('longdesc', '1.0', { override: { 'Description-Content-Type': 'text/markdown' }, body }),
    });
    await withRegistries(async (registries) => {
      const r = await publishRun(registries, [dir]);
      expectPublished(registries, r, [GOOD_WHEEL, 'longdesc-1.0-py3-none-any.whl']);
      const upload = registries.pypi.uploads().find((u) => u.fileName === 'longdesc-1.0-py3-none-any.whl');
      expect(upload?.fields?.find(([k]) => k === 'description')?.[1].split('\n')).toHaveLength(10_001);
      expect(r.ms).toBeLessThan(5_000);
    });
  });

  it('a symlink in the folder to a fixture outside it: followed (as twine does), published', async () => {
    const dir = folder();
    const linked = 'molecule_demo_setuptools-1.0.0-py3-none-any.whl';
    symlinkSync(join(FIXTURES, linked), join(dir, linked));
    await withRegistries(async (registries) => {
      const r = await publishRun(registries, [dir]);
      expectPublished(registries, r, [GOOD_WHEEL, linked]);
      expect(registries.gitea.fileContent(linked)?.equals(readFileSync(join(FIXTURES, linked)))).toBe(true);
    });
  });

  it('3,000 non-distribution files and one wheel: ignored quickly, published', async () => {
    const dir = folder();
    const kinds = ['txt', 'json', 'egg', 'tar', 'gz', 'whl.metadata', 'py', 'md'];
    for (let i = 0; i < 3_000; i++) writeFileSync(join(dir, `file-${i}.${kinds[i % kinds.length] ?? 'txt'}`), `${i}\n`);
    // (A folder named like a wheel is an error now: see 'nothing in the folder is left out silently'.)
    await withRegistries(async (registries) => {
      const r = await publishRun(registries, [dir]);
      expectPublished(registries, r, [GOOD_WHEEL]);
      expect(r.ms).toBeLessThan(5_000);
    });
  });

  it('two versions of one project in one run: both published, each wheel before its sdist', async () => {
    const dir = folder();
    const files = ['demo_two-1.0-py3-none-any.whl', 'demo_two-2.0-py3-none-any.whl', 'demo_two-1.0.tar.gz', 'demo_two-2.0.tar.gz'];
    for (const version of ['1.0', '2.0']) {
      writeWheel(dir, `demo_two-${version}-py3-none-any.whl`, { metadata: meta('demo_two', version) });
      writeSdist(dir, `demo_two-${version}.tar.gz`, { pkgInfo: meta('demo_two', version) });
    }
    await withRegistries(async (registries) => {
      const r = await publishRun(registries, [dir]);
      expectPublished(registries, r, [GOOD_WHEEL, ...files]);
      for (const registry of [registries.gitea, registries.pypi]) {
        const order = registry.uploads().map((u) => u.fileName ?? '');
        for (const version of ['1.0', '2.0']) {
          expect(order.indexOf(`demo_two-${version}-py3-none-any.whl`)).toBeGreaterThanOrEqual(0);
          expect(order.indexOf(`demo_two-${version}-py3-none-any.whl`)).toBeLessThan(order.indexOf(`demo_two-${version}.tar.gz`));
        }
      }
    });
  });

  // Project names are ASCII (PEP 508, packaging, Warehouse; see case 25), but the other fields are not.
  it('unicode in Summary, Author and the description: published, every field sent as it was written', async () => {
    const dir = folder();
    const summary = 'Ünïcödé summary — 日本語 ✓';
    const author = 'José Müller';
    const body = 'Große Beschreibung: 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and emoji 🐍\n';
    writeWheel(dir, 'unicode_fields-1.0-py3-none-any.whl', {
      metadata: meta('unicode_fields', '1.0', { override: { Summary: summary }, extra: [['Author', author]], body }),
    });
    await withRegistries(async (registries) => {
      const r = await publishRun(registries, [dir]);
      expectPublished(registries, r, [GOOD_WHEEL, 'unicode_fields-1.0-py3-none-any.whl']);
      const fields = new Map(registries.pypi.uploads().find((u) => u.fileName === 'unicode_fields-1.0-py3-none-any.whl')?.fields ?? []);
      expect(fields.get('summary')).toBe(summary);
      expect(fields.get('author')).toBe(author);
      expect(fields.get('description')).toBe(body);
    });
  });
});

describe('nothing in the folder is left out silently', () => {
  it.each([
    [
      'a dangling *.whl symbolic link',
      (dir: string) => symlinkSync(join(dir, 'gone.whl'), join(dir, 'demo-1.0-py3-none-any.whl')),
      'a symbolic link to nothing',
    ],
    ['a folder named *.whl', (dir: string) => mkdirSync(join(dir, 'demo-1.0-py3-none-any.whl')), 'a folder'],
  ])('%s: exit 3, one line naming it, nothing sent', async (_what, make, why) => {
    const dir = folder();
    make(dir);
    await withRegistries(async (registries) => {
      const r = await publishRun(registries, [dir]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(`error: ${join(dir, 'demo-1.0-py3-none-any.whl')}: named like a distribution but ${why}`);
      expect(registries.gitea.requests).toHaveLength(0);
      expect(registries.pypi.requests).toHaveLength(0);
    });
  });
});
