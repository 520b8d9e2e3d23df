/**
 * The multipart upload form for one distribution, field for field what twine 7 sends
 * (`PackageFile.metadata_dictionary` + `:action` and `protocol_version`), which both PyPI and Gitea
 * read, except the digests: we send `sha256_digest` only (see digests.ts). The file part (`content`)
 * and the digest are added by the sender, streamed from disk.
 */
import type { Artifact } from '../artifacts/artifact.js';
import { safeName } from '../artifacts/filename.js';
import { compareMetadataVersions, fieldSpec, type FieldKey, type MultiField, type SingleField } from '../artifacts/metadata.js';

import type { FormField } from '../http/types.js';

export type { FormField };

export { safeName };

// Metadata fields in a fixed, readable order (twine's comes from a frozenset: no order to copy).
const SINGLE_ORDER: SingleField[] = [
  'metadata_version',
  'name',
  'version',
  'summary',
  'description',
  'description_content_type',
  'keywords',
  'home_page',
  'download_url',
  'author',
  'author_email',
  'maintainer',
  'maintainer_email',
  'license',
  'license_expression',
  'requires_python',
];
const MULTI_ORDER: MultiField[] = [
  'platforms',
  'supported_platforms',
  'classifiers',
  'requires_dist',
  'requires_external',
  'project_urls',
  'provides_extra',
  'provides_dist',
  'obsoletes_dist',
  'requires',
  'provides',
  'obsoletes',
  'dynamic',
  'license_files',
];

const REQUIRED: ReadonlySet<SingleField> = new Set(['metadata_version', 'name', 'version']);

export interface FormOptions {
  comment?: string;
  /** The project name as the target keys it (TargetKind.formName); twine's safe name by default. */
  formName?: (name: string) => string;
  /** Send the artifact's attestations (PyPI accepts them only with Trusted Publishing). */
  attestations?: boolean;
}

export function buildUploadForm(artifact: Artifact, options: FormOptions = {}): FormField[] {
  const { single, multi } = artifact.metadata;
  const fields: Array<[string, string]> = [];
  const formName = (key: FieldKey) => fieldSpec(key)?.form;

  for (const key of SINGLE_ORDER) {
    let value = single[key];
    // distutils / old setuptools write "UNKNOWN" for unset optional fields. Warehouse deletes such values
    // and twine 4 (pkginfo) never sends them; Gitea would store and show "UNKNOWN" as the licence or home page.
    if (value !== undefined && !REQUIRED.has(key) && value.trim() === 'UNKNOWN') value = undefined;
    if (key === 'requires_python') value ??= ''; // always sent, as uv does: Gitea stores it from the first upload
    if (value === undefined) continue;
    if (key === 'name') value = (options.formName ?? safeName)(value);
    // packaging splits Keywords on commas; twine 7 joins the list again with ", ".
    if (key === 'keywords')
      value = value
        .split(',')
        .map((k) => k.trim())
        .join(', ');
    const name = formName(key);
    if (name) fields.push([name, value]);
  }

  // setuptools writes License-File under Metadata-Version 2.1, which the spec does not allow;
  // twine drops those entries below 2.4 rather than fail, and so do we.
  const metadataVersion = single.metadata_version ?? '0';
  const dropLicenseFiles = compareMetadataVersions(metadataVersion, '2.4') < 0;

  for (const key of MULTI_ORDER) {
    if (key === 'license_files' && dropLicenseFiles) continue;
    const name = formName(key);
    if (!name) continue;
    for (let value of multi[key] ?? []) {
      if (key === 'project_urls') {
        const comma = value.indexOf(',');
        value = comma === -1 ? `${value.trim()}, ` : `${value.slice(0, comma).trim()}, ${value.slice(comma + 1).trim()}`;
      }
      fields.push([name, value]);
    }
  }

  fields.push(['pyversion', artifact.pyversion], ['filetype', artifact.filetype]);
  if (options.comment !== undefined) fields.push(['comment', options.comment]);
  if (options.attestations && artifact.attestations !== undefined) fields.push(['attestations', artifact.attestations]);
  fields.push([':action', 'file_upload'], ['protocol_version', '1']);
  return fields;
}

/**
 * Every text field of the upload as the server receives it: the form above plus `sha256_digest`,
 * which the sender puts after the file part (hashed while streaming; both Gitea's ParseMultipartForm
 * and Warehouse read the whole form before checking it, so the order does not matter to them).
 */
export function fieldsAsSent(artifact: Artifact, sha256: string, options: FormOptions = {}): FormField[] {
  return [...buildUploadForm(artifact, options), ['sha256_digest', sha256]];
}
