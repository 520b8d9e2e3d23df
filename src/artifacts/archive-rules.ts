/**
 * What PyPI refuses in what an archive holds, known while the file is inspected, so that only the
 * findings are kept (never the member list): License-File members (forklift/legacy.py, #20081) and
 * entry points (utils/wheel.py `_validate_entrypoints`). pip installs such files and Gitea stores
 * them: PyPI's refusals, except entry points pip itself cannot read (an error for every target).
 */
import type { DistFilename } from './filename.js';
import { compareMetadataVersions, type CoreMetadata } from './metadata.js';
import type { Refusal } from './validate.js';
import { entryPointsValid } from '../warehouse/entry-points.js';
import { shorten } from '../util/text.js';

export interface ArchiveContents {
  /** Member names, when the reader kept them (read-metadata.ts MEMBER_NAMES_CAP). */
  members?: ReadonlySet<string>;
  /** A wheel's entry_points.txt, where Warehouse looks for it. */
  entryPoints?: Buffer;
}

/** What the archive's contents make of the file: errors (pip cannot install it) and PyPI's refusals. */
export function archiveFindings(meta: CoreMetadata, dist: DistFilename, filename: string, contents: ArchiveContents): { errors: string[]; pypi: Refusal[] } {
  const errors: string[] = [];
  const out: Refusal[] = [];
  // Warehouse checks the License-File entries the form carries; twine (and our form, upload/form.ts)
  // drops them below Metadata-Version 2.4, where setuptools writes them without the files.
  const licenseFiles = compareMetadataVersions(meta.single.metadata_version ?? '0', '2.4') >= 0 ? (meta.multi.license_files ?? []) : [];
  const { members } = contents;
  if (members && licenseFiles.length > 0) {
    const where = licenseFolder(dist, members);
    for (const lf of licenseFiles) {
      const target = `${where}${lf}`;
      if (!members.has(target)) {
        out.push({
          reason: `License-File ${lf} does not exist in distribution file ${filename} at ${target}`,
          fix:
            dist.kind === 'wheel'
              ? 'rebuild with a backend that copies License-File entries into .dist-info/licenses/ (setuptools 77+, hatchling 1.27+)'
              : 'include the licence file in the sdist, or drop it from license-files',
        });
      }
    }
  }
  if (dist.kind === 'wheel' && contents.entryPoints) {
    const broken = pipEntryPointsProblem(contents.entryPoints);
    if (broken) errors.push(`${dist.namePart}-${dist.version}.dist-info/entry_points.txt: ${broken}: pip cannot install the wheel`);
    else if (!entryPointsValid(contents.entryPoints)) {
      out.push({
        reason: `Wheel '${filename}' has invalid entry points defined in the entry_points.txt file`,
        fix: 'fix [project.scripts] / [project.entry-points] so that entry_points.txt is an INI file of name = value lines',
      });
    }
  }
  return { errors, pypi: out };
}

/**
 * Where pip fails to install a wheel for its entry points: pip reads them all (for console_scripts)
 * with importlib.metadata's `Sectioned` parser, which splits lines as str.splitlines(), skips blank
 * lines and '#' comments and lines before the first section, and splits every other line at '=':
 * a line without one raises (TypeError in Pair.parse, pip 23 on Python 3.11). Anything else that only
 * configparser refuses (a duplicate key, a ';' comment) installs, and is PyPI's refusal.
 */
function pipEntryPointsProblem(bytes: Buffer): string | undefined {
  const lines = bytes.toString('utf8').split(/\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/);
  let inSection = false;
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[') && line.endsWith(']')) inSection = true;
    else if (inSection && !line.includes('=')) return `line ${index + 1} ('${shorten(line, 60)}') is not 'name = value'`;
  }
  return undefined;
}

/**
 * Where Warehouse looks for a License-File: a wheel's `{name}-{version}.dist-info/licenses/` with name
 * and version split from its file name; an sdist's top folder (Python's os.path.commonpath of the names).
 */
function licenseFolder(dist: DistFilename, members: ReadonlySet<string>): string {
  if (dist.kind === 'wheel') return `${dist.namePart}-${dist.version}.dist-info/licenses/`;
  let top: string | undefined;
  for (const name of members) {
    const first = name.replace(/^(\.\/)+/, '').split('/')[0] ?? '';
    if (top === undefined) top = first;
    else if (top !== first) return '';
  }
  return top ? `${top}/` : '';
}
