/**
 * ZIP archives as Warehouse's Python sees them: CPython 3.14 `zipfile` (`is_zipfile`, `ZipFile(...)` reading the
 * central directory, `ZipFile.read`), with its exceptions folded into {@link BadZipFile}.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { pyRepr, utf8Strict } from '../python.js';

export class BadZipFile extends Error {}

export interface PyZipInfo {
  /** `orig_filename`: the central-directory name, decoded as UTF-8 (flag 0x800) or cp437. */
  origFilename: string;
  /** `filename`: NUL-truncated (the key of `NameToInfo`). */
  filename: string;
  flagBits: number;
  compressType: number;
  crc: number;
  compressSize: number;
  fileSize: number;
  headerOffset: number;
}

interface EndRecord {
  zip64: boolean;
  diskNumber: number;
  diskStart: number;
  entriesTotal: number;
  size: number;
  offset: number;
  location: number;
}

const CP437_HIGH = 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';
const decodeCp437 = (b: Buffer): string => Array.from(b, (c) => (c < 0x80 ? String.fromCharCode(c) : (CP437_HIGH[c - 0x80] as string))).join('');
export const u64 = (b: Buffer, at: number): number => Number(b.readBigUInt64LE(at));

/** zipfile `_EndRecData` + `_EndRecData64` (3.14): null when there is no EOCD; throws BadZipFile / Error (OSError). */
function zipEndRecord(data: Buffer): EndRecord | null {
  if (data.length < 22) return null;
  let at = -1;
  if (data.readUInt32LE(data.length - 22) === 0x06054b50 && data.readUInt16LE(data.length - 2) === 0) at = data.length - 22;
  else {
    const from = Math.max(data.length - 0xffff - 22, 0);
    at = data.subarray(from).lastIndexOf(Buffer.from('PK\x05\x06', 'latin1'));
    if (at < 0) return null;
    at += from;
    if (at + 22 > data.length) return null;
  }
  const rec: EndRecord = {
    zip64: false,
    diskNumber: data.readUInt16LE(at + 4),
    diskStart: data.readUInt16LE(at + 6),
    entriesTotal: data.readUInt16LE(at + 10),
    size: data.readUInt32LE(at + 12),
    offset: data.readUInt32LE(at + 16),
    location: at,
  };
  // _EndRecData64
  let offset = at - 20;
  if (offset < 0) return rec;
  if (data.readUInt32LE(offset) !== 0x07064b50) return rec;
  const diskno = data.readUInt32LE(offset + 4);
  const reloff = u64(data, offset + 8);
  const disks = data.readUInt32LE(offset + 16);
  if (diskno !== 0 || disks > 1) throw new BadZipFile('zipfiles that span multiple disks are not supported');
  offset -= 56;
  if (reloff > offset) throw new BadZipFile('Corrupt zip64 end of central directory locator');
  let pos = reloff;
  let extrasz = offset - reloff;
  if (pos + 56 > data.length) throw new Error('Unknown I/O error');
  if (data.readUInt32LE(pos) !== 0x06064b50 && reloff !== offset) {
    pos = offset;
    extrasz = 0;
  }
  if (data.readUInt32LE(pos) !== 0x06064b50) throw new BadZipFile('Zip64 end of central directory record not found');
  const sz = u64(data, pos + 4);
  const dirsize = u64(data, pos + 40);
  const diroffset = u64(data, pos + 48);
  if (diroffset + dirsize !== reloff || sz + 12 !== 56 + extrasz) throw new BadZipFile('Corrupt zip64 end of central directory record');
  return {
    zip64: true,
    diskNumber: data.readUInt32LE(pos + 16),
    diskStart: data.readUInt32LE(pos + 20),
    entriesTotal: u64(data, pos + 32),
    size: dirsize,
    offset: diroffset,
    location: offset - extrasz,
  };
}

/** `zipfile.is_zipfile` (3.14 `_check_zipfile`: an EOCD whose central directory starts with a CD signature). */
export function pyIsZipfile(data: Buffer): boolean {
  try {
    const rec = zipEndRecord(data);
    if (!rec) return false;
    if (rec.entriesTotal === 0 && rec.size === 0 && rec.offset === 0) return true;
    if (rec.diskNumber !== rec.diskStart) return false;
    const start = rec.location - rec.size; // offset_cd + concat
    return rec.size >= 46 && start >= 0 && start + 46 <= data.length && data.readUInt32LE(start) === 0x02014b50;
  } catch {
    return false;
  }
}

/** `ZipFile(...)._RealGetContents`: the central directory as `infolist()`; throws BadZipFile. */
export function pyZipInfolist(data: Buffer): PyZipInfo[] {
  let rec: EndRecord | null;
  try {
    rec = zipEndRecord(data);
  } catch (e) {
    if (e instanceof BadZipFile) throw e;
    throw new BadZipFile('File is not a zip file');
  }
  if (!rec) throw new BadZipFile('File is not a zip file');
  const concat = rec.location - rec.size - rec.offset;
  const startDir = rec.offset + concat;
  if (startDir < 0) throw new BadZipFile('Bad offset for central directory');
  const cd = data.subarray(startDir, startDir + rec.size);
  const out: PyZipInfo[] = [];
  let p = 0;
  while (p < rec.size) {
    const [info, length] = centralDirectoryEntry(cd, p);
    info.headerOffset += concat;
    out.push(info);
    p += length;
  }
  return out;
}

/** The central-directory record at `p`: its `ZipInfo` and the record's length. */
function centralDirectoryEntry(cd: Buffer, p: number): [PyZipInfo, number] {
  if (p + 46 > cd.length) throw new BadZipFile('Truncated central directory');
  if (cd.readUInt32LE(p) !== 0x02014b50) throw new BadZipFile('Bad magic number for central directory');
  const flagBits = cd.readUInt16LE(p + 8);
  const nameLen = cd.readUInt16LE(p + 28);
  const extraLen = cd.readUInt16LE(p + 30);
  const commentLen = cd.readUInt16LE(p + 32);
  const nameBytes = cd.subarray(p + 46, p + 46 + nameLen);
  let origFilename: string;
  try {
    origFilename = flagBits & 0x800 ? utf8Strict.decode(nameBytes) : decodeCp437(nameBytes);
  } catch {
    throw new BadZipFile('File name is not valid UTF-8'); // UnicodeDecodeError in Python
  }
  const info: PyZipInfo = {
    origFilename,
    filename: origFilename.split('\0')[0] as string,
    flagBits,
    compressType: cd.readUInt16LE(p + 10),
    crc: cd.readUInt32LE(p + 16),
    compressSize: cd.readUInt32LE(p + 20),
    fileSize: cd.readUInt32LE(p + 24),
    headerOffset: cd.readUInt32LE(p + 42),
  };
  decodeExtra(info, cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen), nameBytes);
  return [info, 46 + nameLen + extraLen + commentLen];
}

/** ZipInfo._decodeExtra: ZIP64 sizes/offset, Info-ZIP Unicode Path. */
function decodeExtra(info: PyZipInfo, extraBytes: Buffer, nameBytes: Buffer): void {
  let extra = extraBytes;
  while (extra.length >= 4) {
    const tp = extra.readUInt16LE(0);
    const ln = extra.readUInt16LE(2);
    if (ln + 4 > extra.length) throw new BadZipFile(`Corrupt extra field ${tp.toString(16).padStart(4, '0')} (size=${ln})`);
    const field = extra.subarray(4, ln + 4);
    if (tp === 0x0001) decodeZip64Extra(info, field);
    else if (tp === 0x7075) {
      if (field.length < 5) throw new BadZipFile('Corrupt unicode path extra field (0x7075)');
      if (field[0] === 1 && field.readUInt32LE(1) === crc32(nameBytes)) {
        let name: string;
        try {
          name = utf8Strict.decode(field.subarray(5));
        } catch {
          throw new BadZipFile('Corrupt unicode path extra field (0x7075): invalid utf-8 bytes');
        }
        if (name) info.filename = name.split('\0')[0] as string;
      }
    }
    extra = extra.subarray(ln + 4);
  }
}

/** The ZIP64 extra field: the 64-bit values of the fields whose 32-bit value is 0xffffffff, in order. */
function decodeZip64Extra(info: PyZipInfo, field: Buffer): void {
  let q = 0;
  const next = (what: string): number => {
    if (q + 8 > field.length) throw new BadZipFile(`Corrupt zip64 extra field. ${what} not found.`);
    q += 8;
    return u64(field, q - 8);
  };
  if (info.fileSize === 0xffffffff) info.fileSize = next('File size');
  if (info.compressSize === 0xffffffff) info.compressSize = next('Compress size');
  if (info.headerOffset === 0xffffffff) info.headerOffset = next('Header offset');
}

/** `ZipFile.read(name)`: undefined for KeyError (no such member); throws BadZipFile on a bad header, size or CRC. */
export function pyZipRead(data: Buffer, infos: PyZipInfo[], name: string): Buffer | undefined {
  let info: PyZipInfo | undefined;
  for (const i of infos) if (i.filename === name) info = i; // NameToInfo: the last one wins
  if (!info) return undefined;
  const h = info.headerOffset;
  if (h < 0 || h + 30 > data.length) throw new BadZipFile('Truncated file header');
  if (data.readUInt32LE(h) !== 0x04034b50) throw new BadZipFile('Bad magic number for file header');
  const nameLen = data.readUInt16LE(h + 26);
  const extraLen = data.readUInt16LE(h + 28);
  const fname = data.subarray(h + 30, h + 30 + nameLen);
  if (info.flagBits & 0x60) throw new BadZipFile('unsupported flag bits'); // NotImplementedError in Python
  let fnameStr: string;
  try {
    fnameStr = data.readUInt16LE(h + 6) & 0x800 ? utf8Strict.decode(fname) : decodeCp437(fname);
  } catch {
    throw new BadZipFile('File name in header is not valid UTF-8');
  }
  if (fnameStr !== info.origFilename) throw new BadZipFile(`File name in directory ${pyRepr(info.origFilename)} and header ${pyRepr(fnameStr)} differ.`);
  if (info.flagBits & 0x1) throw new BadZipFile(`File ${pyRepr(name)} is encrypted, password required for extraction`);
  const start = h + 30 + nameLen + extraLen;
  const raw = data.subarray(start, start + info.compressSize);
  if (raw.length < info.compressSize) throw new BadZipFile('Truncated member'); // EOFError in Python
  let out: Buffer;
  try {
    if (info.compressType === 0) out = Buffer.from(raw);
    else if (info.compressType === 8) out = inflateRawSync(raw);
    else throw new Error('That compression method is not supported');
  } catch {
    throw new BadZipFile('Error -3 while decompressing data'); // zlib.error in Python
  }
  if (crc32(out) !== info.crc) throw new BadZipFile(`Bad CRC-32 for file ${pyRepr(name)}`);
  return out;
}
