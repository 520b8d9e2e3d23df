/**
 * The core-metadata fields as packaging.metadata and Warehouse name and type them: the form name → `RawMetadata`
 * key → core-metadata field mapping, the version each field was added in, and Warehouse's dynamic fields.
 * Read at pypi/warehouse 6b62157 (2026-08-21), which pins packaging==26.2 (pypa/packaging tag 26.2, 84a87ee).
 */

/** packaging.metadata `_VALID_METADATA_VERSIONS` (= Warehouse `SUPPORTED_METADATA_VERSIONS`), oldest first. */
export const METADATA_VERSIONS = ['1.0', '1.1', '1.2', '2.1', '2.2', '2.3', '2.4', '2.5'];

export type RawKind = 'string' | 'list' | 'keywords' | 'dict';
/**
 * packaging.metadata `RawMetadata` keys → [core-metadata field (`_RAW_TO_EMAIL_MAPPING`), the `added=` version of
 * its `_Validator`, the kind (`_STRING_FIELDS` / `_LIST_FIELDS` / keywords / `_DICT_FIELDS`)].
 */
export const RAW_FIELDS: Record<string, [string, string, RawKind]> = {
  metadata_version: ['metadata-version', '1.0', 'string'],
  name: ['name', '1.0', 'string'],
  version: ['version', '1.0', 'string'],
  dynamic: ['dynamic', '2.2', 'list'],
  platforms: ['platform', '1.0', 'list'],
  supported_platforms: ['supported-platform', '1.1', 'list'],
  summary: ['summary', '1.0', 'string'],
  description: ['description', '1.0', 'string'],
  description_content_type: ['description-content-type', '2.1', 'string'],
  keywords: ['keywords', '1.0', 'keywords'],
  home_page: ['home-page', '1.0', 'string'],
  download_url: ['download-url', '1.1', 'string'],
  author: ['author', '1.0', 'string'],
  author_email: ['author-email', '1.0', 'string'],
  maintainer: ['maintainer', '1.2', 'string'],
  maintainer_email: ['maintainer-email', '1.2', 'string'],
  license: ['license', '1.0', 'string'],
  license_expression: ['license-expression', '2.4', 'string'],
  license_files: ['license-file', '2.4', 'list'],
  classifiers: ['classifier', '1.1', 'list'],
  requires_dist: ['requires-dist', '1.2', 'list'],
  requires_python: ['requires-python', '1.2', 'string'],
  requires_external: ['requires-external', '1.2', 'list'],
  project_urls: ['project-url', '1.2', 'dict'],
  provides_extra: ['provides-extra', '2.1', 'list'],
  provides_dist: ['provides-dist', '1.2', 'list'],
  obsoletes_dist: ['obsoletes-dist', '1.2', 'list'],
  import_names: ['import-name', '2.5', 'list'],
  import_namespaces: ['import-namespace', '2.5', 'list'],
  requires: ['requires', '1.1', 'list'],
  provides: ['provides', '1.1', 'list'],
  obsoletes: ['obsoletes', '1.1', 'list'],
};
/** warehouse/forklift/metadata.py `_override`: the five form names that differ from the RawMetadata key. */
export const FORM_RENAMES: Record<string, string> = {
  platforms: 'platform',
  supported_platforms: 'supported_platform',
  license_files: 'license_file',
  import_names: 'import_name',
  import_namespaces: 'import_namespace',
};
/** `_FORM_TO_RAW_MAPPING`. */
export const FORM_TO_RAW: Record<string, string> = Object.fromEntries(Object.keys(RAW_FIELDS).map((raw) => [FORM_RENAMES[raw] ?? raw, raw]));
export const EMAIL_FIELDS = new Set(Object.values(RAW_FIELDS).map(([email]) => email));
/** warehouse/forklift/metadata.py `DYNAMIC_FIELDS`, lower-cased. */
export const WAREHOUSE_DYNAMIC_FIELDS = new Set(
  [
    'Platform',
    'Supported-Platform',
    'Summary',
    'Description',
    'Description-Content-Type',
    'Keywords',
    'Home-Page',
    'Download-Url',
    'Author',
    'Author-Email',
    'Maintainer',
    'Maintainer-Email',
    'License',
    'License-Expression',
    'License-File',
    'Classifier',
    'Requires-Dist',
    'Requires-Python',
    'Requires-External',
    'Project-Url',
    'Provides-Extra',
    'Provides-Dist',
    'Obsoletes-Dist',
    'Requires',
    'Provides',
    'Obsoletes',
    'Import-Name',
    'Import-Namespace',
  ].map((f) => f.toLowerCase()),
);
