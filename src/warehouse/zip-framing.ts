/**
 * warehouse/utils/zipfiles.py `_validate_zipfile`: walks the records from the start of the file and requires the
 * local headers and the central directory to agree (no duplicates, no data descriptors, same sizes, no comments in
 * the central directory, consistent EOCD, nothing after it). Python's zipfile reads from the end and would accept
 * what this refuses; Warehouse refuses it so that every ZIP reader sees the same members.
 *
 * One copy serves the PyPI double (its upload route) and the client's prediction of PyPI's refusals; the
 * independent check of both is the corpus of real wheels (test/real-world) and the double's own tests.
 */

import { utf8Strict } from './python-repr.js';

/** A little-endian 64-bit field as a number (sizes and offsets of real archives stay far below 2^53). */
function u64(b: Buffer, offset: number): number {
  return Number(b.readBigUInt64LE(offset));
}

class InvalidZipFileError extends Error {}

const unprintable = (b: Buffer): boolean => b.some((c) => c < 0x20 || c === 0x7f);

/** What the central directory says of each member (Python's `orig_filename`): [compressed size, size]. */
export type CentralSizes = ReadonlyMap<string, readonly [number, number]>;

/** Returns the reason the ZIP is not accepted (Warehouse's words), or null. */
export function validateZipFraming(data: Buffer, sizes: CentralSizes): string | null {
  const walk = new ZipRecordWalk(data, sizes);
  try {
    const early = walk.walk();
    if (early) return early;
  } catch (e) {
    if (e instanceof InvalidZipFileError) return e.message;
    throw e;
  }
  return walk.finish();
}

/** The sizes a local header claims, corrected by its ZIP64 extra field; refuses repeated ZIP64 / Unicode Path fields. */
function localExtraSizes(extraBytes: Buffer, method: number, compressed: number, size: number): [number, number] {
  let extra = extraBytes;
  const seen = new Set<number>();
  while (extra.length > 0) {
    if (extra.length < 4) throw new InvalidZipFileError('Malformed zip file');
    const id = extra.readUInt16LE(0);
    const len = extra.readUInt16LE(2);
    if (len + 4 > extra.length) throw new InvalidZipFileError('Malformed zip file');
    if (seen.has(id) && (id === 0x0001 || id === 0x7075)) throw new InvalidZipFileError('Invalid duplicate extra in local file');
    seen.add(id);
    if (id === 0x0001) {
      if (![0, 8, 16, 24, 28].includes(len)) throw new InvalidZipFileError('Malformed zip file');
      if (len === 0) {
        if (compressed === 0xffffffff || size === 0xffffffff) throw new InvalidZipFileError('Malformed zip file');
      } else if (len === 8) {
        if (method !== 0) throw new InvalidZipFileError('Malformed zip file');
        compressed = u64(extra, 4);
        if (size === 0xffffffff) size = compressed;
      } else {
        if (size === 0xffffffff) size = u64(extra, 4);
        compressed = u64(extra, 12);
      }
    } else if (id === 0x7075) {
      const unicodeName = extra.subarray(9, 4 + len);
      if (unprintable(unicodeName)) throw new InvalidZipFileError('Invalid character in filename');
      try {
        utf8Strict.decode(unicodeName);
      } catch {
        throw new InvalidZipFileError('Filename not valid UTF-8');
      }
    }
    extra = extra.subarray(len + 4);
  }
  return [compressed, size];
}

/** One pass over the records, front to back, with what the later records are checked against. */
class ZipRecordWalk {
  private pos = 0;
  private readonly localNames = new Set<string>();
  private readonly cdNames = new Set<string>();
  private expectedEocd64: number | null = null;
  private actualEocd64: number | null = null;
  private cdRecords = 0;
  private cdOffset: number | null = null;
  private cdSize = 0;
  private eocdRecords: number | null = null;
  private eocdSize: number | null = null;
  private eocdOffset: number | null = null;

  constructor(
    private readonly data: Buffer,
    private readonly sizes: CentralSizes,
  ) {}

  /** Reads records up to the end of central directory; a returned string is an error found on the way. */
  walk(): string | null {
    for (;;) {
      const sig = this.read(4).readUInt32LE(0);
      if (sig === 0x06054b50 && this.expectedEocd64 !== null && this.actualEocd64 === null) return 'Malformed zip file';
      if (sig === 0x02014b50) this.centralRecord();
      else if (sig === 0x04034b50) {
        const key = this.localHeader();
        if (this.localNames.has(key)) throw new InvalidZipFileError('Duplicate filename in local headers');
        this.localNames.add(key);
      } else if (sig === 0x06054b50) {
        this.endOfCentralDirectory();
        return null;
      } else if (sig === 0x06064b50) this.zip64EndOfCentralDirectory();
      else if (sig === 0x07064b50) this.actualEocd64 = u64(this.read(16), 4);
      else return 'Unknown record signature';
    }
  }

  /** After the walk: the same names on both sides, and nothing after the end record. */
  finish(): string | null {
    const { cdNames, localNames } = this;
    if (cdNames.size !== localNames.size || [...cdNames].some((n) => !localNames.has(n))) return 'Mis-matched local headers and central directory';
    if (this.pos !== this.data.length) return 'Trailing data';
    return null;
  }

  private read(n: number): Buffer {
    if (n < 0 || this.pos + n > this.data.length) throw new InvalidZipFileError('Malformed zip file');
    this.pos += n;
    return this.data.subarray(this.pos - n, this.pos);
  }

  /** A local file header and its data; returns the name as a key (latin-1 of the raw bytes). */
  private localHeader(): string {
    const h = this.read(26);
    const gpbf = h.readUInt16LE(2);
    const method = h.readUInt16LE(4);
    const filename = this.read(h.readUInt16LE(22));
    const extra = this.read(h.readUInt16LE(24));
    if (unprintable(filename)) throw new InvalidZipFileError('Invalid character in filename');
    const [compressed, size] = localExtraSizes(extra, method, h.readUInt32LE(14), h.readUInt32LE(18));
    if (gpbf & 0x08) throw new InvalidZipFileError('ZIP contains a data descriptor');
    let name: string;
    try {
      name = utf8Strict.decode(filename);
    } catch {
      throw new InvalidZipFileError('Filename not unicode');
    }
    const expected = this.sizes.get(name);
    if (!expected) throw new InvalidZipFileError('Filename not in central directory');
    if (expected[0] !== compressed) throw new InvalidZipFileError('Mis-matched data size');
    if (expected[1] !== size) throw new InvalidZipFileError('Mis-matched file size');
    this.pos += compressed; // seeking past the end is allowed; the next read fails
    return filename.toString('latin1');
  }

  private centralRecord(): void {
    if (this.cdOffset === null) this.cdOffset = this.pos - 4;
    this.cdRecords++;
    const h = this.read(42);
    if (h.readUInt16LE(28) !== 0) throw new InvalidZipFileError('Comment in central directory');
    const filename = this.read(h.readUInt16LE(24));
    const extra = this.read(h.readUInt16LE(26));
    if (unprintable(filename)) throw new InvalidZipFileError('Invalid character in filename');
    this.cdSize += 46 + filename.length + extra.length;
    const key = filename.toString('latin1');
    if (this.cdNames.has(key)) throw new InvalidZipFileError('Duplicate filename in central directory');
    if (!this.localNames.has(key)) throw new InvalidZipFileError('Missing filename in local headers');
    this.cdNames.add(key);
  }

  /** The EOCD record (after a ZIP64 one, only read past): its counts must match the central directory walked. */
  private endOfCentralDirectory(): void {
    if (this.cdOffset === null) this.cdOffset = this.pos - 4;
    if (this.actualEocd64 !== null && this.eocdOffset !== null) this.eocd();
    else [this.eocdRecords, this.eocdSize, this.eocdOffset] = this.eocd();
    if (this.eocdRecords !== this.cdRecords) throw new InvalidZipFileError('Mismatched central directory records');
    if (this.eocdOffset !== this.cdOffset) throw new InvalidZipFileError('Mismatched central directory offset');
    if (this.eocdSize !== this.cdSize) throw new InvalidZipFileError('Mismatched central directory size');
  }

  private eocd(): [number, number, number] {
    const h = this.read(18);
    if (h.readUInt16LE(4) !== h.readUInt16LE(6)) throw new InvalidZipFileError('Malformed zip file');
    this.pos += h.readUInt16LE(16);
    return [h.readUInt16LE(6), h.readUInt32LE(8), h.readUInt32LE(12)];
  }

  private zip64EndOfCentralDirectory(): void {
    this.expectedEocd64 = this.pos - 4;
    const h = this.read(52);
    if (u64(h, 20) !== u64(h, 28)) throw new InvalidZipFileError('Malformed zip file');
    if (u64(h, 0) !== 44) throw new InvalidZipFileError('ZIP64 extensible data not allowed');
    [this.eocdRecords, this.eocdSize, this.eocdOffset] = [u64(h, 28), u64(h, 36), u64(h, 44)];
  }
}
