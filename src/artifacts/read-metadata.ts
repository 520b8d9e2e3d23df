/**
 * Reading the core-metadata file out of a distribution without unpacking it:
 * - wheels (and legacy .zip sdists) with yauzl: the central directory, then that one entry;
 * - .tar.gz sdists with tar-stream over a gunzip stream: the whole archive is walked once, so a
 *   duplicated PKG-INFO or a truncated file is caught before anything is uploaded.
 * The metadata is capped (16 MiB) so a zip or tar bomb cannot eat memory.
 */
import { createReadStream } from 'node:fs';
import { crc32, createGunzip, inflateRawSync } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { open, stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import type yauzl from 'yauzl';
import { shown } from '../util/text.js';
import type tar from 'tar-stream';
import type { DistFilename } from './filename.js';
import { normalizeName } from './filename.js';
import { versionKey } from './pep440.js';
import { validateZipFraming } from '../warehouse/zip-framing.js';

export const METADATA_SIZE_CAP = 16 * 1024 * 1024;
const BOMB_FLOOR = 64 * 1024 * 1024;
const BOMB_RATIO = 100;

/** A problem with the archive, phrased for the user; the caller adds the file name. */
export class ArchiveProblem extends Error {}

export interface MetadataFile {
  /** Path of the metadata file inside the archive. */
  path: string;
  text: string;
  /** What else the reading saw that a registry checks (zip archives only). */
  zip?: ZipFacts;
  /**
   * The archive's member names (for PyPI's License-File check), undefined for a tar past MEMBER_NAMES_CAP; the
   * caller checks what it needs and keeps none of it.
   */
  members?: ReadonlySet<string>;
  /** A wheel's `.dist-info/entry_points.txt`, when it has one (PyPI checks that it parses). */
  entryPoints?: Buffer;
}

/** Member names kept for the License-File check, at most (a tar of millions of members keeps none). */
const MEMBER_NAMES_CAP = 200_000;

/** Facts of a zip archive that Warehouse checks (forklift/legacy.py, utils/zipfiles.py) and pip does not. */
export interface ZipFacts {
  /** Compression methods used by members other than stored (0) and deflate (8), e.g. 12 bzip2, 14 LZMA. */
  otherCompressionMethods: number[];
  /** A wheel's `{name}-{version}.dist-info/WHEEL`, with name and version spelled as in its file name. */
  wheelFileAsNamed?: { path: string; present: boolean };
  /**
   * Why Warehouse's zip framing check (utils/zipfiles.py) refuses the archive, in its words. Undefined when
   * it passes the full walk (files read whole, up to 1 MiB) or, above that, the checks the central directory
   * allows (data descriptors, duplicate names, comments): a disagreement further in is PyPI's answer.
   */
  framing?: string;
}

function zipFacts(source: ZipSource, listing: ZipListing): ZipFacts {
  const facts: ZipFacts = { otherCompressionMethods: [...listing.methods].sort((a, b) => a - b) };
  const framing = framingRefusal(source, listing);
  if (framing !== null) facts.framing = framing;
  return facts;
}

/**
 * Warehouse's framing walk (utils/zipfiles.py, shared with the PyPI double) when the file is in memory
 * (up to 1 MiB: most wheels). A larger file is not walked, which would read all of it: what the
 * central directory alone shows is checked (data descriptors, as writers set the flag in both
 * headers; duplicate names; comments), and anything else is PyPI's answer, reported as it comes.
 */
function framingRefusal(source: ZipSource, listing: ZipListing): string | null {
  if (source.whole) return validateZipFraming(source.whole, listing.sizes ?? new Map());
  return listing.directoryFraming;
}

/** How long reading one file's metadata may take before the file is refused (every read is also bounded in size). */
export const READ_BUDGET_MS = 60_000;

export async function readDistMetadata(path: string, dist: DistFilename, cap = METADATA_SIZE_CAP, budgetMs = READ_BUDGET_MS): Promise<MetadataFile> {
  // A time budget per file, over the size bounds: work on a file that takes longer stops (the tar
  // pipeline is aborted; a zip read is abandoned and its file closed) and the file is named.
  const budget = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      budget.abort();
      reject(new ArchiveProblem(`took longer than ${Math.round(budgetMs / 100) / 10} s to read: refused (a hostile or broken archive?)`));
    }, budgetMs);
  });
  const read =
    dist.kind === 'wheel'
      ? readWheelMetadata(path, dist.namePart, dist.version, cap)
      : dist.format === 'zip'
        ? readZipSdistMetadata(path, cap)
        : readTarSdistMetadata(path, cap, budget.signal);
  read.catch(() => undefined);
  try {
    return await Promise.race([read, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function decodeUtf8(bytes: Buffer, where: string): string {
  // TextDecoder drops a byte-order mark silently; Python's email parser, which pip and twine use, then
  // reads the first header as part of the body, and the file has no name or version for them.
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw new ArchiveProblem(`${where} starts with a UTF-8 byte-order mark: pip would read no headers from it (save it as UTF-8 without BOM)`);
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new ArchiveProblem(`${where} is UTF-16: pip reads metadata as UTF-8`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ArchiveProblem(`${where} is not valid UTF-8`);
  }
}

// ---------------------------------------------------------------------------------------------
// zip (wheels, legacy zip sdists)

// The archive readers load when an archive of their kind is read (start-up: `check` of wheels needs no tar).

/** Up to this size a zip is read whole with one read (and its framing walked, as Warehouse does). */
const SMALL_ZIP = 1024 * 1024;

/** An open zip, and the raw bytes of its file at an offset (for the framing check, from the bytes already read). */
interface ZipSource {
  zip: yauzl.ZipFile;
  /** The whole file, when it was small enough to be read with one read. */
  whole?: Buffer;
  readAt(position: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
  /** The central directory in memory, when it is (see zip-window.ts). */
  directory(): { bytes: Buffer; count: number } | undefined;
}

/** A file we may not open or read is unreadable, not corrupt. */
function unreadable(err: NodeJS.ErrnoException): never {
  throw new ArchiveProblem(`cannot read the file (${err.code ?? err.message})`);
}

/** The bytes at an offset, from a file opened for just that read. */
async function readAtOnce(path: string, position: number, length: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const out = Buffer.alloc(length);
    const { bytesRead } = await handle.read(out, 0, length, position);
    return out.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * A small zip is read whole with one read; a larger one through zip-window.ts: its tail and central
 * directory in one or two reads, each member it needs in one more. Either way yauzl parses it.
 */
async function openZip(path: string): Promise<ZipSource> {
  const { openWindowed } = await import('./zip-window.js');
  const handle = await open(path, 'r').catch(unreadable);
  try {
    const { size } = await handle.stat().catch(unreadable);
    const opened = await openWindowed(handle, size, SMALL_ZIP).catch((err: NodeJS.ErrnoException) => {
      if (err instanceof ArchiveProblem) throw err;
      if (err.code !== undefined) unreadable(err);
      throw new ArchiveProblem(`not a valid zip archive (${err.message})`);
    });
    return {
      zip: opened.zip,
      ...(opened.whole ? { whole: opened.whole } : {}),
      readAt: opened.readAt,
      directory: opened.directory,
      close: async () => {
        opened.close();
        await handle.close();
      },
    };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** yauzl's words for a broken archive, as what is wrong with the file. */
function zipError(message: string): string {
  if (/invalid central directory file header signature/.test(message)) {
    return "the archive's central directory is not where its end record says: data before the archive (a self-extracting stub?) or a corrupt file";
  }
  if (/invalid local file header signature/.test(message)) return 'a member is not where the central directory says: the archive is corrupt';
  return `corrupt zip archive (${message})`;
}

/**
 * A member name that Python's zipfile (what pip and twine use) reads differently from yauzl: Python
 * cuts a name at NUL, keeps backslashes, and ignores the Info-ZIP Unicode Path field (0x7075), which
 * yauzl follows. Such a wheel could be checked as one METADATA and installed with another: refused.
 */
function ambiguousName(entry: yauzl.Entry): string | undefined {
  const raw = entry.fileNameRaw as Buffer;
  if (raw.includes(0)) return 'a NUL byte';
  if (raw.includes(0x5c)) return 'a backslash';
  const unicodePath = entry.extraFields.some((f) => f.id === 0x7075);
  const decoded = raw.toString((entry.generalPurposeBitFlag & 0x800) !== 0 ? 'utf8' : 'latin1');
  if (unicodePath && decoded !== entry.fileName) return 'a Unicode Path field (0x7075) naming another file';
  return undefined;
}

/**
 * What a check needs of the central directory, gathered as yauzl reads it: the few entries read
 * later (metadata, WHEEL, entry points, PKG-INFO) and facts about the others, which are not kept (a
 * wheel of 16,000 members would otherwise hold as many entry objects until it is done).
 */
interface ZipListing {
  kept: yauzl.Entry[];
  /** Every member name (a Set: a duplicate is counted, not kept twice). */
  names: Set<string>;
  count: number;
  /** Compression methods other than stored and deflate. */
  methods: Set<number>;
  /** The lowest local header offset (Infinity when there is no member). */
  firstOffset: number;
  /** What the central directory alone shows of Warehouse's framing refusals (the first found), for a file not read whole. */
  directoryFraming: string | null;
  /** What the central directory says of each member's sizes, for the framing walk of a file read whole. */
  sizes?: Map<string, readonly [number, number]>;
  /** First path segments (an sdist has one). */
  tops: Set<string>;
  /** Top-level `*.dist-info` folders (a wheel has one). */
  distInfoDirs: Set<string>;
  /** The previous member's top folder, when it has one. */
  lastTop?: string;
}

const KEPT = /^[^/]+\.dist-info\/(METADATA|WHEEL|entry_points\.txt)$|^[^/]+\/PKG-INFO$/;

function emptyListing(whole: boolean): ZipListing {
  return {
    kept: [],
    names: new Set(),
    count: 0,
    methods: new Set(),
    firstOffset: Number.POSITIVE_INFINITY,
    directoryFraming: null,
    tops: new Set(),
    distInfoDirs: new Set(),
    ...(whole ? { sizes: new Map() } : {}),
  };
}

/** One member's record in the listing (both readings of the directory add them the same way). */
function addToListing(listing: ZipListing, name: string, fields: MemberFields, entry: () => yauzl.Entry): void {
  listing.count++;
  if (fields.compressionMethod !== 0 && fields.compressionMethod !== 8) listing.methods.add(fields.compressionMethod);
  if (fields.relativeOffsetOfLocalHeader < listing.firstOffset) listing.firstOffset = fields.relativeOffsetOfLocalHeader;
  if (listing.directoryFraming === null) {
    if (fields.generalPurposeBitFlag & 0x08) listing.directoryFraming = 'ZIP contains a data descriptor';
    else if (listing.names.has(name)) listing.directoryFraming = 'Duplicate filename in central directory';
    else if (fields.fileCommentLength > 0) listing.directoryFraming = 'Comment in central directory';
  }
  listing.names.add(name);
  listing.sizes?.set(name, [fields.compressedSize, fields.uncompressedSize]);
  // Most members share the previous one's top folder: no new string for it then.
  const last = listing.lastTop;
  const sameTop = last !== undefined && name.length > last.length && name.charCodeAt(last.length) === 0x2f && name.startsWith(last);
  if (!sameTop) {
    const slash = name.indexOf('/');
    const top = slash < 0 ? name : name.slice(0, slash);
    if (top !== '') listing.tops.add(top);
    if (slash > 0 && top.endsWith('.dist-info')) listing.distInfoDirs.add(top);
    listing.lastTop = slash < 0 ? undefined : top;
  }
  if (name.charCodeAt(name.length - 1) !== 0x2f && KEPT.test(name)) listing.kept.push(entry());
}

type MemberFields = Pick<
  yauzl.Entry,
  'generalPurposeBitFlag' | 'compressionMethod' | 'crc32' | 'compressedSize' | 'uncompressedSize' | 'relativeOffsetOfLocalHeader' | 'fileCommentLength'
>;

/**
 * The central directory read straight from the bytes in memory, for the common case: every record
 * plain (no Unicode Path field, no name yauzl would refuse or Python would read differently, no
 * ZIP64 field, CP437 names in ASCII). Anything else returns undefined and yauzl reads the directory
 * record by record, with its checks and its words: this only saves its objects for every record.
 */
function fastListing(directory: { bytes: Buffer; count: number }, whole: boolean, yauzlModule: typeof yauzl): ZipListing | undefined {
  const { bytes, count } = directory;
  const listing = emptyListing(whole);
  let p = 0;
  for (let n = 0; n < count; n++) {
    if (p + 46 > bytes.length || bytes.readUInt32LE(p) !== 0x02014b50) return undefined;
    const flag = bytes.readUInt16LE(p + 8);
    const fields: MemberFields = {
      generalPurposeBitFlag: flag,
      compressionMethod: bytes.readUInt16LE(p + 10),
      crc32: bytes.readUInt32LE(p + 16),
      compressedSize: bytes.readUInt32LE(p + 20),
      uncompressedSize: bytes.readUInt32LE(p + 24),
      fileCommentLength: bytes.readUInt16LE(p + 32),
      relativeOffsetOfLocalHeader: bytes.readUInt32LE(p + 42),
    };
    const nameLength = bytes.readUInt16LE(p + 28);
    const extraLength = bytes.readUInt16LE(p + 30);
    const nameStart = p + 46;
    const extraStart = nameStart + nameLength;
    const next = extraStart + extraLength + fields.fileCommentLength;
    if (flag & 0x40 || next > bytes.length) return undefined;
    if (fields.compressedSize === 0xffffffff || fields.uncompressedSize === 0xffffffff || fields.relativeOffsetOfLocalHeader === 0xffffffff) return undefined;
    for (let i = extraStart; i < extraStart + extraLength - 3; ) {
      const id = bytes.readUInt16LE(i);
      const end = i + 4 + bytes.readUInt16LE(i + 2);
      if (id === 0x7075 || id === 0x0001 || end > extraStart + extraLength) return undefined;
      i = end;
    }
    const utf8 = (flag & 0x800) !== 0;
    for (let i = nameStart; i < extraStart; i++) {
      const c = bytes[i] as number;
      if (c === 0 || c === 0x5c || (!utf8 && (c < 0x20 || c >= 0x7f))) return undefined;
    }
    const name = bytes.toString(utf8 ? 'utf8' : 'latin1', nameStart, extraStart);
    if (/^[a-zA-Z]:/.test(name) || name.startsWith('/') || (name.includes('..') && name.split('/').includes('..'))) return undefined;
    if (fields.compressionMethod === 0 && fields.compressedSize !== fields.uncompressedSize + (flag & 0x1 ? 12 : 0)) return undefined;
    addToListing(listing, name, fields, () => {
      const entry = Object.assign(new yauzlModule.Entry(), fields, {
        fileName: name,
        fileNameLength: nameLength,
        extraFieldLength: extraLength,
        fileNameRaw: Buffer.from(bytes.subarray(nameStart, extraStart)),
        extraFields: [],
        fileComment: '',
        comment: '',
      });
      return entry;
    });
    p = next;
  }
  return listing;
}

async function listZipEntries(source: ZipSource, whole: boolean): Promise<ZipListing> {
  const { default: yauzlModule } = await import('yauzl');
  const directory = source.directory();
  const fast = directory ? fastListing(directory, whole, yauzlModule) : undefined;
  if (fast) return fast;
  const { zip } = source;
  return new Promise((resolve, reject) => {
    const listing = emptyListing(whole);
    zip.on('entry', (entry: yauzl.Entry) => {
      const why = ambiguousName(entry);
      if (why) {
        reject(
          new ArchiveProblem(
            `member '${shown((entry.fileNameRaw as Buffer).toString('latin1'))}' has ${why}: pip would read another file than this check does (refused as ambiguous)`,
          ),
        );
        return;
      }
      addToListing(listing, entry.fileName, entry, () => entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(listing));
    zip.once('error', (err: Error) => reject(new ArchiveProblem(zipError(err.message))));
    zip.readEntry();
  });
}

/** A deflated member up to this size is inflated with one call (larger ones as a stream). */
const WHOLE_INFLATE = 4 * 1024 * 1024;

/** Inflates a member that must come to `size` bytes; yauzl's words when it does not (see readZipEntry). */
function inflateExactly(raw: Buffer, size: number): Buffer {
  let out: Buffer;
  try {
    out = inflateRawSync(raw, { maxOutputLength: Math.max(1, size + 1) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new Error(`too many bytes in the stream. expected ${size}. got at least ${size + 1}`);
    throw err;
  }
  if (out.length > size) throw new Error(`too many bytes in the stream. expected ${size}. got at least ${out.length}`);
  if (out.length < size) throw new Error(`not enough bytes in the stream. expected ${size}. got only ${out.length}`);
  return out;
}

async function readZipEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, cap: number): Promise<Buffer> {
  if (entry.uncompressedSize > cap) {
    throw new ArchiveProblem(`${entry.fileName} is ${entry.uncompressedSize} bytes, over the ${cap}-byte limit for metadata`);
  }
  if (entry.isEncrypted()) throw new ArchiveProblem(`${entry.fileName} is encrypted: no installer can read it`);
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    throw new ArchiveProblem(`${entry.fileName} is compressed with method ${entry.compressionMethod} (only stored and deflate are read here, and by PyPI)`);
  }
  // A deflated member of a plausible size is read raw (yauzl still checks its local header and its
  // bounds) and inflated in one call: a zlib stream per member cost more than the inflating. yauzl's
  // size check is kept, in its words; anything larger is inflated as a stream, bounded by the cap.
  const whole = entry.compressionMethod === 8 && entry.compressedSize <= Math.min(cap, WHOLE_INFLATE);
  const stream = await new Promise<Readable>((resolve, reject) => {
    zip.openReadStream(entry, whole ? { decodeFileData: false } : {}, (err, s) =>
      err || !s ? reject(new ArchiveProblem(`cannot read ${entry.fileName} (${err?.message})`)) : resolve(s),
    );
  });
  try {
    if (!whole) return await collect(stream, cap, entry.fileName);
    return inflateExactly(await collect(stream, entry.compressedSize, entry.fileName), entry.uncompressedSize);
  } catch (err) {
    if (err instanceof ArchiveProblem) throw err;
    const message = (err as Error).message;
    // yauzl's size checks: a data descriptor or directory that lies about the member's size.
    if (/too (many|few) bytes|expected \d+ bytes|uncompressedSize/i.test(message)) {
      throw new ArchiveProblem(`${entry.fileName}: its size in the archive's directory does not match its data (the archive is corrupt; pip refuses it)`);
    }
    if (/invalid (stored|distance|code|block)|incorrect/i.test(message)) throw new ArchiveProblem(`${entry.fileName}: its compressed data is corrupt`);
    throw new ArchiveProblem(`cannot read ${entry.fileName} (${message})`);
  }
}

// A zip's names are all read for its own checks (RECORD, duplicates): they are passed on whatever their number.
function memberNames(listing: ZipListing): { members?: ReadonlySet<string> } {
  return { members: listing.names };
}

async function withZip<T>(path: string, use: (source: ZipSource, listing: ZipListing) => Promise<T>): Promise<T> {
  const source = await openZip(path);
  try {
    return await use(source, await listZipEntries(source, source.whole !== undefined));
  } finally {
    await source.close();
  }
}

async function readWheelMetadata(path: string, namePart: string, version: string, cap: number): Promise<MetadataFile> {
  return withZip(path, async (source, listing) => {
    const { zip } = source;
    const { distInfoDirs, kept } = listing;
    if (distInfoDirs.size === 0) throw new ArchiveProblem('no .dist-info folder in the wheel (METADATA missing)');
    if (distInfoDirs.size > 1) {
      throw new ArchiveProblem(`several .dist-info folders in the wheel (${[...distInfoDirs].sort().join(', ')})`);
    }
    const distInfo = [...distInfoDirs][0] ?? '';
    const stem = distInfo.slice(0, -'.dist-info'.length);
    const dash = stem.lastIndexOf('-');
    const dirName = stem.slice(0, dash);
    const dirVersion = stem.slice(dash + 1);
    if (dash <= 0 || normalizeName(dirName) !== normalizeName(namePart) || versionKey(dirVersion) !== versionKey(version)) {
      throw new ArchiveProblem(`the wheel's ${distInfo} folder does not match its file name (expected ${namePart}-${version}.dist-info)`);
    }
    const wanted = `${distInfo}/METADATA`;
    const matches = kept.filter((e) => e.fileName === wanted);
    if (matches.length === 0) throw new ArchiveProblem(`${wanted} is missing`);
    if (matches.length > 1) throw new ArchiveProblem(`${wanted} appears ${matches.length} times in the archive`);
    const entry = matches[0] as yauzl.Entry;
    const bytes = await readZipEntry(zip, entry, cap);
    checkCrc(entry, bytes);
    await checkFraming(source, listing, entry);
    await checkWheelFile(zip, listing, distInfo);
    // Warehouse looks for WHEEL under the name and version exactly as the file name spells them.
    const wheelPath = `${namePart}-${version}.dist-info/WHEEL`;
    const facts: ZipFacts = { ...zipFacts(source, listing), wheelFileAsNamed: { path: wheelPath, present: listing.names.has(wheelPath) } };
    const read: MetadataFile = { path: wanted, text: decodeUtf8(bytes, wanted), zip: facts, ...memberNames(listing) };
    // Warehouse reads entry_points.txt where the file name says the .dist-info is (utils/wheel.py).
    const entryPoints = kept.find((e) => e.fileName === `${namePart}-${version}.dist-info/entry_points.txt`);
    // Over 1 MiB it is not checked (pip reads it whatever its size): never a reason to refuse the wheel.
    if (entryPoints && entryPoints.uncompressedSize <= 1024 * 1024) {
      const bytes = await readZipEntry(zip, entryPoints, 1024 * 1024);
      checkCrc(entryPoints, bytes);
      read.entryPoints = bytes;
    }
    return read;
  });
}

/**
 * The zip's framing as Warehouse checks it (utils/zipfiles.py): nothing before the first member (a
 * self-extracting stub), and the metadata file's local header naming the same file as the central
 * directory (a crafted archive can show one name to one reader and another to the next).
 */
async function checkFraming(source: ZipSource, listing: ZipListing, metadata: yauzl.Entry): Promise<void> {
  const first = listing.firstOffset;
  if (listing.count > 0 && first > 0)
    throw new ArchiveProblem(`${first} bytes of other data come before the archive's first member (a self-extracting stub?): PyPI refuses it`);
  const header = await source.readAt(metadata.relativeOffsetOfLocalHeader, 30);
  if (header.length < 30 || header.readUInt32LE(0) !== 0x04034b50)
    throw new ArchiveProblem(`${metadata.fileName}: no local header where the central directory says: the archive is corrupt`);
  const nameLength = header.readUInt16LE(26);
  const name = await source.readAt(metadata.relativeOffsetOfLocalHeader + 30, nameLength);
  if (!name.equals(metadata.fileNameRaw as Buffer)) {
    throw new ArchiveProblem(
      `${metadata.fileName}: its local header names '${shown(name.toString('latin1'))}': the archive's two directories disagree (pip and PyPI refuse it)`,
    );
  }
}

/** yauzl does not check CRC-32; pip (zipfile) does, and refuses a corrupt METADATA. */
function checkCrc(entry: yauzl.Entry, bytes: Buffer): void {
  if (crc32(bytes) >>> 0 !== entry.crc32 >>> 0) throw new ArchiveProblem(`${entry.fileName} fails its CRC-32 check: the archive is corrupt (pip refuses it)`);
}

/** pip refuses a wheel without `.dist-info/WHEEL` or `RECORD`, or whose Wheel-Version is not 1.x (wheel spec, pip's wheel_version). */
async function checkWheelFile(zip: yauzl.ZipFile, listing: ZipListing, distInfo: string): Promise<void> {
  const wheel = listing.kept.find((e) => e.fileName === `${distInfo}/WHEEL`);
  if (!wheel) throw new ArchiveProblem(`${distInfo}/WHEEL is missing: pip refuses a wheel without it`);
  if (!listing.names.has(`${distInfo}/RECORD`)) throw new ArchiveProblem(`${distInfo}/RECORD is missing: pip and PyPI refuse a wheel without it`);
  const text = (await readZipEntry(zip, wheel, 64 * 1024)).toString('utf8');
  const version = /^Wheel-Version:[ \t]*(\S*)/im.exec(text)?.[1];
  if (version === undefined) throw new ArchiveProblem(`${distInfo}/WHEEL has no Wheel-Version: pip refuses the wheel`);
  if (!/^1(\.\d+)?$/.test(version))
    throw new ArchiveProblem(`${distInfo}/WHEEL says Wheel-Version ${version.slice(0, 20)}: pip installs wheels of version 1.x only`);
}

async function readZipSdistMetadata(path: string, cap: number): Promise<MetadataFile> {
  return withZip(path, async (source, listing) => {
    const { zip } = source;
    const { tops } = listing;
    if (tops.size > 1) throw new ArchiveProblem(`more than one top-level folder in the sdist (${[...tops].slice(0, 3).join(', ')}…)`);
    const pkgInfos = listing.kept.filter((e) => /^[^/]+\/PKG-INFO$/.test(e.fileName));
    if (pkgInfos.length === 0) throw new ArchiveProblem('no PKG-INFO in the top-level folder of the sdist');
    if (pkgInfos.length > 1) throw new ArchiveProblem(`PKG-INFO appears ${pkgInfos.length} times in the sdist`);
    const entry = pkgInfos[0] as yauzl.Entry;
    const bytes = await readZipEntry(zip, entry, cap);
    checkCrc(entry, bytes);
    return { path: entry.fileName, text: decodeUtf8(bytes, entry.fileName), zip: zipFacts(source, listing), ...memberNames(listing) };
  });
}

// ---------------------------------------------------------------------------------------------
// tar.gz sdists

async function readTarSdistMetadata(path: string, cap: number, signal?: AbortSignal): Promise<MetadataFile> {
  // Old V7 tars have no ustar magic; GNU tar, Python's tarfile and PyPI read them, and so do we.
  // (@types/tar-stream does not declare the option tar-stream 3 reads.)
  const { default: tarStream } = await import('tar-stream');
  const extract = tarStream.extract({ allowUnknownFormat: true } as Parameters<typeof tar.extract>[0]);
  const tops = new Set<string>();
  const found: MetadataFile[] = [];
  let problem: ArchiveProblem | undefined;
  let names: Set<string> | undefined = new Set();

  extract.on('entry', (header, stream, next) => {
    // A member cut short (truncated archive) errors on its own stream: the pipeline below reports it,
    // so this one only needs a listener (an unhandled 'error' would end the process).
    stream.on('error', () => undefined);
    const name = header.name.replace(/^(\.\/)+/, '');
    if (names !== undefined) {
      if (names.size < MEMBER_NAMES_CAP) names.add(header.name);
      else names = undefined;
    }
    const parts = name.split('/').filter((p) => p !== '');
    if (parts[0] !== undefined) tops.add(parts[0]);
    const isPkgInfo = parts.length === 2 && parts[1] === 'PKG-INFO';
    // `name-1.0//PKG-INFO` is PKG-INFO to a path join but not to PyPI, which looks for `{top}/PKG-INFO`.
    if (isPkgInfo && name !== `${parts[0]}/PKG-INFO`)
      problem ??= new ArchiveProblem(`PKG-INFO is stored as '${name.slice(0, 80)}', not '${parts[0]}/PKG-INFO'`);
    if (!isPkgInfo || problem) {
      stream.on('end', () => next());
      stream.resume();
      return;
    }
    if (header.type !== 'file' && header.type !== 'contiguous-file') {
      const kind = header.type === 'symlink' ? 'a symbolic link' : header.type === 'link' ? 'a hard link' : `a ${header.type}`;
      problem = new ArchiveProblem(`${name} is ${kind}, not a regular file`);
      stream.on('end', () => next());
      stream.resume();
      return;
    }
    if ((header.size ?? 0) > cap) {
      problem = new ArchiveProblem(`${name} is ${header.size} bytes, over the ${cap}-byte limit for metadata`);
      stream.on('end', () => next());
      stream.resume();
      return;
    }
    collect(stream as AsyncIterable<Buffer>, cap, name).then(
      (bytes) => {
        try {
          found.push({ path: name, text: decodeUtf8(bytes, name) });
        } catch (err) {
          problem = err as ArchiveProblem;
        }
        next();
      },
      (err: unknown) => next(err as Error),
    );
  });

  try {
    // Bounded work on a gzip bomb (16 MiB of .tar.gz holding 16 GiB took a minute per read): past
    // 64 MiB, more than 100 bytes out for each byte in is refused (Warehouse refuses ratios over 50).
    const size = (await stat(path)).size;
    let inflated = 0;
    const bounded = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        inflated += chunk.length;
        if (inflated > BOMB_FLOOR && inflated > size * BOMB_RATIO) {
          done(
            new ArchiveProblem(
              `decompresses to more than ${BOMB_RATIO} times its size (over ${Math.round(inflated / 1048576)} MiB from ${Math.round(size / 1024)} KiB): refused as a decompression bomb`,
            ),
          );
        } else done(null, chunk);
      },
    });
    await pipeline(createReadStream(path), createGunzip(), bounded, extract, ...(signal ? [{ signal }] : []));
  } catch (err) {
    if (err instanceof ArchiveProblem) throw err;
    const message = (err as Error).message;
    // zlib's words, as what is wrong with the file: a second "header" after a whole gzip stream is
    // data appended to the file, not a truncation.
    if (/incorrect header check/i.test(message)) {
      // The file starts as gzip: the "header" zlib did not like is data after a whole stream.
      const head = await readAtOnce(path, 0, 2);
      if (head[0] === 0x1f && head[1] === 0x8b) throw new ArchiveProblem('has data after the end of its gzip stream (trailing garbage)');
      throw new ArchiveProblem('not a valid .tar.gz archive: it is not gzip-compressed');
    }
    if (/unexpected end|unexpected eof/i.test(message)) throw new ArchiveProblem('is cut short (truncated .tar.gz)');
    if (/invalid/i.test(message)) throw new ArchiveProblem(`not a valid .tar.gz archive (corrupt: ${message})`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code?.startsWith('E')) throw new ArchiveProblem(`cannot read the file (${code})`);
    throw new ArchiveProblem(`cannot read the .tar.gz archive (${message})`);
  }
  if (problem) throw problem;
  if (tops.size > 1) throw new ArchiveProblem(`more than one top-level folder in the sdist (${[...tops].slice(0, 3).join(', ')}…)`);
  if (found.length === 0) throw new ArchiveProblem('no PKG-INFO in the top-level folder of the sdist');
  if (found.length > 1) throw new ArchiveProblem(`PKG-INFO appears ${found.length} times in the sdist`);
  const read = found[0] as MetadataFile;
  return names === undefined ? read : { ...read, members: names };
}

// ---------------------------------------------------------------------------------------------

async function collect(stream: AsyncIterable<Buffer | Uint8Array>, cap: number, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += chunk.length;
    // The declared size can lie (zip bomb): enforce the cap on what actually comes out.
    if (size > cap) throw new ArchiveProblem(`${name} is over the ${cap}-byte limit for metadata`);
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
  }
  return Buffer.concat(chunks);
}
