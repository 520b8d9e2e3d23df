/** Python as Warehouse's messages show it: `repr()` of a str and of a list, `len()`, keywords, strict UTF-8 decoding. */

/** Python `repr()` of a str. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python `repr()` of a list of str. */
export function pyListRepr(items: string[]): string {
  return `[${items.map(pyRepr).join(', ')}]`;
}

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
export const utf8Strict = new TextDecoder('utf-8', { fatal: true });

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
