/**
 * Wheel filenames and platform tags: packaging.utils `parse_wheel_filename` and warehouse/forklift/legacy.py
 * `_valid_platform_tag`.
 */
import { pyRepr } from '../python.js';
import { normalizePep503 } from './names.js';
import { parsePep440, type Pep440Version } from './pep440.js';

const ALLOWED_PLATFORMS = new Set([
  'any',
  'win32',
  'win_arm64',
  'win_amd64',
  'win_ia64',
  'manylinux1_x86_64',
  'manylinux1_i686',
  'manylinux2010_x86_64',
  'manylinux2010_i686',
  'manylinux2014_x86_64',
  'manylinux2014_i686',
  'manylinux2014_aarch64',
  'manylinux2014_armv7l',
  'manylinux2014_ppc64',
  'manylinux2014_ppc64le',
  'manylinux2014_s390x',
  'linux_armv6l',
  'linux_armv7l',
]);
const MACOS_ARCHES = new Set(['ppc', 'ppc64', 'i386', 'x86_64', 'arm64', 'intel', 'fat', 'fat3', 'fat64', 'universal', 'universal2']);
const MACOS_MAJORS = new Set(['11', '12', '13', '14', '15', '26']);
const LINUX_ARCHES = new Set(['x86_64', 'i686', 'aarch64', 'armv7l', 'ppc64le', 's390x', 'riscv64']);

export function validPlatformTag(tag: string): boolean {
  if (ALLOWED_PLATFORMS.has(tag)) return true;
  let m = /^macosx_(\d+)_(\d+)_(.*)$/.exec(tag);
  if (m && m[1] === '10' && MACOS_ARCHES.has(m[3] ?? '')) return true;
  if (m && MACOS_MAJORS.has(m[1] ?? '') && m[2] === '0' && MACOS_ARCHES.has(m[3] ?? '')) return true;
  m = /^(many|musl)linux_(\d+)_(\d+)_(.*)$/.exec(tag);
  if (m) return LINUX_ARCHES.has(m[4] ?? '') || (m[1] === 'many' && m[4] === 'ppc64');
  // Python's re.match anchors only at the start: a tag may go on after the part the pattern needs.
  m = /^ios_(\d+)_(\d+)_(.*)_(iphoneos|iphonesimulator)/.exec(tag);
  if (m && (m[3] === 'arm64' || m[3] === 'x86_64')) return true;
  m = /^android_(\d+)_(.*)$/.exec(tag);
  if (m && ['armeabi_v7a', 'arm64_v8a', 'x86', 'x86_64'].includes(m[2] ?? '')) return true;
  return /^pyemscripten_(\d+)_(\d+)_wasm32/.test(tag);
}

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
