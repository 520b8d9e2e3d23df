/**
 * Tiny, deterministic wheel/sdist builders for tests (valid enough for pip and for PyPI's archive checks).
 * The archive readers the PyPI sandbox uses live in src/sandbox/archives.ts; re-exported here for the tests.
 */
import { createHash } from 'node:crypto';
import { crc32, gzipSync } from 'node:zlib';

export { commonPrefix, listTarGz, listZip, posixJoin, type ZipEntryInfo } from '../../../src/sandbox/archives.js';

export interface BuiltArtifact {
  filename: string;
  content: Buffer;
}

export interface ArtifactSpec {
  /** Project name as in metadata, e.g. `demo-pkg`. */
  name: string;
  /** Version string, used verbatim in the filename and metadata (pass a normalised one). */
  version: string;
  requiresPython?: string;
  summary?: string;
  /** Extra RFC 822 header lines for METADATA / PKG-INFO. */
  extraMetadata?: string[];
  /** Wheel tag, default `py3-none-any`. */
  tag?: string;
  /** Metadata-Version, default 2.1. */
  metadataVersion?: string;
}

/** PEP 427 / PEP 625 escaped distribution name: `demo-pkg` → `demo_pkg`. */
export function escapeDistName(name: string): string {
  return name.replace(/[-_.]+/g, '_').toLowerCase();
}

function coreMetadata(spec: ArtifactSpec): string {
  const lines = [
    `Metadata-Version: ${spec.metadataVersion ?? '2.1'}`,
    `Name: ${spec.name}`,
    `Version: ${spec.version}`,
    `Summary: ${spec.summary ?? 'Test package built by the molecule-publish test suite'}`,
  ];
  if (spec.requiresPython) lines.push(`Requires-Python: ${spec.requiresPython}`);
  lines.push(...(spec.extraMetadata ?? []));
  return `${lines.join('\n')}\n\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// ZIP
// ---------------------------------------------------------------------------------------------------------------

const DOS_TIME = 0; // 00:00:00
const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1; // 2020-01-01

/** Writes a ZIP archive with stored (uncompressed) entries, in the given order. */
export function writeZip(entries: Array<[string, Buffer]>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, data] of entries) {
    const nameBuf = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBuf, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(0x0314, 4); // made by: unix, 2.0
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

// ---------------------------------------------------------------------------------------------------------------
// TAR
// ---------------------------------------------------------------------------------------------------------------

function tarHeader(name: string, size: number, type: '0' | '5'): Buffer {
  const h = Buffer.alloc(512);
  const nameBuf = Buffer.from(name, 'utf8');
  if (nameBuf.length > 100) throw new Error(`tar name too long for this helper: ${name}`);
  nameBuf.copy(h, 0);
  h.write(type === '5' ? '0000755\0' : '0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write(`${(1577836800).toString(8).padStart(11, '0')}\0`, 136, 'latin1'); // 2020-01-01
  h.write('        ', 148, 'latin1');
  h.write(type, 156, 'latin1');
  h.write('ustar\0', 257, 'latin1');
  h.write('00', 263, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/** Writes a gzip-compressed ustar archive. Entries ending in `/` are directories. */
export function writeTarGz(entries: Array<[string, Buffer]>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, data] of entries) {
    const dir = name.endsWith('/');
    blocks.push(tarHeader(name, dir ? 0 : data.length, dir ? '5' : '0'));
    if (!dir) {
      blocks.push(data);
      const pad = (512 - (data.length % 512)) % 512;
      if (pad) blocks.push(Buffer.alloc(pad));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

// ---------------------------------------------------------------------------------------------------------------
// Builders
// ---------------------------------------------------------------------------------------------------------------

function recordHash(data: Buffer): string {
  return `sha256=${createHash('sha256').update(data).digest('base64url')}`;
}

/** Builds a minimal, valid pure-Python wheel: `<name>/__init__.py` plus dist-info METADATA, WHEEL, RECORD. */
export function buildWheel(spec: ArtifactSpec): BuiltArtifact {
  const dist = escapeDistName(spec.name);
  const tag = spec.tag ?? 'py3-none-any';
  const distInfo = `${dist}-${spec.version}.dist-info`;
  const files: Array<[string, Buffer]> = [
    [`${dist}/__init__.py`, Buffer.from(`__version__ = ${JSON.stringify(spec.version)}\n`)],
    [`${distInfo}/METADATA`, Buffer.from(coreMetadata(spec))],
    [`${distInfo}/WHEEL`, Buffer.from(`Wheel-Version: 1.0\nGenerator: molecule-publish-tests\nRoot-Is-Purelib: true\nTag: ${tag}\n\n`)],
  ];
  const record = `${files.map(([n, d]) => `${n},${recordHash(d)},${d.length}`).join('\n')}\n${distInfo}/RECORD,,\n`;
  files.push([`${distInfo}/RECORD`, Buffer.from(record)]);
  return { filename: `${dist}-${spec.version}-${tag}.whl`, content: writeZip(files) };
}

/** Builds a minimal PEP 625 sdist: `<name>-<version>/{PKG-INFO,pyproject.toml,<name>/__init__.py}`. */
export function buildSdist(spec: ArtifactSpec): BuiltArtifact {
  const dist = escapeDistName(spec.name);
  const top = `${dist}-${spec.version}`;
  const pyproject =
    `[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n` +
    `[project]\nname = ${JSON.stringify(spec.name)}\nversion = ${JSON.stringify(spec.version)}\n`;
  const entries: Array<[string, Buffer]> = [
    [`${top}/`, Buffer.alloc(0)],
    [`${top}/PKG-INFO`, Buffer.from(coreMetadata(spec))],
    [`${top}/pyproject.toml`, Buffer.from(pyproject)],
    [`${top}/${dist}/__init__.py`, Buffer.from(`__version__ = ${JSON.stringify(spec.version)}\n`)],
  ];
  return { filename: `${top}.tar.gz`, content: writeTarGz(entries) };
}
