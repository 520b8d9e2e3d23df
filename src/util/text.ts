/** Text as a one-line message shows it. */

/** At most `max` characters, an ellipsis where it was cut. */
export function shorten(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * A value from a file (a name, a version, a member name) as a message shows it: characters outside
 * printable ASCII escaped, so that a Cyrillic 'о' in 'hоmoglyph' does not look like the Latin one
 * ('h\u043emoglyph') and a newline or NUL cannot break the line; then shortened.
 */
export function shown(text: string, max = 80): string {
  return shorten(
    text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    max,
  );
}

/**
 * File-name order: case-insensitive, then by code point. Deterministic on every machine, and free:
 * `localeCompare(…, 'en')` builds an ICU collator on its first call, about 9 ms of every start-up.
 */
export function byName(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
