/**
 * Core metadata (METADATA / PKG-INFO), metadata versions 1.0 to 2.5: which headers exist, which may
 * repeat, which metadata version introduced each, and how each maps to the upload form. Modelled on
 * `packaging.metadata.RawMetadata` (what twine 6+/7 uses) so that our form matches twine's.
 */
import { parseRfc822, unescapeMultilineHeader } from './rfc822.js';

export type SingleField =
  | 'metadata_version'
  | 'name'
  | 'version'
  | 'summary'
  | 'description'
  | 'description_content_type'
  | 'keywords'
  | 'home_page'
  | 'download_url'
  | 'author'
  | 'author_email'
  | 'maintainer'
  | 'maintainer_email'
  | 'license'
  | 'license_expression'
  | 'requires_python';

export type MultiField =
  | 'platforms'
  | 'supported_platforms'
  | 'classifiers'
  | 'requires_dist'
  | 'requires_external'
  | 'project_urls'
  | 'provides_extra'
  | 'provides_dist'
  | 'obsoletes_dist'
  | 'requires'
  | 'provides'
  | 'obsoletes'
  | 'dynamic'
  | 'license_files'
  | 'import_names'
  | 'import_namespaces';

export type FieldKey = SingleField | MultiField;

interface FieldSpec {
  key: FieldKey;
  multiple: boolean;
  /** The metadata version that introduced the field. */
  added: string;
  /** The multipart form name twine 7 sends it under; undefined = not sent. */
  form: string | undefined;
}

// Header (lower case) -> field. Form names follow twine 7's _RAW_TO_PACKAGE_METADATA (three renames;
// Import-Name(space) is not sent by twine 7, so not by us either).
const FIELDS: Record<string, FieldSpec> = {
  'metadata-version': { key: 'metadata_version', multiple: false, added: '1.0', form: 'metadata_version' },
  name: { key: 'name', multiple: false, added: '1.0', form: 'name' },
  version: { key: 'version', multiple: false, added: '1.0', form: 'version' },
  dynamic: { key: 'dynamic', multiple: true, added: '2.2', form: 'dynamic' },
  platform: { key: 'platforms', multiple: true, added: '1.0', form: 'platform' },
  'supported-platform': { key: 'supported_platforms', multiple: true, added: '1.1', form: 'supported_platform' },
  summary: { key: 'summary', multiple: false, added: '1.0', form: 'summary' },
  description: { key: 'description', multiple: false, added: '1.0', form: 'description' },
  'description-content-type': {
    key: 'description_content_type',
    multiple: false,
    added: '2.1',
    form: 'description_content_type',
  },
  keywords: { key: 'keywords', multiple: false, added: '1.0', form: 'keywords' },
  'home-page': { key: 'home_page', multiple: false, added: '1.0', form: 'home_page' },
  'download-url': { key: 'download_url', multiple: false, added: '1.1', form: 'download_url' },
  author: { key: 'author', multiple: false, added: '1.0', form: 'author' },
  'author-email': { key: 'author_email', multiple: false, added: '1.0', form: 'author_email' },
  maintainer: { key: 'maintainer', multiple: false, added: '1.2', form: 'maintainer' },
  'maintainer-email': { key: 'maintainer_email', multiple: false, added: '1.2', form: 'maintainer_email' },
  license: { key: 'license', multiple: false, added: '1.0', form: 'license' },
  'license-expression': { key: 'license_expression', multiple: false, added: '2.4', form: 'license_expression' },
  'license-file': { key: 'license_files', multiple: true, added: '2.4', form: 'license_file' },
  classifier: { key: 'classifiers', multiple: true, added: '1.1', form: 'classifiers' },
  'requires-dist': { key: 'requires_dist', multiple: true, added: '1.2', form: 'requires_dist' },
  'requires-python': { key: 'requires_python', multiple: false, added: '1.2', form: 'requires_python' },
  'requires-external': { key: 'requires_external', multiple: true, added: '1.2', form: 'requires_external' },
  'project-url': { key: 'project_urls', multiple: true, added: '1.2', form: 'project_urls' },
  'provides-extra': { key: 'provides_extra', multiple: true, added: '2.1', form: 'provides_extra' },
  'provides-dist': { key: 'provides_dist', multiple: true, added: '1.2', form: 'provides_dist' },
  'obsoletes-dist': { key: 'obsoletes_dist', multiple: true, added: '1.2', form: 'obsoletes_dist' },
  requires: { key: 'requires', multiple: true, added: '1.1', form: 'requires' },
  provides: { key: 'provides', multiple: true, added: '1.1', form: 'provides' },
  obsoletes: { key: 'obsoletes', multiple: true, added: '1.1', form: 'obsoletes' },
  'import-name': { key: 'import_names', multiple: true, added: '2.5', form: undefined },
  'import-namespace': { key: 'import_namespaces', multiple: true, added: '2.5', form: undefined },
};

const FIELD_BY_KEY = new Map<FieldKey, FieldSpec & { header: string }>(Object.entries(FIELDS).map(([header, spec]) => [spec.key, { ...spec, header }]));

export function fieldSpec(key: FieldKey): (FieldSpec & { header: string }) | undefined {
  return FIELD_BY_KEY.get(key);
}

/** Header names (lower case) that may appear in Dynamic. */
export const KNOWN_HEADERS: ReadonlySet<string> = new Set(Object.keys(FIELDS));

export const METADATA_VERSIONS = ['1.0', '1.1', '1.2', '2.1', '2.2', '2.3', '2.4', '2.5'] as const;

/** Parsed core metadata: single-use fields as strings, multiple-use fields as lists, in file order. */
export interface CoreMetadata {
  single: Partial<Record<SingleField, string>>;
  multi: Partial<Record<MultiField, string[]>>;
  /** Headers we do not know (Python's `unparsed`). */
  unknownHeaders: string[];
  /** Problems found while parsing, one line each (a single-use field given twice, a NUL byte, …). */
  problems: string[];
}

// Control characters pass everywhere: packaging takes them (checked with 26.2, what Warehouse pins at
// 6b62157, and 26.3), Warehouse turns a NUL into the text "\x00" (forklift/legacy.py, the form's
// clean-up), Gitea stores the fields as JSON (package_version.metadata_json) and pip never reads them;
// docutils' README has a form feed. So none is a finding.

export function parseCoreMetadata(text: string): CoreMetadata {
  const message = parseRfc822(text);
  const meta: CoreMetadata = { single: {}, multi: {}, unknownHeaders: [], problems: [] };
  // A Set: 100,000 distinct unknown headers made `includes` quadratic (30 s for 1 MiB of METADATA).
  const unknown = new Set<string>();
  for (const defect of message.defects.slice(0, 1)) {
    meta.problems.push(`malformed header line '${truncate(defect)}' (expected 'Name: value')`);
  }
  for (const { name, value } of message.headers) {
    const spec = FIELDS[name.toLowerCase()];
    if (!spec) {
      if (!unknown.has(name)) {
        unknown.add(name);
        meta.unknownHeaders.push(name);
      }
      continue;
    }
    if (spec.multiple) {
      const key = spec.key as MultiField;
      const values = meta.multi[key] ?? [];
      values.push(value);
      meta.multi[key] = values;
    } else {
      const key = spec.key as SingleField;
      if (meta.single[key] !== undefined) {
        meta.problems.push(`field '${name}' appears more than once but may be used only once`);
        continue;
      }
      meta.single[key] = key === 'description' ? unescapeMultilineHeader(value) : value;
    }
  }
  // Metadata 2.1+: the description is the message body (packaging: a header and a body is an error).
  if (message.body.trim() !== '') {
    if (meta.single.description !== undefined) {
      meta.problems.push('the description is given both as a Description header and as the message body');
    } else {
      meta.single.description = message.body;
    }
  }
  return meta;
}

function truncate(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Compare metadata versions like "1.2" < "2.1". */
export function compareMetadataVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}
