/**
 * The distribution's own name against the form's, in legacy.py's order: the sdist filename (PEP 625) and its
 * License-File members; the wheel filename (packaging's parser, platform tags, name, version), then its
 * License-File members, utils/wheel.py `validate_record` / `validate_entrypoints`, METADATA and the name length.
 */
import { posixJoin } from '../../archives.js';
import { pyCommonPath } from '../archive/dist-file.js';
import { entryPointsValid } from '../../../warehouse/entry-points.js';
import { pyZipRead, type PyZipInfo } from '../archive/zipfile.js';
import { pyRepr, utf8Strict } from '../python.js';
import { normalizePep503 } from '../rules/names.js';
import { parsePep440, type Pep440Version } from '../rules/pep440.js';
import { parseWheelFilename, validPlatformTag } from '../rules/wheel-filename.js';
import { refuse } from './refusal.js';

export interface NamedDist {
  filename: string;
  bytes: Buffer;
  /** The form's name as sent (the project's display name) and PEP 503-normalised. */
  displayName: string;
  normalized: string;
  version: Pep440Version;
  licenseFiles: string[];
  /** Archive members, read when archives are checked (`checkArchives`); else undefined. */
  members?: { zipInfos: PyZipInfo[]; tarNames: string[] };
}

/** PEP 625: `{normalized_name}-{version}.tar.gz`, then every License-File in the archive. */
export function checkSdistName(d: NamedDist): void {
  const { filename, normalized, version } = d;
  const expectedPrefix = normalized.replace(/-/g, '_');
  const stem = filename.endsWith('.tar.gz') ? filename.slice(0, -7) : filename.endsWith('.zip') ? filename.slice(0, -4) : undefined;
  const dash = stem?.lastIndexOf('-') ?? -1;
  if (stem === undefined || dash < 0 || !parsePep440(stem.slice(dash + 1))) refuse(400, `Invalid source distribution filename: ${filename}`);
  let nameFromFilename = stem.slice(0, dash);
  if (version.isPostRelease && normalizePep503(nameFromFilename) !== normalized && filename.split('-').length - 1 >= 2) {
    // Warehouse: the version may contain a hyphen (`1.0-1`); split on the second-to-last hyphen instead.
    const head = filename.slice(0, filename.lastIndexOf('-'));
    nameFromFilename = head.includes('-') ? head.slice(0, head.lastIndexOf('-')) : '';
  }
  if (normalizePep503(nameFromFilename) !== normalized) refuse(400, `Start filename for ${pyRepr(d.displayName)} with ${pyRepr(expectedPrefix)}.`);
  const expected = `${expectedPrefix}-${version.normalized}.tar.gz`;
  if (filename !== expected) refuse(400, `Filename ${pyRepr(filename)} is invalid, should be ${pyRepr(expected)}.`);
  if (d.members) {
    const top = pyCommonPath(d.members.tarNames);
    for (const lf of d.licenseFiles) {
      const target = posixJoin(top, lf);
      if (!d.members.tarNames.includes(target)) refuse(400, `License-File ${lf} does not exist in distribution file ${filename} at ${target}`);
    }
  }
}

/** The wheel filename: parsable, supported platform tags, the project's normalised name, the form's version. */
export function checkWheelName(d: NamedDist): void {
  const { filename, normalized, version } = d;
  const expectedPrefix = normalized.replace(/-/g, '_');
  const parsed = parseWheelFilename(filename);
  if ('error' in parsed) refuse(400, parsed.error);
  for (const plat of parsed.platforms) {
    if (!validPlatformTag(plat)) refuse(400, `Binary wheel '${filename}' has an unsupported platform tag '${plat}'.`);
  }
  if (normalized !== parsed.name) refuse(400, `Start filename for ${pyRepr(d.displayName)} with ${pyRepr(expectedPrefix)}.`);
  const nameFromFilename = filename.split('-')[0] ?? '';
  if (nameFromFilename !== expectedPrefix) {
    refuse(400, `Filename ${pyRepr(filename)} should contain the normalized project name ${pyRepr(expectedPrefix)}, not ${pyRepr(nameFromFilename)}.`);
  }
  if (parsed.version.canonical !== version.canonical) {
    refuse(400, `Version in filename should be ${pyRepr(version.normalized)} not ${pyRepr(parsed.version.normalized)}.`);
  }
}

/** The wheel's .dist-info: License-File members, a decodable RECORD, valid entry points, METADATA; the name length. */
export function checkWheelContents(d: NamedDist, zipInfos: PyZipInfo[]): void {
  const { filename, bytes } = d;
  const [n, v] = filename.split('-');
  const member = (path: string): Buffer | undefined => {
    try {
      return pyZipRead(bytes, zipInfos, path);
    } catch {
      return undefined;
    }
  };
  for (const lf of d.licenseFiles) {
    const target = `${n}-${v}.dist-info/licenses/${lf}`;
    if (!member(target)) refuse(400, `License-File ${lf} does not exist in distribution file ${filename} at ${target}`);
  }
  // warehouse/utils/wheel.py `validate_record`: missing or undecodable RECORD is an error (a mismatch only mails).
  const record = member(`${n}-${v}.dist-info/RECORD`);
  let recordOk = record !== undefined;
  try {
    if (record) utf8Strict.decode(record);
  } catch {
    recordOk = false;
  }
  if (!recordOk) refuse(400, `Wheel '${filename}' does not contain the required RECORD file: ${n}-${v}.dist-info/RECORD`);
  const entryPoints = member(`${n}-${v}.dist-info/entry_points.txt`);
  if (entryPoints && !entryPointsValid(entryPoints)) refuse(400, `Wheel '${filename}' has invalid entry points defined in the entry_points.txt file`);
  if (!member(`${n}-${v}.dist-info/METADATA`)) {
    refuse(400, `Wheel '${filename}' does not contain the required METADATA file: ${n}-${v}.dist-info/METADATA`);
  }
  // The METADATA is written next to the upload as `<filename>.metadata`: a name over 255 bytes fails.
  if (Buffer.byteLength(filename) + '.metadata'.length > 255) refuse(400, `Filename is too long: '${filename}'`);
}
