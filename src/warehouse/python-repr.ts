/**
 * Python's `repr()` of a str and of a list of str, and Python's str ordering, as Warehouse's messages show them
 * (f-strings with `{x!r}` / `{a_list}`, `sorted(...)`). Reference: CPython Objects/unicodeobject.c `unicode_repr`
 * (the quote choice, `\\xhh` / `\\uhhhh` / `\\Uhhhhhhhh` for what `str.isprintable()` calls unprintable).
 */

/**
 * Not printable in Python (`Py_UNICODE_ISPRINTABLE`): categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs other than the
 * space. Node's Unicode database stands in for Python's; they differ only for characters one of them has not assigned.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

function codePointEscape(cp: number): string {
  if (cp < 0x100) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** Python `repr()` of a str. */
export function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === quote || ch === '\\') out += `\\${ch}`;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch !== ' ' && UNPRINTABLE.test(ch)) out += codePointEscape(ch.codePointAt(0) ?? 0);
    else out += ch;
  }
  return out + quote;
}

/** Python `repr()` (and `str()`) of a list of str. */
export function pyListRepr(items: readonly string[]): string {
  return `[${items.map(pyRepr).join(', ')}]`;
}

/** Python's str comparison (by code point; JavaScript's default sort compares UTF-16 code units). */
export function pyCompare(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length) {
    const x = a.codePointAt(i) ?? 0;
    const y = b.codePointAt(i) ?? 0;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

/** Strict UTF-8, as Python's `bytes.decode('utf-8')`. */
export const utf8Strict = new TextDecoder('utf-8', { fatal: true });
