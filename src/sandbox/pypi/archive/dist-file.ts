/**
 * warehouse/forklift/legacy.py `_is_valid_dist_file`: the archive must be what its extension says (and not both
 * a zip and a tar), not a zip bomb, use stored/deflated members only, have one top-level directory with PKG-INFO
 * (sdist) or a `{name}-{version}.dist-info/WHEEL` (wheel), and pass utils/zipfiles.py (./zip-framing.ts).
 * (The YARA scan and the refusal of sparse tar members are not reproduced.)
 */
import { listTarGz, posixJoin } from '../../archives.js';
import { pyIsTarfile } from './tarfile.js';
import { validateZipFraming } from '../../../warehouse/zip-framing.js';
import { BadZipFile, pyIsZipfile, pyZipInfolist, pyZipRead, type PyZipInfo } from './zipfile.js';

/** Refused with the reason after "Invalid distribution file." (null prints as "None"), or the members read. */
export type DistFileCheck = { invalid: string | null } | { zipInfos: PyZipInfo[]; tarNames: string[] };

/** `os.path.commonpath` for POSIX (Warehouse `_commonpath`; '' for no names or for mixed absolute/relative). */
export function pyCommonPath(names: string[]): string {
  if (names.length === 0) return '';
  const abs = new Set(names.map((n) => n.startsWith('/')));
  if (abs.size > 1) return ''; // ValueError in Python
  const split = names.map((n) => n.split('/').filter((c) => c !== '' && c !== '.'));
  const cmp = (a: string[], b: string[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as string) < (b[i] as string) ? -1 : 1;
    return a.length - b.length;
  };
  const s1 = split.reduce((m, s) => (cmp(s, m) < 0 ? s : m));
  const s2 = split.reduce((m, s) => (cmp(s, m) > 0 ? s : m));
  let common = s1;
  for (let i = 0; i < s1.length; i++) {
    if (s1[i] !== s2[i]) {
      common = s1.slice(0, i);
      break;
    }
  }
  return (abs.has(true) ? '/' : '') + common.join('/');
}

export function checkDistFile(filename: string, bytes: Buffer): DistFileCheck {
  const isZip = pyIsZipfile(bytes);
  const listed = listTarGz(bytes);
  const isTar = listed !== null || pyIsTarfile(bytes);
  if (isZip && isTar) return { invalid: 'File is both a zip and a tar file' };
  if (filename.endsWith('.zip') || filename.endsWith('.whl')) {
    if (!isZip) return { invalid: 'File is not a zipfile' };
    return checkZipDist(filename, bytes);
  }
  if (filename.endsWith('.tar.gz')) {
    if (!isTar) return { invalid: 'File is not a tarfile' };
    if (!listed) return { invalid: null }; // ReadError / EOFError / zlib.error while reading the members
    // (Sparse members are refused here in Warehouse; not reproduced.)
    const top = pyCommonPath(listed);
    if (top === '.' || top === '/' || top === '') return { invalid: 'Incorrect number of top-level directories in sdist' };
    const target = posixJoin(top, 'PKG-INFO');
    if (!listed.includes(target)) return { invalid: `PKG-INFO not found at ${target}` };
    return { zipInfos: [], tarNames: listed };
  }
  return { zipInfos: [], tarNames: [] };
}

/** A .zip sdist or a wheel; any BadZipFile on the way is the reason-less "None". */
function checkZipDist(filename: string, bytes: Buffer): DistFileCheck {
  try {
    const zipInfos = pyZipInfolist(bytes);
    const decompressed = zipInfos.reduce((n, i) => n + i.fileSize, 0);
    if (decompressed > 64 * 1024 * 1024 && decompressed / bytes.length > 50) return { invalid: 'File exceeds compression ratio of 50' };
    if (zipInfos.some((i) => i.compressType !== 0 && i.compressType !== 8)) return { invalid: 'File does not use a supported compression type' };
    if (filename.endsWith('.zip')) {
      const top = pyCommonPath(zipInfos.map((i) => i.filename));
      if (top === '.' || top === '/' || top === '') return { invalid: 'Incorrect number of top-level directories in sdist' };
      const target = posixJoin(top, 'PKG-INFO');
      if (!pyZipRead(bytes, zipInfos, target)) return { invalid: `PKG-INFO not found at ${target}` };
    } else {
      const [n, v] = filename.split('-');
      if (filename.split('-').length < 3) return { invalid: 'Unable to parse name and version from wheel filename' };
      const target = `${n}-${v}.dist-info/WHEEL`;
      if (!pyZipRead(bytes, zipInfos, target)) return { invalid: `WHEEL not found at ${target}` };
    }
    // (The YARA scan runs here in Warehouse; not reproduced.)
    const framing = validateZipFraming(bytes, new Map(zipInfos.map((i) => [i.origFilename, [i.compressSize, i.fileSize] as const])));
    if (framing) return { invalid: `ZIP archive not accepted: ${framing}. See https://docs.pypi.org/archives for more information` };
    return { zipInfos, tarNames: [] };
  } catch (e) {
    if (e instanceof BadZipFile) return { invalid: null };
    throw e;
  }
}
