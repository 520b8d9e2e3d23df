/** Project-name rules: PEP 503 normalisation, Warehouse's form regex, packaging's `canonicalize_name(validate=True)`. */

/** PEP 503 normalised name: runs of `-`, `_`, `.` become one `-`, lower-cased. */
export function normalizePep503(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** warehouse/forklift/forms.py `UploadForm.name` validator (`_project_name_re`). */
export const PROJECT_NAME_RE = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

/** packaging.utils `canonicalize_name(name, validate=True)`'s check (`_validate_regex`, ASCII, full match). */
export const VALID_NAME_RE = /^([a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$/i;
