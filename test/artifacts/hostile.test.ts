/**
 * Hostile and unusual archives (issue 13): read what pip reads or refuse the file as ambiguous, bound
 * the work on bombs, and apply the wheel rules pip applies. Each case is a real archive written by
 * Python's zipfile/tarfile (test/helpers/archives.ts), patched byte for byte where Python refuses to
 * write such a thing.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectArtifact } from '../../src/artifacts/artifact.js';
import { makeTempDir, metadataText, simpleMetadata, writeTarGz, writeWheel, writeZip } from '../helpers/archives.js';

const temp = makeTempDir('molecule-hostile-');
afterAll(() => temp.cleanup());
let n = 0;
function dir(): string {
  const d = join(temp.dir, String(n++));
  mkdirSync(d);
  return d;
}

/** Replaces `from` by `to` (same length) everywhere in the file: local header and central directory alike. */
function patch(path: string, from: string, to: Buffer): void {
  const bytes = readFileSync(path);
  const needle = Buffer.from(from, 'latin1');
  if (needle.length !== to.length) throw new Error('patch must keep the length');
  let at = bytes.indexOf(needle);
  if (at === -1) throw new Error(`${from} not in ${path}`);
  while (at !== -1) {
    to.copy(bytes, at);
    at = bytes.indexOf(needle, at + 1);
  }
  writeFileSync(path, bytes);
}

async function errorsOf(path: string): Promise<string[]> {
  return (await inspectArtifact(path)).errors;
}

describe('names pip reads differently', () => {
  it('a member name with a NUL byte (Python cuts it there: METADATA\\0.orig is METADATA to pip) is refused as ambiguous', async () => {
    const d = dir();
    const path = writeWheel(d, 'demo-1.0-py3-none-any.whl', { extra: [{ name: 'demo-1.0.dist-info/METADATAX.orig', data: simpleMetadata('demo', '6.6.6') }] });
    patch(path, 'METADATAX.orig', Buffer.from('METADATA\0.orig', 'latin1'));
    expect(await errorsOf(path)).toEqual([
      expect.stringMatching(
        /member 'demo-1\.0\.dist-info\/METADATA\\u0000\.orig' has a NUL byte: pip would read another file than this check does \(refused as ambiguous\)/,
      ),
    ]);
  });

  it('a member name with a backslash (Python keeps it, the zip reader turns it into /) is refused as ambiguous', async () => {
    const d = dir();
    const path = writeWheel(d, 'demo-1.0-py3-none-any.whl', { extra: [{ name: 'demo-1.0.dist-infoXMETADATA2', data: 'x' }] });
    patch(path, 'demo-1.0.dist-infoXMETADATA2', Buffer.from('demo-1.0.dist-info\\METADATA2', 'latin1'));
    expect(await errorsOf(path)).toEqual([expect.stringMatching(/has a backslash: pip would read another file/)]);
  });
});

describe('corrupt entries', () => {
  it('a METADATA whose CRC-32 does not match is refused (pip refuses it)', async () => {
    const d = dir();
    const path = writeWheel(d, 'demo-1.0-py3-none-any.whl');
    // Flip the stored CRC of METADATA in the central directory (offset 16 of its header).
    const bytes = readFileSync(path);
    const name = Buffer.from('demo-1.0.dist-info/METADATA');
    for (let at = bytes.indexOf(Buffer.from('PK\x01\x02', 'latin1')); at !== -1; at = bytes.indexOf(Buffer.from('PK\x01\x02', 'latin1'), at + 4)) {
      const nameLength = bytes.readUInt16LE(at + 28);
      if (bytes.subarray(at + 46, at + 46 + nameLength).equals(name)) bytes.writeUInt32LE((bytes.readUInt32LE(at + 16) ^ 0xffffffff) >>> 0, at + 16);
    }
    writeFileSync(path, bytes);
    expect(await errorsOf(path)).toEqual([expect.stringMatching(/METADATA fails its CRC-32 check: the archive is corrupt \(pip refuses it\)/)]);
  });
});

describe('the wheel rules pip applies', () => {
  it('no WHEEL file', async () => {
    const d = dir();
    const path = writeWheel(d, 'demo-1.0-py3-none-any.whl');
    patch(path, 'demo-1.0.dist-info/WHEEL', Buffer.from('demo-1.0.dist-info/WHEEX'));
    expect(await errorsOf(path)).toEqual([expect.stringMatching(/demo-1\.0\.dist-info\/WHEEL is missing: pip refuses a wheel without it/)]);
  });

  it('Wheel-Version 9.0', async () => {
    const path = writeZip(join(dir(), 'demo-1.0-py3-none-any.whl'), [
      { name: 'demo/__init__.py', data: '' },
      { name: 'demo-1.0.dist-info/METADATA', data: simpleMetadata('demo', '1.0') },
      { name: 'demo-1.0.dist-info/WHEEL', data: 'Wheel-Version: 9.0\nGenerator: a future tool\nRoot-Is-Purelib: true\nTag: py3-none-any\n' },
      { name: 'demo-1.0.dist-info/RECORD', data: '' },
    ]);
    expect(await errorsOf(path)).toEqual([
      expect.stringMatching(/demo-1\.0\.dist-info\/WHEEL says Wheel-Version 9\.0: pip installs wheels of version 1\.x only/),
    ]);
  });
});

describe('metadata pip would misread', () => {
  it('a UTF-8 byte-order mark is refused (the email parser then reads no headers)', async () => {
    const d = dir();
    const path = writeWheel(d, 'demo-1.0-py3-none-any.whl', { metadata: `\uFEFF${simpleMetadata('demo', '1.0')}` });
    expect(await errorsOf(path)).toEqual([expect.stringMatching(/METADATA starts with a UTF-8 byte-order mark: pip would read no headers from it/)]);
  });

  it('100,000 distinct unknown headers: read in linear time, one warning with the count', async () => {
    const d = dir();
    const extra = Array.from({ length: 100_000 }, (_, i) => [`X-Unknown-${i}`, 'v'] as const);
    const path = writeWheel(d, 'demo-1.0-py3-none-any.whl', {
      metadata: metadataText([['Metadata-Version', '2.1'], ['Name', 'demo'], ['Version', '1.0'], ...extra], 'body\n'),
    });
    const started = performance.now();
    const inspection = await inspectArtifact(path);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(inspection.errors).toEqual([]);
    const unknown = inspection.warnings.filter((w) => w.includes('unrecognised'));
    expect(unknown).toEqual([expect.stringMatching(/100000 unrecognised metadata fields \(ignored\): 'X-Unknown-0', 'X-Unknown-1', 'X-Unknown-2', …$/)]);
  });

  it("'Version: 1.0.0 ' with a trailing space is sent trimmed, with a warning", async () => {
    const d = dir();
    const path = writeWheel(d, 'demo-1.0.0-py3-none-any.whl', { metadata: simpleMetadata('demo', '1.0.0 ') });
    const inspection = await inspectArtifact(path);
    expect(inspection.errors).toEqual([]);
    expect(inspection.artifact?.version).toBe('1.0.0');
    expect(inspection.artifact?.metadata.single.version).toBe('1.0.0');
    expect(inspection.warnings).toContain('demo-1.0.0.dist-info/METADATA: Version has whitespace around it: sent trimmed');
  });
});

describe('bounded work', () => {
  it('a gzip bomb (80 MiB of zeros in a few hundred KiB) is refused quickly', async () => {
    const d = dir();
    const path = writeTarGz(join(d, 'bomb-1.0.tar.gz'), [
      { name: 'bomb-1.0/PKG-INFO', data: simpleMetadata('bomb', '1.0') },
      { name: 'bomb-1.0/zeros.bin', data: { repeat: '\0', times: 80 * 1024 * 1024 } },
    ]);
    const started = performance.now();
    expect(await errorsOf(path)).toEqual([expect.stringMatching(/decompresses to more than 100 times its size .*: refused as a decompression bomb/)]);
    expect(performance.now() - started).toBeLessThan(10_000);
  }, 30_000);
});
