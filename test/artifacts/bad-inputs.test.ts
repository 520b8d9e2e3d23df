/**
 * Broken distributions, built on the fly: each must give exactly one error, on one line, that says
 * what is wrong (the CLI prefixes the file name). Nothing here may throw out of inspectArtifact.
 * The inputs of the end-to-end corpus (test/e2e/bad-input-corpus.test.ts), whose lines it asserts
 * whole, are not repeated here; what is here is what the corpus does not cover (or cannot: the
 * memory a zip bomb costs, the size cap option).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectArtifact, type Inspection } from '../../src/artifacts/artifact.js';
import { discoverDistributions } from '../../src/artifacts/discover.js';
import { UsageError } from '../../src/errors.js';
import { FIXTURES_DIST, makeTempDir, simpleMetadata, writeSdist, writeWheel, writeZip } from '../helpers/archives.js';

const temp = makeTempDir();
afterAll(temp.cleanup);
let counter = 0;
/** A fresh sub-folder per case, so file names can repeat across cases. */
function caseDir(): string {
  const dir = join(temp.dir, `case-${++counter}`);
  mkdirSync(dir);
  return dir;
}

/** Asserts one one-line error matching `pattern`, and returns it. */
function expectOneError(inspection: Inspection, pattern: RegExp): string {
  expect(inspection.errors).toHaveLength(1);
  const [error = ''] = inspection.errors;
  expect(error).not.toMatch(/[\r\n]/);
  expect(error).toMatch(pattern);
  return error;
}

describe('inspectArtifact on bad wheels', () => {
  it('a wheel without any .dist-info folder', async () => {
    const path = writeZip(join(caseDir(), 'demo-1.0-py3-none-any.whl'), [{ name: 'demo/__init__.py', data: '' }]);
    expectOneError(await inspectArtifact(path), /no \.dist-info folder in the wheel \(METADATA missing\)/);
  });

  // Another project's .dist-info: bad-input-corpus case 16.
  it('a wheel whose .dist-info version disagrees with the file name', async () => {
    const wrongVersion = writeWheel(caseDir(), 'demo-1.0-py3-none-any.whl', { distInfo: 'demo-1.1.dist-info' });
    expectOneError(await inspectArtifact(wrongVersion), /demo-1\.1\.dist-info folder does not match its file name/);
  });

  it('accepts a .dist-info folder spelled differently but equal after normalisation', async () => {
    const path = writeWheel(caseDir(), 'Demo_Pkg-1.0.0-py3-none-any.whl', {
      distInfo: 'demo.pkg-1.0.dist-info',
      metadata: simpleMetadata('demo-pkg', '1.0'),
    });
    expect((await inspectArtifact(path)).errors).toEqual([]);
  });

  it('a METADATA entry that appears twice', async () => {
    const path = writeWheel(caseDir(), 'demo-1.0-py3-none-any.whl', {
      extra: [{ name: 'demo-1.0.dist-info/METADATA', data: simpleMetadata('demo', '1.0') }],
    });
    expectOneError(await inspectArtifact(path), /^demo-1\.0\.dist-info\/METADATA appears 2 times in the archive$/);
  });

  it('a project name in the file name that differs from the metadata', async () => {
    const path = writeWheel(caseDir(), 'demo-1.0-py3-none-any.whl', { metadata: simpleMetadata('other', '1.0') });
    expectOneError(await inspectArtifact(path), /^the file name says project 'demo' but the metadata says 'other'$/);
  });

  it('License-Expression under Metadata-Version 2.1 (what hatchling 1.12 writes): no error, refused by PyPI alone', async () => {
    const path = writeWheel(caseDir(), 'demo-1.0-py3-none-any.whl', { metadata: simpleMetadata('demo', '1.0', [['License-Expression', 'MIT']]) });
    const inspection = await inspectArtifact(path);
    expect(inspection.errors).toEqual([]);
    expect(inspection.artifact?.pypiMetadataRefusals.map((r) => r.reason)).toEqual([
      'demo-1.0.dist-info/METADATA: license-expression introduced in metadata version 2.4, not 2.1',
    ]);
  });

  it('a truncated wheel', async () => {
    const dir = caseDir();
    const bytes = readFileSync(join(FIXTURES_DIST, 'molecule_demo_setuptools-1.0.0-py3-none-any.whl'));
    const path = join(dir, 'molecule_demo_setuptools-1.0.0-py3-none-any.whl');
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expectOneError(await inspectArtifact(path), /not a valid zip archive|corrupt zip archive|cannot read/);
  });

  it('metadata over the size cap (metadataSizeCap option)', async () => {
    const path = join(FIXTURES_DIST, 'molecule_demo_setuptools-1.0.0-py3-none-any.whl');
    expectOneError(await inspectArtifact(path, { metadataSizeCap: 100 }), /METADATA is 1225 bytes, over the 100-byte limit for metadata/);
    expect((await inspectArtifact(path, { metadataSizeCap: 1225 })).errors).toEqual([]);
  });

  it('a zip bomb: 20 MiB of METADATA is refused by the 16 MiB default from the declared size', async () => {
    const path = writeZip(join(caseDir(), 'demo-1.0-py3-none-any.whl'), [
      { name: 'demo-1.0.dist-info/METADATA', data: { repeat: 'a', times: 20 * 1024 * 1024 } },
    ]);
    const before = process.memoryUsage().arrayBuffers;
    const error = expectOneError(await inspectArtifact(path), /METADATA is 20971520 bytes, over the 16777216-byte limit for metadata/);
    expect(error).toContain('demo-1.0.dist-info/METADATA');
    // Refused before inflating: nowhere near 20 MiB was buffered.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
  });
});

describe('inspectArtifact on bad sdists', () => {
  it('an sdist whose only PKG-INFO is deeper down', async () => {
    const path = writeSdist(caseDir(), 'demo-1.0.tar.gz', {
      omitPkgInfo: true,
      extra: [{ name: 'demo-1.0/demo.egg-info/PKG-INFO', data: simpleMetadata('demo', '1.0') }],
    });
    expectOneError(await inspectArtifact(path), /^no PKG-INFO in the top-level folder of the sdist$/);
  });

  it('a version in the file name that differs from PKG-INFO', async () => {
    const path = writeSdist(caseDir(), 'demo-1.0.tar.gz', { pkgInfo: simpleMetadata('demo', '2.0') });
    expectOneError(await inspectArtifact(path), /^the file name says version '1\.0' but the metadata says '2\.0'$/);
  });

  it('a .tar.gz with two top-level folders', async () => {
    const path = writeSdist(caseDir(), 'demo-1.0.tar.gz', { extra: [{ name: 'stray/file.txt', data: 'x' }] });
    expectOneError(await inspectArtifact(path), /^more than one top-level folder in the sdist \(demo-1\.0, stray…\)$/);
  });

  it('a .zip sdist with two top-level folders, and one without PKG-INFO', async () => {
    const two = writeZip(join(caseDir(), 'demo-1.0.zip'), [
      { name: 'demo-1.0/PKG-INFO', data: simpleMetadata('demo', '1.0') },
      { name: 'other/setup.py', data: '' },
    ]);
    expectOneError(await inspectArtifact(two), /^more than one top-level folder in the sdist/);
    const none = writeZip(join(caseDir(), 'demo-1.0.zip'), [{ name: 'demo-1.0/setup.py', data: '' }]);
    expectOneError(await inspectArtifact(none), /^no PKG-INFO in the top-level folder of the sdist$/);
  });

  it('a truncated .tar.gz (a real fixture cut in half)', async () => {
    const bytes = readFileSync(join(FIXTURES_DIST, 'molecule-demo-setuptools-1.0.0.tar.gz'));
    const path = join(caseDir(), 'molecule-demo-setuptools-1.0.0.tar.gz');
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expectOneError(await inspectArtifact(path), /^is cut short \(truncated \.tar\.gz\)$/);
  });

  it('trailing garbage after the gzip stream is said as such, not as a truncation', async () => {
    const bytes = readFileSync(join(FIXTURES_DIST, 'molecule_demo_hatch-2.0.0rc1.tar.gz'));
    const path = join(caseDir(), 'molecule_demo_hatch-2.0.0rc1.tar.gz');
    writeFileSync(path, Buffer.concat([bytes, Buffer.from('GARBAGE AFTER THE STREAM')]));
    const inspection = await inspectArtifact(path);
    // tar stops at its end-of-archive blocks before zlib meets the garbage: either outcome is honest.
    if (inspection.errors.length > 0) expect(inspection.errors).toEqual(['has data after the end of its gzip stream (trailing garbage)']);
    else expect(inspection.artifact?.version).toBe('2.0.0rc1');
  });

  it('a Requires-Dist folded onto a continuation line is refused, in one line', async () => {
    const path = writeWheel(caseDir(), 'demo-1.0-py3-none-any.whl', { metadata: simpleMetadata('demo', '1.0', [['Requires-Dist', 'requests\n  >=1.0']]) });
    const [error] = (await inspectArtifact(path)).errors;
    expect(error).toMatch(
      /^demo-1\.0\.dist-info\/METADATA: 'requests\\u000a {2}>=1\.0' is an invalid value for Requires-Dist \(not PEP 508: expected the end of the requirement at column 9, found '\\u000a {2}>=1\.0'\)$/,
    );
    expect(error).not.toContain('\n');
  });

  it('a .tar.gz that is not gzip at all', async () => {
    const path = join(caseDir(), 'demo-1.0.tar.gz');
    writeFileSync(path, 'plain text, not gzip\n');
    expectOneError(await inspectArtifact(path), /^not a valid \.tar\.gz archive/);
  });

  it('non-UTF-8 PKG-INFO', async () => {
    const path = writeSdist(caseDir(), 'demo-1.0.tar.gz', {
      pkgInfo: undefined,
      omitPkgInfo: true,
      extra: [{ name: 'demo-1.0/PKG-INFO', data: Buffer.from([0x4e, 0x61, 0x6d, 0x65, 0x3a, 0x20, 0xff, 0xfe, 0x0a]) }],
    });
    expectOneError(await inspectArtifact(path), /^demo-1\.0\/PKG-INFO is not valid UTF-8$/);
  });

  it('PKG-INFO over the size cap, in a .tar.gz and in a .zip', async () => {
    expectOneError(
      await inspectArtifact(join(FIXTURES_DIST, 'molecule_demo_hatch-2.0.0rc1.tar.gz'), { metadataSizeCap: 100 }),
      /PKG-INFO is 722 bytes, over the 100-byte limit for metadata/,
    );
    expectOneError(
      await inspectArtifact(join(FIXTURES_DIST, 'molecule-demo-zip-0.1.0.zip'), { metadataSizeCap: 100 }),
      /PKG-INFO is 327 bytes, over the 100-byte limit for metadata/,
    );
  });
});

describe('inspectArtifact on files that are not distributions', () => {
  it('a file that does not exist', async () => {
    expectOneError(await inspectArtifact(join(temp.dir, 'nope-1.0-py3-none-any.whl')), /^cannot read the file \(ENOENT\)$/);
  });

  it('a name that is not a distribution file name', async () => {
    const dir = caseDir();
    writeFileSync(join(dir, 'demo-1.0.egg'), 'x');
    expectOneError(await inspectArtifact(join(dir, 'demo-1.0.egg')), /^not a distribution \(expected \.whl, \.tar\.gz or \.zip\)$/);
    writeFileSync(join(dir, 'demo.whl'), 'x');
    expectOneError(await inspectArtifact(join(dir, 'demo.whl')), /^invalid wheel file name/);
  });
});

describe('discoverDistributions', () => {
  /** A project folder holding empty files at the given relative paths (discovery does not open them). */
  function projectWith(paths: readonly string[]): string {
    const dir = caseDir();
    for (const relative of paths) {
      const path = join(dir, relative);
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, '');
    }
    return dir;
  }

  async function usageError(run: Promise<unknown>): Promise<UsageError> {
    const error = await run.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).not.toMatch(/[\r\n]/);
    return error as UsageError;
  }

  it('reads dist/ by default: wheels first, companions recognised, other files ignored', async () => {
    const project = projectWith([
      'dist/demo-1.0.tar.gz',
      'dist/demo-1.0.tar.gz.asc',
      'dist/demo-1.0-py3-none-any.whl',
      'dist/demo-1.0-py3-none-any.whl.publish.attestation',
      'dist/demo-1.0.zip',
      'dist/zzz-1.0-py3-none-any.whl',
      'dist/README.txt',
      'dist/.gitignore',
      'dist/sub/nested-1.0-py3-none-any.whl',
    ]);
    const found = await discoverDistributions([], project);
    expect(found.searched).toEqual(['dist/']);
    expect(found.files.map((f) => f.filename)).toEqual(['demo-1.0-py3-none-any.whl', 'zzz-1.0-py3-none-any.whl', 'demo-1.0.tar.gz', 'demo-1.0.zip']);
    expect(found.files[0]?.path).toBe(join('dist', 'demo-1.0-py3-none-any.whl'));
    expect(found.companions).toEqual([
      { path: join('dist', 'demo-1.0-py3-none-any.whl.publish.attestation'), kind: 'attestation' },
      { path: join('dist', 'demo-1.0.tar.gz.asc'), kind: 'signature' },
    ]);
    expect([...found.ignored].sort()).toEqual([join('dist', '.gitignore'), join('dist', 'README.txt'), join('dist', 'sub')]);
  });

  it('uploads wheels before sdists whatever order the paths are given in', async () => {
    const project = projectWith(['a-1.0.tar.gz', 'b-1.0-py3-none-any.whl', 'a-1.0-py3-none-any.whl']);
    const found = await discoverDistributions(['a-1.0.tar.gz', 'b-1.0-py3-none-any.whl', 'a-1.0-py3-none-any.whl'], project);
    expect(found.files.map((f) => f.filename)).toEqual(['a-1.0-py3-none-any.whl', 'b-1.0-py3-none-any.whl', 'a-1.0.tar.gz']);
  });

  it('expands a glob', async () => {
    const project = projectWith(['out/demo-1.0-py3-none-any.whl', 'out/demo-1.0.tar.gz', 'out/notes.md']);
    const found = await discoverDistributions(['out/*.whl'], project);
    expect(found.files).toEqual([{ path: 'out/demo-1.0-py3-none-any.whl', filename: 'demo-1.0-py3-none-any.whl' }]);
    const all = await discoverDistributions(['out/*'], project);
    expect(all.files.map((f) => f.filename)).toEqual(['demo-1.0-py3-none-any.whl', 'demo-1.0.tar.gz']);
    expect(all.ignored).toEqual(['out/notes.md']);
  });

  it('counts a file reached twice (folder and glob) once', async () => {
    const project = projectWith(['dist/demo-1.0-py3-none-any.whl']);
    const found = await discoverDistributions(['dist', 'dist/*.whl'], project);
    expect(found.files).toHaveLength(1);
  });

  it('refuses a folder with no distributions, naming the folder', async () => {
    const project = projectWith(['dist/README.txt', 'dist/demo-1.0.tar.gz.asc']);
    const error = await usageError(discoverDistributions(['dist'], project));
    expect(error.code).toBe('no_distributions');
    expect(error.message).toBe('no distributions (.whl, .tar.gz, .zip) found in: dist');
  });

  it('refuses a path that does not exist, naming it', async () => {
    const project = projectWith([]);
    // The line for a missing file: bad-input-corpus case 27.
    const error = await usageError(discoverDistributions(['missing/demo-1.0.tar.gz'], project));
    expect(error.code).toBe('not_found');
    const glob = await usageError(discoverDistributions(['missing/*.whl'], project));
    expect(glob.message).toBe('missing/*.whl: no file matches this pattern');
  });

  it('follows a symbolic link to a distribution in a folder', async () => {
    const project = projectWith(['build/demo-1.0-py3-none-any.whl']);
    mkdirSync(join(project, 'dist'));
    symlinkSync(join(project, 'build', 'demo-1.0-py3-none-any.whl'), join(project, 'dist', 'demo-1.0-py3-none-any.whl'));
    const found = await discoverDistributions(['dist'], project);
    expect(found.files.map((f) => f.filename)).toEqual(['demo-1.0-py3-none-any.whl']);
  });
});
