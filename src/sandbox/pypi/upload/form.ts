/**
 * The upload form as Warehouse reads it: forklift/decorators.py `sanitize` (the outermost view decorator, so it
 * runs before authentication), then forms.py `UploadForm` (field validators, then `validate()`'s pyversion and
 * digest rules).
 */
import { isFilePart, type FormPart } from '../../http/multipart.js';
import { CORE_METADATA } from '../help-links.js';
import { pyRepr } from '../python.js';
import { PROJECT_NAME_RE } from '../rules/names.js';
import type { PackageType } from '../store.js';
import { refuse } from './refusal.js';

/** The sanitised form, read like `request.POST`: text values by name, and the `content` file part. */
export class UploadForm {
  constructor(readonly parts: FormPart[]) {}

  values(k: string): string[] {
    return this.parts.filter((p) => p.name === k && !isFilePart(p)).map((p) => p.data.toString('utf8'));
  }

  first(k: string): string | undefined {
    return this.values(k)[0];
  }

  /** The first value, unless missing or empty. */
  present(k: string): string | undefined {
    const v = this.first(k);
    return v === undefined || v === '' ? undefined : v;
  }

  textFields(): Array<[string, string]> {
    return this.parts.filter((p) => !isFilePart(p)).map((p): [string, string] => [p.name, p.data.toString('utf8')]);
  }

  content(): FormPart | undefined {
    return this.parts.find((p) => p.name === 'content' && isFilePart(p));
  }
}

/**
 * decorators.py `sanitize`: for each key, if its last value (MultiDict.get) is "UNKNOWN" after strip, every value
 * of the key is dropped; a NUL becomes the text "\x00"; then any metadata field sent as a file part is refused.
 */
export function sanitize(parts: FormPart[]): UploadForm {
  const text = (p: FormPart): string => p.data.toString('utf8');
  let form = parts.slice();
  for (const key of parts.map((p) => p.name)) {
    const last = [...form].reverse().find((p) => p.name === key);
    if (!last || isFilePart(last)) continue;
    const value = text(last);
    if (value.trim() === 'UNKNOWN') form = form.filter((p) => p.name !== key);
    if (value.includes('\0')) form = [...form.filter((p) => p.name !== key), { name: key, data: Buffer.from(value.replace(/\0/g, '\\x00')) }];
  }
  const tuple = form.find((p) => isFilePart(p) && p.name !== 'content' && p.name !== 'gpg_signature');
  if (tuple) refuse(400, `${tuple.name}: Should not be a tuple.`);
  return new UploadForm(form);
}

export interface UploadFields {
  name: string;
  filetype: PackageType;
  digests: { md5?: string; sha256?: string; blake2_256?: string };
}

/**
 * forms.py `UploadForm`: field validators first (error field: `name`, else sorted: blake2_256_digest, filetype,
 * sha256_digest), then `validate()`'s pyversion and digest rules.
 */
export function validateUploadForm(form: UploadForm): UploadFields {
  const nameValue = form.first('name') ?? '';
  if (!nameValue || !PROJECT_NAME_RE.test(nameValue)) {
    const shown = nameValue.length > 60 ? `${nameValue.slice(0, 30)}...${nameValue.slice(-30)}` : nameValue;
    const why = nameValue ? "Start and end with a letter or numeral containing only ASCII numeric and '.', '_' and '-'." : 'This field is required.';
    refuse(400, `${pyRepr(shown)} is an invalid value for Name. Error: ${why} See ${CORE_METADATA} for more information.`);
  }
  const blakeDigest = form.present('blake2_256_digest');
  const sha256Digest = form.present('sha256_digest');
  const md5Digest = form.present('md5_digest');
  if (blakeDigest !== undefined && blakeDigest.trim() !== '' && !/^[A-F0-9]{64}$/i.test(blakeDigest)) {
    refuse(400, 'Invalid value for blake2_256_digest. Error: Use a valid, hex-encoded, BLAKE2 message digest.');
  }
  const filetype = form.first('filetype') ?? '';
  if (filetype === '') refuse(400, 'Invalid value for filetype. Error: This field is required.');
  if (filetype !== 'sdist' && filetype !== 'bdist_wheel') refuse(400, 'Invalid value for filetype. Error: Use a known file type.');
  if (sha256Digest !== undefined && sha256Digest.trim() !== '' && !/^[A-F0-9]{64}$/i.test(sha256Digest)) {
    refuse(400, 'Invalid value for sha256_digest. Error: Use a valid, hex-encoded, SHA256 message digest.');
  }
  const pyversion = form.present('pyversion');
  if (filetype !== 'sdist' && pyversion === undefined) {
    refuse(400, 'Invalid value for pyversion. Error: Python version is required for binary distribution uploads.');
  }
  if (filetype === 'sdist' && pyversion !== undefined && pyversion !== 'source') {
    refuse(400, "Invalid value for pyversion. Error: Use 'source' as Python version for an sdist.");
  }
  if (!md5Digest && !sha256Digest && !blakeDigest) refuse(400, 'Error: Include at least one message digest.');
  return { name: nameValue, filetype, digests: { md5: md5Digest, sha256: sha256Digest, blake2_256: blakeDigest } };
}
