/**
 * Checks of the uploaded file itself, in legacy.py's order: `_validate_filename` and the extension for the
 * filetype, the part's content type, the size limit, every supplied digest, duplicates (by name or blake2 anywhere;
 * the identical file again is a 200 that stores nothing), the release's age (14 days), and one sdist per release.
 */
import type { FormPart } from '../../http/multipart.js';
import { HELP } from '../help-links.js';
import { pyRepr } from '../python.js';
import type { PypiSite } from '../site.js';
import type { PackageType, PProject, PypiStore } from '../store.js';
import type { UploadFields } from './form.js';
import { refuse } from './refusal.js';

export interface FileHashes {
  md5: string;
  sha256: string;
  blake2_256: string;
}

/** `_validate_filename`, then the extension: one PyPI accepts (PEP 527, PEP 715), and the filetype's. */
export function checkFilename(filename: string, filetype: PackageType): void {
  if (/[\x00-\x1f\x7f]/.test(filename)) {
    refuse(400, 'Cannot upload a file with non-printable characters (ordinals 0-31) or the DEL character (ordinal 127) in the name.');
  }
  if (filename.includes('/') || filename.includes('\\')) refuse(400, "Cannot upload a file with '/' or '\\' in the name.");
  const ext = /^.+?(\.(tar\.gz|zip|whl))$/i.exec(filename)?.[1];
  if (ext === undefined) {
    refuse(
      400,
      'Invalid file extension: Use .tar.gz, .whl or .zip extension. See https://www.python.org/dev/peps/pep-0527 and https://peps.python.org/pep-0715/ for more information',
    );
  }
  const allowed = filetype === 'sdist' ? ['.zip', '.tar.gz'] : ['.whl'];
  if (!allowed.includes(ext)) {
    refuse(
      400,
      `Invalid file extension: Extension ${ext} is invalid for filetype ${filetype}. See https://www.python.org/dev/peps/pep-0527 for more information.`,
    );
  }
}

/** The part's content type (not an image) and the size limit; returns the file's bytes. */
export function checkFileContent(site: PypiSite, content: FormPart, displayName: string): Buffer {
  const partType = content.contentType ?? 'text/plain'; // cgi.FieldStorage default
  if (!partType || partType.toLowerCase().startsWith('image/')) refuse(400, 'Invalid distribution file.');
  const bytes = content.data;
  if (bytes.length > site.fileSizeLimit) {
    refuse(
      400,
      `File too large. Limit for project ${pyRepr(displayName)} is ${Math.floor(site.fileSizeLimit / (1024 * 1024))} MB. ` +
        'See https://docs.pypi.org/project-management/storage-limits#requesting-a-file-size-limit-increase for more information.',
    );
  }
  return bytes;
}

/** Every supplied digest must match. */
export function checkDigests(digests: UploadFields['digests'], hashes: FileHashes): void {
  if (
    (digests.md5 !== undefined && digests.md5.toLowerCase() !== hashes.md5) ||
    (digests.sha256 !== undefined && digests.sha256.toLowerCase() !== hashes.sha256) ||
    (digests.blake2_256 !== undefined && digests.blake2_256.toLowerCase() !== hashes.blake2_256)
  ) {
    refuse(400, 'The digest supplied does not match a digest calculated from the uploaded file.');
  }
}

/** Same filename or same blake2 anywhere: true for the identical file again (answered 200), else refused. */
export function isIdenticalReupload(store: PypiStore, filename: string, hashes: FileHashes): boolean {
  for (const [, , f] of store.allFiles()) {
    if (f.filename === filename || f.blake2_256 === hashes.blake2_256) {
      if (f.filename === filename && f.sha256 === hashes.sha256 && f.blake2_256 === hashes.blake2_256) return true;
      refuse(
        400,
        `File already exists (${pyRepr(filename)}, with blake2_256 hash ${pyRepr(hashes.blake2_256)}). See ${HELP}#file-name-reuse for more information.`,
      );
    }
  }
  return false;
}

/** forklift/legacy.py `MAXIMUM_AGE_FOR_NEW_UPLOADS_DAYS` (a module constant: no admin flag or setting turns it off). */
export const MAXIMUM_AGE_FOR_NEW_UPLOADS_DAYS = 14;

/**
 * forklift/legacy.py `file_upload` (#19727, 2026-07-08; moved after the duplicate checks by #20260, 2026-07-10, so
 * an identical re-upload to an old release is still the 200 no-op): a new file for a release whose `created` is
 * before now − 14 days → 400. Warehouse compares `release.created < datetime.now() - timedelta(days=14)`; a
 * release this upload creates is new, so only an existing one can be too old.
 */
export function checkReleaseAge(existing: PProject | undefined, canonicalVersion: string, now: number = Date.now()): void {
  const release = existing?.releases.get(canonicalVersion);
  if (release && release.created.getTime() < now - MAXIMUM_AGE_FOR_NEW_UPLOADS_DAYS * 24 * 60 * 60 * 1000) {
    refuse(400, `Uploading new files to releases older than ${MAXIMUM_AGE_FOR_NEW_UPLOADS_DAYS} days is not allowed.`);
  }
}

export function checkOneSdistPerRelease(existing: PProject | undefined, canonicalVersion: string, filetype: PackageType): void {
  const release = existing?.releases.get(canonicalVersion);
  if (filetype === 'sdist' && release?.files.some((f) => f.packagetype === 'sdist')) refuse(400, 'Only one sdist may be uploaded per release.');
}
