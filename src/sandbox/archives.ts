/**
 * Archive readers the PyPI sandbox uses to reproduce Warehouse's `_is_valid_dist_file`: the member names of
 * a ZIP (wheel, legacy sdist) or a gzip'd tar (sdist), read from memory with node:zlib only.
 */
import { gunzipSync } from 'node:zlib';

export interface ZipEntryInfo {
  name: string;
  method: number;
}

/** Lists the central directory of a ZIP, or returns null when the data is not a ZIP (like `zipfile.is_zipfile`). */
export function listZip(data: Buffer): ZipEntryInfo[] | null {
  const min = Math.max(0, data.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = data.length - 22; i >= min; i--) {
    if (data.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return null;
  const count = data.readUInt16LE(eocd + 10);
  let p = data.readUInt32LE(eocd + 16);
  const out: ZipEntryInfo[] = [];
  for (let n = 0; n < count; n++) {
    if (p + 46 > data.length || data.readUInt32LE(p) !== 0x02014b50) return null;
    const method = data.readUInt16LE(p + 10);
    const nameLen = data.readUInt16LE(p + 28);
    const extraLen = data.readUInt16LE(p + 30);
    const commentLen = data.readUInt16LE(p + 32);
    out.push({ name: data.subarray(p + 46, p + 46 + nameLen).toString('utf8'), method });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// TAR
// ---------------------------------------------------------------------------------------------------------------

function cString(buf: Buffer): string {
  const z = buf.indexOf(0);
  return (z < 0 ? buf : buf.subarray(0, z)).toString('utf8');
}

/**
 * Member names of a .tar.gz the way Python's tarfile reports them (directory names without a trailing slash),
 * or null when it is not a gzip'd tar (like `tarfile.is_tarfile`).
 */
export function listTarGz(data: Buffer): string[] | null {
  let tar: Buffer;
  try {
    tar = gunzipSync(data);
  } catch {
    return null;
  }
  const names: string[] = [];
  let p = 0;
  let nextName: string | undefined;
  while (p + 512 <= tar.length) {
    const h = tar.subarray(p, p + 512);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : (h[i] ?? 0);
    if (parseInt(cString(h.subarray(148, 156)).trim(), 8) !== sum) return names.length ? names : null;
    const size = parseInt(cString(h.subarray(124, 136)).trim() || '0', 8);
    const type = String.fromCharCode(h[156] ?? 0x30);
    const dataStart = p + 512;
    const body = tar.subarray(dataStart, dataStart + size);
    p = dataStart + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'));
      if (m) nextName = m[1];
      continue;
    }
    if (type === 'L') {
      nextName = cString(body);
      continue;
    }
    if (type === 'g') continue;
    let name = cString(h.subarray(0, 100));
    if (cString(h.subarray(257, 263)).startsWith('ustar')) {
      const prefix = cString(h.subarray(345, 500));
      if (prefix) name = `${prefix}/${name}`;
    }
    if (nextName !== undefined) {
      name = nextName;
      nextName = undefined;
    }
    if (type === '5' || ((type === '0' || type === '\0') && name.endsWith('/'))) name = name.replace(/\/+$/, '');
    names.push(name);
  }
  return names;
}

/** `os.path.commonprefix`: character-wise common prefix. */
export function commonPrefix(names: string[]): string {
  if (names.length === 0) return '';
  let prefix = names[0] ?? '';
  for (const n of names) {
    let i = 0;
    while (i < prefix.length && i < n.length && prefix[i] === n[i]) i++;
    prefix = prefix.slice(0, i);
  }
  return prefix;
}

/** `os.path.join(a, b)` for POSIX relative paths. */
export function posixJoin(a: string, b: string): string {
  if (a === '' || a.endsWith('/')) return a + b;
  return `${a}/${b}`;
}
