/**
 * Core metadata, as Warehouse validates the upload form: warehouse/forklift/metadata.py `parse` →
 * `parse_form_metadata` → packaging.metadata `Metadata.from_raw(validate=True)` (./from-raw.ts), then
 * `_validate_metadata` (./warehouse.ts). Each stage only runs when the previous one found nothing; of the errors
 * found, legacy.py `file_upload` reports one.
 */
import { CORE_METADATA } from '../help-links.js';
import type { Pep440Version } from '../rules/pep440.js';
import { metadataFromRaw, parseFormMetadata, type MetadataError } from './from-raw.js';
import { validateMetadata, type WarehouseCheckOptions } from './warehouse.js';

/** The parts of a validated `Metadata` the upload goes on to use. */
export interface ValidMetadata {
  name: string;
  version: Pep440Version;
  rawVersion: string;
  licenseFiles: string[];
}

/**
 * Warehouse's choice among collected errors (legacy.py `file_upload`): the field in `_error_message_order`
 * (`metadata-version`, `name`, `version`) if any, else the first field in sorted order; that field's first error.
 */
function firstMetadataError(errors: MetadataError[]): MetadataError | undefined {
  if (errors.length === 0) return undefined;
  const fields = [...new Set(errors.map((e) => e.field))];
  const field = ['metadata-version', 'name', 'version'].find((f) => fields.includes(f)) ?? fields.sort()[0];
  return errors.find((e) => e.field === field);
}

/** The 400 reason for a metadata error (legacy.py: '.' appended unless present, then the "See …" link). */
function metadataErrorMessage(errors: MetadataError[], chosen: MetadataError): string {
  const local = chosen.field === 'version' && errors.some((e) => e.field === 'version' && e.message.includes('use of local versions'));
  const see = local ? 'https://packaging.python.org/en/latest/specifications/version-specifiers/#local-version-identifiers' : CORE_METADATA;
  return `${chosen.message}${chosen.message.endsWith('.') ? '' : '.'} See ${see} for more information.`;
}

function fail(errors: MetadataError[]): { error: string } {
  const chosen = firstMetadataError(errors) as MetadataError;
  return { error: metadataErrorMessage(errors, chosen) };
}

/** `parse(None, form_data=request.POST)`: the 400 reason, or the values the upload needs. */
export function checkFormMetadata(fields: Array<[string, string]>, opts: WarehouseCheckOptions = {}): { error: string } | { meta: ValidMetadata } {
  const parsed = parseFormMetadata(fields);
  if ('errors' in parsed) return fail(parsed.errors);
  const { raw } = parsed;
  const { errors, version } = metadataFromRaw(raw);
  if (errors.length > 0 || !version) return fail(errors);
  const invalid = validateMetadata(raw, version, opts);
  if (invalid.length > 0) return fail(invalid);
  return {
    meta: { name: raw['name'] as string, version, rawVersion: raw['version'] as string, licenseFiles: (raw['license_files'] as string[] | undefined) ?? [] },
  };
}
