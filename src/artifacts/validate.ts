/**
 * What twine checks before it uploads (packaging's `Metadata.from_raw` validators), what Warehouse
 * adds (forklift/metadata.py), and what `twine check` warns about, sorted by who refuses it. The
 * principle: a finding stops the run for every target only when no target could store the file or
 * pip could not install it; anything else is a refusal of the targets that enforce it.
 * - errors: metadata that no installer or registry can use (no valid name or version, requirements pip
 *   cannot parse); they stop a publish before any request;
 * - pypi: what only PyPI (and twine 6.1+, which runs packaging's validators) refuses; pip installs
 *   such a file and Gitea stores it, so the file still goes to Gitea and is skipped at PyPI;
 * - warnings: shown, and fail only `check --strict`.
 */
import { normalizeName, pep625SdistFilename, type DistFilename } from './filename.js';
import {
  KNOWN_HEADERS,
  METADATA_VERSIONS,
  compareMetadataVersions,
  fieldSpec,
  type CoreMetadata,
  type FieldKey,
  type MultiField,
  type SingleField,
} from './metadata.js';
import { isValidVersion, versionKey } from './pep440.js';
import { isDirectReference, requirementProblem } from './pep508.js';
import { shorten, shown } from '../util/text.js';
import { isHttpUrl } from '../util/url.js';
import { classifierRefusals } from '../warehouse/classifiers.js';
import { TROVE_CLASSIFIERS_VERSION } from '../warehouse/trove-classifiers.js';

export { shown };

/** Why a registry refuses a file, and what the user can change so that it takes it. */
export interface Refusal {
  reason: string;
  fix?: string;
}

export interface Findings {
  errors: string[];
  warnings: string[];
  /** Refused by PyPI only (see the module comment). */
  pypi: Refusal[];
}

// packaging / Warehouse: `^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`, case-insensitive.
const PROJECT_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

const CONTENT_TYPES = new Set(['text/plain', 'text/x-rst', 'text/markdown']);
const MARKDOWN_VARIANTS = new Set(['GFM', 'CommonMark']);

/** Validates parsed metadata on its own (no file name involved). */
export function validateMetadata(meta: CoreMetadata): Findings {
  const errors = [...meta.problems];
  const warnings: string[] = [];
  const pypi: Refusal[] = [];
  const refuse = (reason: string, fix?: string) => pypi.push(fix === undefined ? { reason } : { reason, fix });
  // twine 6.1+ refuses unknown headers; no server reads them from the file, so we only warn: once,
  // with the count and the first few (100,000 of them were 100,000 lines of warnings).
  const unknown = meta.unknownHeaders;
  if (unknown.length === 1) warnings.push(`unrecognised metadata field '${shorten(unknown[0] ?? '', 60)}' (ignored)`);
  else if (unknown.length > 1) {
    const shown = unknown
      .slice(0, 3)
      .map((h) => `'${shorten(h, 40)}'`)
      .join(', ');
    warnings.push(`${unknown.length} unrecognised metadata fields (ignored): ${shown}${unknown.length > 3 ? ', …' : ''}`);
  }

  const metadataVersion = meta.single.metadata_version;
  if (metadataVersion === undefined) {
    errors.push("'metadata-version' is a required field");
  } else if (!(METADATA_VERSIONS as readonly string[]).includes(metadataVersion)) {
    // packaging's list (and so Warehouse's and twine 6.1+'s) has no 2.0, though old `wheel` versions wrote
    // it (argparse 1.4.0, ply 3.11, pyserial 3.5 on PyPI): pip installs such wheels and Gitea stores any
    // version (routers/api/packages/pypi/pypi.go reads no Metadata-Version), so it is PyPI's refusal only.
    refuse(
      `'${shown(metadataVersion)}' is not a valid metadata version (PyPI takes ${METADATA_VERSIONS.join(', ')})`,
      metadataVersion === '2.0'
        ? 'rebuild with a current wheel or build backend (they write Metadata-Version 2.1 or later)'
        : 'rebuild with a standard build backend',
    );
  }

  const name = meta.single.name;
  if (name === undefined || name.trim() === '') errors.push("'name' is a required field");
  else if (!PROJECT_NAME.test(name))
    errors.push(`'${shown(name)}' is an invalid value for Name (letters, digits, '.', '_' and '-', starting and ending with a letter or digit)`);

  const version = meta.single.version;
  if (version === undefined || version.trim() === '') errors.push("'version' is a required field");
  else if (!isValidVersion(version)) errors.push(`'${shown(version)}' is an invalid value for Version (not PEP 440)`);

  // packaging's Metadata validator: a Summary spanning lines (a continuation line) is refused by
  // twine 6.1+ and PyPI. (packaging 26.3 also counts a form feed and the other characters Python's
  // splitlines() breaks at; Warehouse pins 26.2, which does not, and takes such a Summary.)
  const summary = meta.single.summary;
  if (summary?.includes('\n')) refuse('Summary must be a single line', 'write the summary (description in pyproject.toml) on one line');
  // Warehouse's form: "summary: Field cannot be longer than 512 characters." (forklift/metadata.py).
  if (summary !== undefined && summary.length > 512) {
    refuse(`Summary is ${summary.length} characters long; PyPI takes at most 512`, 'shorten the summary (description in pyproject.toml)');
  }

  const contentType = meta.single.description_content_type;
  if (contentType !== undefined) {
    const problem = checkContentType(contentType);
    if (problem) refuse(problem, 'use text/markdown, text/x-rst or text/plain (readme content-type in pyproject.toml)');
  }

  if (metadataVersion !== undefined && (METADATA_VERSIONS as readonly string[]).includes(metadataVersion)) {
    for (const key of presentFields(meta)) {
      const spec = fieldSpec(key);
      // License-File under metadata < 2.4 is what setuptools writes; twine drops it instead of failing.
      if (!spec || key === 'license_files') continue;
      if (compareMetadataVersions(spec.added, metadataVersion) > 0) {
        refuse(
          `${spec.header} introduced in metadata version ${spec.added}, not ${metadataVersion}`,
          key === 'license_expression'
            ? 'hatchling 1.27+ and setuptools 77+ write License-Expression with Metadata-Version 2.4; with an older backend declare the licence as a table (license = {text = "MIT"})'
            : `build with a backend that writes Metadata-Version ${spec.added} or later`,
        );
      }
    }
  }

  // Warehouse checks classifiers against trove-classifiers and refuses deprecated ones
  // (forklift/metadata.py; the list and the rule are shared with the PyPI double: src/warehouse/).
  for (const message of classifierRefusals(meta.multi.classifiers ?? [])) {
    refuse(message, `use classifiers from https://pypi.org/classifiers/ (checked against trove-classifiers ${TROVE_CLASSIFIERS_VERSION})`);
  }

  for (const dynamic of meta.multi.dynamic ?? []) {
    const lower = dynamic.toLowerCase();
    if (lower === 'name' || lower === 'version' || lower === 'metadata-version') {
      refuse(`'${dynamic}' is not allowed as a dynamic field`);
    } else if (!KNOWN_HEADERS.has(lower)) {
      refuse(`'${dynamic}' is not a valid dynamic field`);
    }
  }

  // packaging (License-Expression, PEP 639): both fields together are refused.
  if (meta.single.license !== undefined && meta.single.license_expression !== undefined) {
    refuse(
      'License is deprecated when License-Expression is present. Only License-Expression should be present.',
      'drop the licence text (license = {text = …}) and keep the SPDX expression',
    );
  }

  for (const [key, header] of [
    ['home_page', 'Home-page'],
    ['download_url', 'Download-URL'],
  ] as const) {
    const value = meta.single[key];
    if (value !== undefined && value.trim() !== '' && value.trim() !== 'UNKNOWN' && !isHttpUrl(value.trim())) {
      refuse(`${header} '${shorten(value)}' is not an http(s) URL`, 'give an https:// URL');
    }
  }

  const labels = new Set<string>();
  for (const entry of meta.multi.project_urls ?? []) {
    const comma = entry.indexOf(',');
    const label = (comma === -1 ? entry : entry.slice(0, comma)).trim();
    const url = comma === -1 ? '' : entry.slice(comma + 1).trim();
    if (comma === -1 || url === '') refuse(`Project-URL '${shorten(entry)}' must be 'Label, URL'`);
    else if (label.length > 32) refuse(`Project-URL label '${shorten(label)}' is longer than 32 characters`, 'shorten the label in [project.urls]');
    else if (!isHttpUrl(url)) refuse(`Project-URL '${shorten(label)}' is not an http(s) URL: '${shorten(url)}'`, 'give https:// URLs in [project.urls]');
    if (labels.has(label)) refuse(`Project-URL label '${shorten(label)}' is used more than once`);
    labels.add(label);
  }

  // PEP 685: every extra must be a valid name (packaging checks it whatever the metadata version).
  for (const extra of meta.multi.provides_extra ?? []) {
    if (!PROJECT_NAME.test(extra)) refuse(`'${extra}' is an invalid value for Provides-Extra (not a valid name)`);
  }

  for (const requirement of meta.multi.requires_dist ?? []) {
    const problem = requirementProblem(requirement);
    if (problem) errors.push(`'${shown(requirement)}' is an invalid value for Requires-Dist (not PEP 508: ${problem})`);
    // Warehouse refuses direct references: an index must not send pip elsewhere (forklift/metadata.py).
    else if (isDirectReference(requirement)) {
      refuse(
        `Requires-Dist '${shorten(requirement)}' is a direct reference (name @ URL); PyPI allows only names with versions`,
        'depend on a released version instead of a URL',
      );
    }
  }
  const requiresPython = meta.single.requires_python;
  if (requiresPython !== undefined && !isSpecifierSet(requiresPython)) {
    errors.push(`'${requiresPython}' is an invalid value for Requires-Python (not a PEP 440 specifier)`);
  }

  // What `twine check` warns about.
  const description = meta.single.description;
  if (description === undefined || description.trim() === '' || description.trim() === 'UNKNOWN') {
    warnings.push('`long_description` missing.');
  }
  if (contentType === undefined) {
    warnings.push('`long_description_content_type` missing. defaulting to `text/x-rst`.');
  }
  return { errors, warnings, pypi };
}

/** The file name must agree with the metadata it carries (twine via Warehouse; uv). */
export function validateAgainstFilename(meta: CoreMetadata, dist: DistFilename): Findings {
  const errors: string[] = [];
  const warnings: string[] = [];
  const pypi: Refusal[] = [];
  const name = meta.single.name;
  const version = meta.single.version;
  if (name !== undefined && normalizeName(name) !== dist.name) {
    errors.push(`the file name says project '${shown(dist.namePart)}' but the metadata says '${shown(name)}'`);
  }
  if (version !== undefined && isValidVersion(version) && versionKey(dist.version) !== versionKey(version)) {
    errors.push(`the file name says version '${shown(dist.version)}' but the metadata says '${shown(version)}'`);
  }
  if (dist.kind === 'sdist') {
    if (dist.format === 'zip') {
      warnings.push('legacy .zip source distribution (PEP 625 asks for .tar.gz; PyPI refuses .zip sdists)');
    } else if (!dist.pep625 && name !== undefined) {
      warnings.push(
        `legacy source distribution name (PEP 625 expects '${pep625SdistFilename(name, version ?? dist.version)}' with the normalised name and version)`,
      );
    }
  }
  return { errors, warnings, pypi };
}

function presentFields(meta: CoreMetadata): FieldKey[] {
  const single = Object.keys(meta.single) as SingleField[];
  const multi = (Object.keys(meta.multi) as MultiField[]).filter((k) => (meta.multi[k]?.length ?? 0) > 0);
  return [...single, ...multi];
}

function checkContentType(value: string): string | undefined {
  const [type = '', ...params] = value.split(';').map((p) => p.trim());
  const lowerType = type.toLowerCase();
  if (!CONTENT_TYPES.has(lowerType)) {
    return `'${value}' is an invalid value for Description-Content-Type (use text/plain, text/x-rst or text/markdown)`;
  }
  for (const param of params) {
    if (param === '') continue;
    const eq = param.indexOf('=');
    const key = (eq === -1 ? param : param.slice(0, eq)).trim().toLowerCase();
    const val = (eq === -1 ? '' : param.slice(eq + 1)).trim().replace(/^"(.*)"$/, '$1');
    if (key === 'charset' && val.toUpperCase() !== 'UTF-8') {
      return `'${value}' is an invalid value for Description-Content-Type (charset must be UTF-8)`;
    }
    if (key === 'variant' && lowerType === 'text/markdown' && !MARKDOWN_VARIANTS.has(val)) {
      return `'${value}' is an invalid value for Description-Content-Type (Markdown variant must be GFM or CommonMark)`;
    }
  }
  return undefined;
}

const SPECIFIER = /^\s*(~=|==|!=|<=|>=|<|>|===)\s*([^\s,;]+)\s*$/;

function isSpecifierSet(text: string): boolean {
  if (text.trim() === '') return true;
  return text.split(',').every((clause) => {
    const match = SPECIFIER.exec(clause);
    if (!match) return false;
    const [, op, version = ''] = match;
    if (op === '===') return true;
    const bare = version.endsWith('.*') && (op === '==' || op === '!=') ? version.slice(0, -2) : version;
    return isValidVersion(bare);
  });
}
