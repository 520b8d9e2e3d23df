/**
 * Wheel filenames and platform tags: packaging.utils `parse_wheel_filename` here, and warehouse/forklift/legacy.py
 * `_valid_platform_tag` from src/warehouse/ (Warehouse's own rule, shared with the client's predictions).
 */
import { pyRepr } from '../python.js';
import { normalizePep503 } from './names.js';
import { parsePep440, type Pep440Version } from './pep440.js';

export { validPlatformTag } from '../../../warehouse/platform-tags.js';

/** packaging.utils.parse_wheel_filename → [canonical name, version, platforms] or an error message. */
export function parseWheelFilename(filename: string): { name: string; version: Pep440Version; platforms: string[] } | { error: string } {
  if (!filename.endsWith('.whl')) return { error: `Invalid wheel filename (extension must be '.whl'): ${pyRepr(filename)}` };
  const stem = filename.slice(0, -4);
  const dashes = stem.split('-').length - 1;
  if (dashes !== 4 && dashes !== 5) return { error: `Invalid wheel filename (wrong number of parts): ${pyRepr(stem)}` };
  const all = stem.split('-');
  const namePart = all[0] ?? '';
  if (namePart.includes('__') || !/^[\p{L}\p{N}\p{M}_.]*$/u.test(namePart)) return { error: `Invalid project name: ${pyRepr(stem)}` };
  const version = parsePep440(all[1] ?? '');
  if (!version) return { error: `Invalid wheel filename (invalid version): ${pyRepr(stem)}` };
  if (dashes === 5 && !/^\d/.test(all[2] ?? '')) return { error: `Invalid build number: ${all[2] ?? ''} in ${pyRepr(stem)}` };
  const platforms = (all[all.length - 1] ?? '').split('.');
  return { name: normalizePep503(namePart), version, platforms };
}
