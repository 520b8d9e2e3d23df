/**
 * The packaging half of Warehouse's metadata check: warehouse/forklift/metadata.py `parse_form_metadata` (form →
 * `RawMetadata`, unparsable data reported), then packaging.metadata `Metadata.from_raw(raw, validate=True)`: the
 * "introduced in metadata version" rule and the per-field `_process_*` validators, with packaging's messages.
 */
import { identifierProblem, pyRepr } from '../python.js';
import { VALID_NAME_RE } from '../rules/names.js';
import { parsePep440, isValidSpecifierSet, type Pep440Version } from '../rules/pep440.js';
import { parsePep508 } from '../rules/pep508.js';
import { isValidLicenseExpression } from '../rules/spdx.js';
import { EMAIL_FIELDS, FORM_TO_RAW, METADATA_VERSIONS, RAW_FIELDS, type RawKind } from './fields.js';

export type RawMetadata = Record<string, string | string[] | Array<[string, string]>>;

export interface MetadataError {
  /** The error's field (packaging's core-metadata name, or the form name for unparsable data). */
  field: string;
  message: string;
}

/** Stage 1, `parse_form_metadata`: the raw metadata, or the fields whose data could not be parsed. */
export function parseFormMetadata(fields: Array<[string, string]>): { raw: RawMetadata } | { errors: MetadataError[] } {
  const raw: RawMetadata = {};
  const unparsed: MetadataError[] = [];
  for (const formName of new Set(fields.map(([k]) => k))) {
    const rawName = FORM_TO_RAW[formName];
    if (rawName === undefined) continue;
    const value = fields.filter(([k]) => k === formName).map(([, v]) => v);
    if (value.length === 1 && value[0] === '') continue;
    const kind = (RAW_FIELDS[rawName] as [string, string, RawKind])[2];
    const parsed = parseRawValue(kind, value);
    if (parsed === undefined) unparsed.push({ field: formName, message: `${pyRepr(formName)} has invalid data` });
    else raw[rawName] = parsed;
  }
  return unparsed.length > 0 ? { errors: unparsed } : { raw };
}

/** One field's form values as its kind wants them; undefined when they do not fit (e.g. a repeated string field). */
function parseRawValue(kind: RawKind, value: string[]): RawMetadata[string] | undefined {
  if (kind === 'string' && value.length === 1) return value[0] as string;
  if (kind === 'list') return value;
  if (kind === 'keywords' && value.length === 1) return (value[0] as string).split(',').map((k) => k.trim());
  if (kind === 'dict') return parseProjectUrls(value);
  return undefined;
}

/** packaging.metadata `_parse_project_urls`: "label, url" pairs; a repeated label makes the field unparsable. */
function parseProjectUrls(value: string[]): Array<[string, string]> | undefined {
  const urls: Array<[string, string]> = [];
  let duplicate = false;
  for (const pair of value) {
    const comma = pair.indexOf(',');
    const label = (comma < 0 ? pair : pair.slice(0, comma)).trim();
    const url = comma < 0 ? '' : pair.slice(comma + 1).trim();
    if (urls.some(([l]) => l === label)) duplicate = true;
    urls.push([label, url]);
  }
  return duplicate ? undefined : urls;
}

type Report = (message: string) => void;
/** A field's `_process_*` validator: reports (at most) its first error through `err`. */
type FieldCheck = (value: RawMetadata[string] | undefined, err: Report, email: string) => void;

/** Stage 2, `Metadata.from_raw(validate=True)`: every error found, and the parsed version when it is valid. */
export function metadataFromRaw(raw: RawMetadata): { errors: MetadataError[]; version: Pep440Version | null } {
  const errors: MetadataError[] = [];
  const metadataVersion = raw['metadata_version'] as string | undefined;
  const mvIndex = metadataVersion === undefined ? -1 : METADATA_VERSIONS.indexOf(metadataVersion);
  if (mvIndex < 0) {
    errors.push({ field: 'metadata-version', message: `${metadataVersion === undefined ? 'None' : pyRepr(metadataVersion)} is not a valid metadata version` });
  }
  let version: Pep440Version | null = null;
  const keys = new Set([...Object.keys(raw), 'name', 'version']);
  keys.delete('metadata_version');
  for (const key of keys) {
    const [email, added] = RAW_FIELDS[key] as [string, string, RawKind];
    const err: Report = (message) => void errors.push({ field: email, message });
    if (mvIndex >= 0 && METADATA_VERSIONS.indexOf(added) > mvIndex) {
      err(`${email} introduced in metadata version ${added}, not ${metadataVersion as string}`);
      continue;
    }
    const v = raw[key];
    if (v === undefined && key !== 'name' && key !== 'version') continue;
    if (key === 'version') version = checkVersion(v as string | undefined, err);
    else FIELD_CHECKS[key]?.(v, err, email);
  }
  return { errors, version };
}

function checkVersion(s: string | undefined, err: Report): Pep440Version | null {
  if (!s) {
    err(`'version' is a required field`);
    return null;
  }
  const version = parsePep440(s);
  if (!version) err(`${pyRepr(s)} is invalid for 'version'`);
  return version;
}

/** The validators of the fields that have one (`version` is {@link checkVersion}: its value is kept). */
const FIELD_CHECKS: Record<string, FieldCheck> = {
  name: (v, err) => {
    const s = v as string | undefined;
    if (!s) err(`'name' is a required field`);
    else if (!VALID_NAME_RE.test(s)) err(`${pyRepr(s)} is invalid for 'name'`);
  },
  summary: (v, err) => {
    if ((v as string).includes('\n')) err(`'summary' must be a single line`);
  },
  description_content_type: (v, err) => checkDescriptionContentType(v as string, err),
  dynamic: (v, err) => {
    for (const d of (v as string[]).map((x) => x.toLowerCase())) {
      if (d === 'name' || d === 'version' || d === 'metadata-version') {
        err(`${pyRepr(d)} is not allowed as a dynamic field`);
        return;
      }
      if (!EMAIL_FIELDS.has(d)) {
        err(`${pyRepr(d)} is not a valid dynamic field`);
        return;
      }
    }
  },
  provides_extra: (v, err) => {
    const bad = (v as string[]).find((x) => !VALID_NAME_RE.test(x));
    if (bad !== undefined) err(`${pyRepr(bad)} is invalid for 'provides-extra'`);
  },
  requires_python: (v, err) => {
    if (!isValidSpecifierSet(v as string)) err(`${pyRepr(v as string)} is invalid for 'requires-python'`);
  },
  requires_dist: (v, err) => {
    for (const r of v as string[]) {
      try {
        parsePep508(r);
      } catch {
        err(`${pyRepr(r)} is invalid for 'requires-dist'`);
        return;
      }
    }
  },
  license_expression: (v, err) => {
    if (!isValidLicenseExpression(v as string)) err(`${pyRepr(v as string)} is invalid for 'license-expression'`);
  },
  license_files: (v, err) => {
    for (const p of v as string[]) {
      const why = licenseFileProblem(p);
      if (why) {
        err(`${pyRepr(p)} is invalid for 'license-file', ${why}`);
        return;
      }
    }
  },
  import_names: (v, err, email) => checkImportNames(v as string[], err, email),
  import_namespaces: (v, err, email) => checkImportNames(v as string[], err, email),
};

/** `_process_description_content_type`. */
function checkDescriptionContentType(s: string, err: Report): void {
  // email.message: the content type is the part before ';', lower-cased, with exactly one '/'; else text/plain.
  const [head = '', ...rest] = s.split(';');
  let ctype = head.trim().toLowerCase();
  if (ctype.split('/').length !== 2) ctype = 'text/plain';
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq > 0)
      params.set(
        p.slice(0, eq).trim().toLowerCase(),
        p
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/, '$1'),
      );
  }
  const charset = params.get('charset') ?? 'UTF-8';
  const variant = params.get('variant') ?? 'GFM';
  // packaging prints list(set): its order is Python's hash order, so it varies between processes.
  if (!['text/plain', 'text/x-rst', 'text/markdown'].includes(ctype) || !s.toLowerCase().includes(ctype)) {
    err(`'description-content-type' must be one of ['text/plain', 'text/x-rst', 'text/markdown'], not ${pyRepr(s)}`);
  } else if (charset !== 'UTF-8') err(`'description-content-type' can only specify the UTF-8 charset, not ${pyRepr(charset)}`);
  else if (ctype === 'text/markdown' && variant !== 'GFM' && variant !== 'CommonMark') {
    err(`valid Markdown variants for 'description-content-type' are ['GFM', 'CommonMark'], not ${pyRepr(variant)}`);
  }
}

/** `_process_license_files`: why a License-File path is refused, or undefined. */
function licenseFileProblem(p: string): string | undefined {
  const winAbs = /^[A-Za-z]:[\\/]/.test(p) || /^[\\/]{2}[^\\/]+[\\/]+[^\\/]/.test(p);
  const asPosix =
    p
      .replace(/\\/g, '/')
      .split('/')
      .filter((seg, i) => seg !== '.' && (seg !== '' || i === 0))
      .join('/') || '.';
  if (p.includes('..')) return 'parent directory indicators are not allowed';
  if (p.includes('*')) return 'paths must be resolved';
  if (p.startsWith('/') || winAbs) return 'paths must be relative';
  if (asPosix !== p) return "paths must use '/' delimiter";
  return undefined;
}

/** `_process_import_names` / `_process_import_namespaces`: dotted identifiers, optionally `; private`. */
function checkImportNames(values: string[], err: Report, email: string): void {
  for (const importName of values) {
    const semi = importName.indexOf(';');
    const n = (semi < 0 ? importName : importName.slice(0, semi)).trimEnd();
    const bad = n.split('.').find((id) => identifierProblem(id) !== undefined);
    if (bad !== undefined) {
      err(`${pyRepr(n)} is invalid for ${pyRepr(email)}; ${pyRepr(bad)} ${identifierProblem(bad)}`);
      return;
    }
    if (semi >= 0 && importName.slice(semi + 1).trimStart() !== 'private') {
      err(`${pyRepr(importName)} is invalid for ${pyRepr(email)}; the only valid option is 'private'`);
      return;
    }
  }
}
