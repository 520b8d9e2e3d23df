/**
 * The Warehouse half of the metadata check: warehouse/forklift/metadata.py `_validate_metadata`, run on metadata
 * packaging accepted (local versions, summary length, classifiers, URLs, direct dependencies, dynamic fields,
 * License next to License-Expression). E-mail addresses go through email-validator there; not reproduced.
 */
import { classifierRefusals } from '../../../warehouse/classifiers.js';
import { pyLen, pyRepr } from '../python.js';
import type { Pep440Version } from '../rules/pep440.js';
import { parsePep508, requirementWithUrlStr } from '../rules/pep508.js';
import { isValidPypiUri } from '../rules/urls.js';
import { WAREHOUSE_DYNAMIC_FIELDS } from './fields.js';
import type { MetadataError, RawMetadata } from './from-raw.js';

export interface WarehouseCheckOptions {
  /**
   * Replaces the list of valid classifiers (default: the whole trove-classifiers list of src/warehouse/, as Warehouse
   * checks them). The deprecated classifiers stay known, and refused as deprecated.
   */
  knownClassifiers?: ReadonlySet<string>;
}

/** Stage 3, `_validate_metadata`: every error, in the order Warehouse collects them. */
export function validateMetadata(raw: RawMetadata, version: Pep440Version, opts: WarehouseCheckOptions): MetadataError[] {
  const str = (k: string): string | undefined => raw[k] as string | undefined;
  const list = (k: string): string[] | undefined => raw[k] as string[] | undefined;
  const errors: MetadataError[] = [];
  if (version.local !== undefined) {
    errors.push({ field: 'version', message: `The use of local versions in '${version.normalized}' is not allowed.` });
  }
  const summary = str('summary');
  if (summary !== undefined && pyLen(summary) > 512) errors.push({ field: 'summary', message: "'summary' field must be 512 characters or less." });
  // (author_email / maintainer_email go through email-validator in Warehouse; not reproduced.)
  for (const message of classifierRefusals(list('classifiers') ?? [], opts.knownClassifiers)) errors.push({ field: 'classifier', message });
  errors.push(...urlErrors(raw));
  errors.push(...dependencyErrors(raw));
  for (const d of (list('dynamic') ?? []).map((x) => x.toLowerCase())) {
    if (!WAREHOUSE_DYNAMIC_FIELDS.has(d)) errors.push({ field: 'dynamic', message: `Dynamic field ${pyRepr(d)} is not a valid dynamic field.` });
  }
  if (str('license') && str('license_expression')) {
    errors.push({ field: 'license', message: 'License is deprecated when License-Expression is present. Only License-Expression should be present.' });
  }
  return errors;
}

/** Home-Page and Download-URL, then each Project-URL (label, length, URL). */
function urlErrors(raw: RawMetadata): MetadataError[] {
  const errors: MetadataError[] = [];
  for (const [key, email] of [
    ['home_page', 'home-page'],
    ['download_url', 'download-url'],
  ] as const) {
    const url = raw[key] as string | undefined;
    if (url !== undefined && !isValidPypiUri(url)) errors.push({ field: email, message: `${pyRepr(url)} is not a valid url.` });
  }
  for (const [label, url] of (raw['project_urls'] as Array<[string, string]> | undefined) ?? []) {
    const message = !label
      ? 'Must have a label'
      : pyLen(label) > 32
        ? `${pyRepr(label)} must be 32 characters or less.`
        : !url
          ? 'Must have a URL'
          : !isValidPypiUri(url)
            ? `${pyRepr(url)} is not a valid url`
            : undefined;
    if (message) errors.push({ field: 'project-url', message });
  }
  return errors;
}

/** Provides-Dist / Obsoletes-Dist must parse and have no URL; Requires-Dist (parsed already) must have no URL. */
function dependencyErrors(raw: RawMetadata): MetadataError[] {
  const errors: MetadataError[] = [];
  for (const [key, email] of [
    ['provides_dist', 'provides-dist'],
    ['obsoletes_dist', 'obsoletes-dist'],
  ] as const) {
    for (const r of (raw[key] as string[] | undefined) ?? []) {
      try {
        if (parsePep508(r).url) errors.push({ field: email, message: `Can't have direct dependency: ${pyRepr(r)}` });
      } catch (e) {
        errors.push({ field: email, message: `${pyRepr(r)} is invalid: ${String(e)}` });
      }
    }
  }
  for (const r of (raw['requires_dist'] as string[] | undefined) ?? []) {
    const parsed = parsePep508(r);
    if (parsed.url) errors.push({ field: 'requires-dist', message: `Can't have direct dependency: ${requirementWithUrlStr(parsed)}` });
  }
  return errors;
}
