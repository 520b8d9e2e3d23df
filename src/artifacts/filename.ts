/**
 * Distribution file names: the wheel spec's `{name}-{ver}(-{build})?-{py}-{abi}-{plat}.whl` and
 * sdists' `{name}-{ver}.tar.gz` (PEP 625) or legacy `.zip`. We decide what a file is from its name
 * before opening it, as twine and uv do.
 */
import { normalizeVersion, parseVersion } from './pep440.js';

/** PEP 503 normalisation: lower case, runs of `-`, `_`, `.` become one `-`. */
export function normalizeName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** twine's `_safe_name`, copied from pkg_resources for Warehouse's sake: runs of [^A-Za-z0-9.] -> '-'. */
export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9.]+/g, '-');
}

/** The name as it must appear in wheel and PEP 625 sdist file names: normalised, `-` as `_`. */
export function fileNameComponent(name: string): string {
  return normalizeName(name).replace(/-/g, '_');
}

export interface WheelFilename {
  kind: 'wheel';
  filename: string;
  /** The name part exactly as written in the file name. */
  namePart: string;
  /** PEP 503 normalised project name. */
  name: string;
  /** The version part as written (with `_` for `-`, per the wheel spec's escaping). */
  version: string;
  buildTag?: string;
  pythonTags: string[];
  abiTags: string[];
  platformTags: string[];
}

export interface SdistFilename {
  kind: 'sdist';
  filename: string;
  format: 'tar.gz' | 'zip';
  namePart: string;
  name: string;
  version: string;
  /** True when the file name is what PEP 625 prescribes: normalised name and version, `.tar.gz`. */
  pep625: boolean;
}

export type DistFilename = WheelFilename | SdistFilename;

export type FilenameResult = { ok: true; value: DistFilename } | { ok: false; problem: string };

/** Is this file name one of ours by its extension (whatever the rest says)? */
export function distributionExtension(filename: string): 'whl' | 'tar.gz' | 'zip' | undefined {
  const lower = filename.toLowerCase();
  if (lower.endsWith('.whl')) return 'whl';
  if (lower.endsWith('.tar.gz')) return 'tar.gz';
  if (lower.endsWith('.zip')) return 'zip';
  return undefined;
}

// packaging: `^[\w\d._]*$` with re.UNICODE, and no `__`.
const WHEEL_NAME_PART = /^[\p{L}\p{N}_.]*$/u;
const BUILD_TAG = /^[0-9]/;

export function parseWheelFilename(filename: string): FilenameResult {
  if (!filename.endsWith('.whl')) return { ok: false, problem: 'a wheel file name must end in .whl' };
  const stem = filename.slice(0, -'.whl'.length);
  const parts = stem.split('-');
  if (parts.length !== 5 && parts.length !== 6) {
    return {
      ok: false,
      problem: `invalid wheel file name (expected NAME-VERSION(-BUILD)?-PYTHON-ABI-PLATFORM.whl, found ${parts.length} parts)`,
    };
  }
  const [namePart = '', version = ''] = parts;
  if (namePart === '' || namePart.includes('__') || !WHEEL_NAME_PART.test(namePart)) {
    return { ok: false, problem: `invalid project name '${namePart}' in wheel file name` };
  }
  if (!parseVersion(version)) {
    return { ok: false, problem: `invalid version '${version}' in wheel file name (not PEP 440)` };
  }
  const buildTag = parts.length === 6 ? parts[2] : undefined;
  if (buildTag !== undefined && !BUILD_TAG.test(buildTag)) {
    return { ok: false, problem: `invalid build tag '${buildTag}' in wheel file name (must start with a digit)` };
  }
  const [py = '', abi = '', plat = ''] = parts.slice(-3);
  if (!py || !abi || !plat) return { ok: false, problem: 'invalid wheel file name (empty tag)' };
  const value: WheelFilename = {
    kind: 'wheel',
    filename,
    namePart,
    name: normalizeName(namePart),
    version,
    pythonTags: py.split('.'),
    abiTags: abi.split('.'),
    platformTags: plat.split('.'),
  };
  if (buildTag !== undefined) value.buildTag = buildTag;
  return { ok: true, value };
}

export function parseSdistFilename(filename: string): FilenameResult {
  const ext = distributionExtension(filename);
  if (ext !== 'tar.gz' && ext !== 'zip') {
    return { ok: false, problem: 'a source distribution must end in .tar.gz (or legacy .zip)' };
  }
  const stem = filename.slice(0, -(ext.length + 1));
  const dash = stem.lastIndexOf('-');
  if (dash <= 0) return { ok: false, problem: 'invalid source distribution file name (expected NAME-VERSION.tar.gz)' };
  const namePart = stem.slice(0, dash);
  const version = stem.slice(dash + 1);
  const normalVersion = normalizeVersion(version);
  if (normalVersion === undefined) {
    return { ok: false, problem: `invalid version '${version}' in source distribution file name (not PEP 440)` };
  }
  return {
    ok: true,
    value: {
      kind: 'sdist',
      filename,
      format: ext,
      namePart,
      name: normalizeName(namePart),
      version,
      pep625: ext === 'tar.gz' && namePart === fileNameComponent(namePart) && version === normalVersion,
    },
  };
}

export function parseDistFilename(filename: string): FilenameResult {
  const ext = distributionExtension(filename);
  if (ext === 'whl') return parseWheelFilename(filename);
  if (ext === 'tar.gz' || ext === 'zip') return parseSdistFilename(filename);
  return { ok: false, problem: 'not a distribution (expected .whl, .tar.gz or .zip)' };
}

/** The PEP 625 file name PyPI expects for an sdist of this project and version. */
export function pep625SdistFilename(name: string, version: string): string {
  return `${fileNameComponent(name)}-${normalizeVersion(version) ?? version}.tar.gz`;
}
