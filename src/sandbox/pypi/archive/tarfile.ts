/** gzip'd tar archives as Warehouse's Python sees them: CPython `tarfile.is_tarfile`. */
import { constants as zlibConstants, gunzipSync } from 'node:zlib';

/** `tarfile.is_tarfile`: a readable first header, plain or gzip'd (bz2/xz/zst are not tried here). */
export function pyIsTarfile(data: Buffer): boolean {
  const headerOk = (b: Buffer): boolean => {
    if (b.length < 512) return false;
    const h = b.subarray(0, 512);
    if (h.every((x) => x === 0)) return true; // an empty archive
    const field = h.subarray(148, 156);
    const text = field
      .subarray(0, field.indexOf(0) < 0 ? 8 : field.indexOf(0))
      .toString('latin1')
      .trim();
    if (!/^[0-7]*$/.test(text)) return false;
    const chk = parseInt(text || '0', 8);
    let unsigned = 256;
    let signed = 256;
    for (let i = 0; i < 512; i++) {
      if (i >= 148 && i < 156) continue;
      const x = h[i] as number;
      unsigned += x;
      signed += x > 127 ? x - 256 : x;
    }
    return chk === unsigned || chk === signed;
  };
  if (headerOk(data)) return true;
  if (data[0] !== 0x1f || data[1] !== 0x8b) return false;
  try {
    return headerOk(gunzipSync(data, { finishFlush: zlibConstants.Z_SYNC_FLUSH }));
  } catch {
    return false;
  }
}
