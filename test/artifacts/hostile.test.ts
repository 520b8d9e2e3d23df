/**
 * Hostile and unusual archives (issue 13): read what pip reads or refuse the file as ambiguous, bound
 * the work on bombs, and apply the wheel rules pip applies. Each case is a real archive written by
 * Python's zipfile/tarfile (test/helpers/archives.ts), patched byte for byte where Python refuses to
 * write such a thing.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectArtifact } from '../../src/artifacts/artifact.js';
import { giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { startGiteaRegistry } from '../helpers/registries/index.js';
import { makeTempDir, metadataText, python, simpleMetadata, writeTarGz, writeWheel, writeZip } from '../helpers/archives.js';

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

  it('no RECORD file', async () => {
    const path = writeWheel(dir(), 'demo-1.0-py3-none-any.whl');
    patch(path, 'demo-1.0.dist-info/RECORD', Buffer.from('demo-1.0.dist-info/RECORX'));
    expect(await errorsOf(path)).toEqual([expect.stringMatching(/demo-1\.0\.dist-info\/RECORD is missing: pip and PyPI refuse a wheel without it/)]);
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

describe('framing, as PyPI validates it', () => {
  it('data before the first member (a self-extracting stub) is refused', async () => {
    const path = writeWheel(dir(), 'demo-1.0-py3-none-any.whl');
    writeFileSync(path, Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), readFileSync(path)]));
    const errors = await errorsOf(path);
    expect(errors).toHaveLength(1);
    // yauzl finds no central directory at the offsets the end record gives (Python's zipfile compensates).
    expect(errors[0]).toMatch(/data before the archive \(a self-extracting stub\?\)/);
  });

  // A small wheel is read whole with one read; one over 1 MiB through yauzl's own descriptor.
  it.each([
    ['a small wheel', []],
    ['a wheel over 1 MiB', [{ name: 'demo/noise.bin', data: randomBytes(1536 * 1024) }]],
  ])("a local header that names another file than the central directory's is refused (%s)", async (_, extra) => {
    const path = writeWheel(dir(), 'demo-1.0-py3-none-any.whl', { extra });
    // Only the first occurrence: the local header (the central directory keeps the real name).
    const bytes = readFileSync(path);
    const at = bytes.indexOf(Buffer.from('demo-1.0.dist-info/METADATA'));
    Buffer.from('demo-1.0.dist-info/METADATX').copy(bytes, at);
    writeFileSync(path, bytes);
    expect(await errorsOf(path)).toEqual([
      expect.stringMatching(/METADATA: its local header names 'demo-1\.0\.dist-info\/METADATX': the archive's two directories disagree/),
    ]);
    // The same wheel unbroken passes, whichever way it was read.
    const intact = writeWheel(dir(), 'demo-1.0-py3-none-any.whl', { extra });
    expect(await errorsOf(intact)).toEqual([]);
  });

  it('an encrypted METADATA is said in plain words', async () => {
    const path = writeWheel(dir(), 'demo-1.0-py3-none-any.whl');
    const bytes = readFileSync(path);
    const name = Buffer.from('demo-1.0.dist-info/METADATA');
    for (let at = bytes.indexOf(Buffer.from('PK\x01\x02', 'latin1')); at !== -1; at = bytes.indexOf(Buffer.from('PK\x01\x02', 'latin1'), at + 4)) {
      if (bytes.subarray(at + 46, at + 46 + bytes.readUInt16LE(at + 28)).equals(name)) bytes.writeUInt16LE(bytes.readUInt16LE(at + 8) | 1, at + 8);
    }
    writeFileSync(path, bytes);
    expect(await errorsOf(path)).toEqual([expect.stringMatching(/METADATA is encrypted: no installer can read it/)]);
  });
});

describe('sdists', () => {
  it('an old V7-format tar (no ustar magic) is read, as GNU tar, tarfile and PyPI read it', async () => {
    const d = dir();
    const path = join(d, 'demo-1.0.tar.gz');
    python(
      [
        'import io, sys, tarfile',
        'data = sys.stdin.buffer.read()',
        "with tarfile.open(sys.argv[1], 'w:gz', format=tarfile.USTAR_FORMAT) as tf:",
        "    info = tarfile.TarInfo('demo-1.0/PKG-INFO'); info.size = len(data); info.mtime = 1700000000",
        '    tf.addfile(info, io.BytesIO(data))',
        // Strip the ustar magic and version from the header (what a V7 tar has there: nothing).
        'import gzip',
        "raw = bytearray(gzip.decompress(open(sys.argv[1], 'rb').read()))",
        'raw[257:265] = bytes(8)',
        'chk = sum(raw[0:148]) + 8 * 32 + sum(raw[156:512])',
        "raw[148:156] = ('%06o' % chk).encode() + b'\\0 '",
        "open(sys.argv[1], 'wb').write(gzip.compress(bytes(raw), mtime=0))",
      ].join('\n'),
      [path],
      simpleMetadata('demo', '1.0'),
    );
    const inspection = await inspectArtifact(path);
    expect(inspection.errors).toEqual([]);
    expect(inspection.artifact?.version).toBe('1.0');
  });

  it("PKG-INFO stored as 'demo-1.0//PKG-INFO' is refused (PyPI looks for demo-1.0/PKG-INFO)", async () => {
    const path = writeTarGz(join(dir(), 'demo-1.0.tar.gz'), [{ name: 'demo-1.0//PKG-INFO', data: simpleMetadata('demo', '1.0') }]);
    const errors = await errorsOf(path);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/PKG-INFO is stored as 'demo-1\.0\/\/PKG-INFO', not 'demo-1\.0\/PKG-INFO'|no PKG-INFO/);
  });
});

describe('more of what Python reads differently, or refuses', () => {
  /** A wheel written by Python's zipfile, with METADATA written by `metadataLine` (Python code). */
  function pythonWheel(path: string, metadataLine: string): string {
    python(
      [
        'import struct, sys, zipfile, zlib',
        'from zipfile import ZipFile, ZipInfo',
        "meta = b'Metadata-Version: 2.1\\nName: demo\\nVersion: 1.0\\n\\nbody\\n'",
        "with ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as zf:",
        "    zf.writestr('demo/__init__.py', '')",
        `    ${metadataLine}`,
        "    zf.writestr('demo-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')",
        "    zf.writestr('demo-1.0.dist-info/RECORD', '')",
      ].join('\n'),
      [path],
    );
    return path;
  }

  it('an Info-ZIP Unicode Path field (0x7075) naming another file than the name Python reads: ambiguous', async () => {
    const path = pythonWheel(
      join(dir(), 'demo-1.0-py3-none-any.whl'),
      "info = ZipInfo('demo-1.0.dist-info/METADATA'); name = b'demo-1.0.dist-info/METADATA'; other = b'demo-1.0.dist-info/OTHER'; info.extra = struct.pack('<HHBI', 0x7075, 5 + len(other), 1, zlib.crc32(name)) + other; zf.writestr(info, meta)",
    );
    const errors = await errorsOf(path);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/has a Unicode Path field \(0x7075\) naming another file: pip would read another file than this check does/);
  });

  it('a METADATA compressed with LZMA is said plainly (only stored and deflate are read here and by PyPI)', async () => {
    const path = pythonWheel(
      join(dir(), 'demo-1.0-py3-none-any.whl'),
      "zf.writestr(ZipInfo('demo-1.0.dist-info/METADATA'), meta, compress_type=zipfile.ZIP_LZMA)",
    );
    expect(await errorsOf(path)).toEqual([
      expect.stringMatching(/METADATA is compressed with method 14 \(only stored and deflate are read here, and by PyPI\)/),
    ]);
  });

  it("a directory entry that lies about METADATA's size is refused as corrupt", async () => {
    const path = writeWheel(dir(), 'demo-1.0-py3-none-any.whl');
    const bytes = readFileSync(path);
    const name = Buffer.from('demo-1.0.dist-info/METADATA');
    for (let at = bytes.indexOf(Buffer.from('PK\x01\x02', 'latin1')); at !== -1; at = bytes.indexOf(Buffer.from('PK\x01\x02', 'latin1'), at + 4)) {
      if (bytes.subarray(at + 46, at + 46 + bytes.readUInt16LE(at + 28)).equals(name)) bytes.writeUInt32LE(bytes.readUInt32LE(at + 24) - 10, at + 24);
    }
    writeFileSync(path, bytes);
    const errors = await errorsOf(path);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/METADATA: its size in the archive's directory does not match its data|CRC-32/);
  });
});

describe('a time budget per file', () => {
  it('stops reading a file that takes longer and names it (a budget of 0.1 s against 60 MiB to inflate)', async () => {
    const path = writeTarGz(join(dir(), 'slow-1.0.tar.gz'), [
      { name: 'slow-1.0/zeros.bin', data: { repeat: '\0', times: 60 * 1024 * 1024 } },
      { name: 'slow-1.0/PKG-INFO', data: simpleMetadata('slow', '1.0') },
    ]);
    const started = performance.now();
    const inspection = await inspectArtifact(path, { budgetMs: 100 });
    expect(inspection.errors).toEqual(['took longer than 0.1 s to read: refused (a hostile or broken archive?)']);
    expect(performance.now() - started).toBeLessThan(1_000);
    // With the default budget the same file is read, and its metadata found after the zeros.
    expect((await inspectArtifact(path)).errors).toEqual([]);
  }, 30_000);
});

describe('through the CLI: a hostile file stops the publish before any request', () => {
  const builders: Array<[string, (d: string) => string]> = [
    [
      'a NUL in a member name',
      (d) => {
        const path = writeWheel(d, 'demo-1.0-py3-none-any.whl', {
          extra: [{ name: 'demo-1.0.dist-info/METADATAX.orig', data: simpleMetadata('demo', '6.6.6') }],
        });
        patch(path, 'METADATAX.orig', Buffer.from('METADATA\0.orig', 'latin1'));
        return path;
      },
    ],
    ['a byte-order mark', (d) => writeWheel(d, 'demo-1.0-py3-none-any.whl', { metadata: `\uFEFF${simpleMetadata('demo', '1.0')}` })],
    [
      'no WHEEL file',
      (d) => {
        const path = writeWheel(d, 'demo-1.0-py3-none-any.whl');
        patch(path, 'demo-1.0.dist-info/WHEEL', Buffer.from('demo-1.0.dist-info/WHEEX'));
        return path;
      },
    ],
    [
      'a gzip bomb',
      (d) =>
        writeTarGz(join(d, 'bomb-1.0.tar.gz'), [
          { name: 'bomb-1.0/PKG-INFO', data: simpleMetadata('bomb', '1.0') },
          { name: 'bomb-1.0/zeros.bin', data: { repeat: '\0', times: 80 * 1024 * 1024 } },
        ]),
    ],
    [
      'a hostile Requires-Dist line',
      (d) => writeWheel(d, 'demo-1.0-py3-none-any.whl', { metadata: simpleMetadata('demo', '1.0', [['Requires-Dist', `requests${' '.repeat(1000)};`]]) }),
    ],
  ];

  it.each(builders)(
    '%s: exit 3, one line naming the file, nothing sent',
    async (_what, build) => {
      const d = dir();
      const path = build(d);
      const gitea = await startGiteaRegistry();
      try {
        const started = performance.now();
        const r = await runMain(['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--no-pypi', d], { env: giteaEnv() });
        expect(r.code, r.stderr).toBe(3);
        expect(r.stderr.split('\n').filter((l) => l.startsWith(`error: ${path}: `))).toHaveLength(1);
        expect(gitea.requests).toHaveLength(0);
        expect(performance.now() - started).toBeLessThan(10_000);
      } finally {
        await gitea.close();
      }
    },
    30_000,
  );
});
