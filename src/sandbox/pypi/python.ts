/** Python as Warehouse's messages show it: `repr()` of a str and of a list, `len()`, keywords, strict UTF-8 decoding. */

// repr() of a str and of a list: one copy, with Warehouse's shared rules (CPython's isprintable()).
export { pyListRepr, pyRepr } from '../../warehouse/python-repr.js';

/** Length of a str as Python counts it (code points). */
export const pyLen = (s: string): number => Array.from(s).length;

/** Python `keyword.kwlist`. */
export const PY_KEYWORDS = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);

/** Why a str is no usable identifier (a keyword, or not `str.isidentifier()`), or undefined when it is one. */
export function identifierProblem(id: string): string | undefined {
  if (PY_KEYWORDS.has(id)) return 'is a keyword';
  if (!/^[\p{XID_Start}_][\p{XID_Continue}]*$/u.test(id)) return 'is not a valid identifier';
  return undefined;
}

/** `bytes.decode('utf-8')` (strict: throws on invalid bytes). */
export { utf8Strict } from '../../warehouse/python-repr.js';

/**
 * `datetime.isoformat()` of a naive UTC datetime plus "Z", as packaging/utils.py `_simple_detail` writes PEP 700
 * `upload-time` (`file.upload_time.isoformat() + "Z"`): microseconds as 6 digits, or none at all when they are 0.
 * A Date has milliseconds, so the last three digits are always 0 (`2026-08-01T12:00:00.123000Z`).
 */
export function pyIsoformatZ(d: Date): string {
  const seconds = d.toISOString().slice(0, 19);
  const ms = d.getUTCMilliseconds();
  return ms === 0 ? `${seconds}Z` : `${seconds}.${String(ms).padStart(3, '0')}000Z`;
}
