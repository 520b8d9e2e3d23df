/**
 * A reader for core-metadata files (METADATA, PKG-INFO) that behaves like Python's
 * `email.parser.Parser(policy=compat32)`, which `packaging.metadata.parse_email` (and so twine) uses:
 * headers up to the first blank line, continuation lines starting with a space or tab kept in the
 * value, repeated headers kept in order, and everything after the blank line as the body.
 */

export interface RawHeader {
  /** The header name as written. */
  name: string;
  /** The value: leading blanks of the first line removed, continuation lines joined with `\n`. */
  value: string;
}

export interface ParsedMessage {
  headers: RawHeader[];
  body: string;
  /** Lines in the header block that are neither headers nor continuations (Python records a defect). */
  defects: string[];
}

// The characters Python's feedparser accepts in a header name (printable ASCII but ':').
const HEADER_LINE = /^([\x21-\x39\x3b-\x7e]+):(.*)$/s;

export function parseRfc822(text: string): ParsedMessage {
  const lines = text.replace(/^\ufeff/, '').split(/\r\n|\r|\n/);
  const headers: RawHeader[] = [];
  const defects: string[] = [];
  let index = 0;
  for (; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (line === '') {
      index++;
      break;
    }
    if (line.startsWith(' ') || line.startsWith('\t')) {
      const last = headers[headers.length - 1];
      if (last) {
        last.value += `\n${line}`;
        continue;
      }
      defects.push(line);
      continue;
    }
    const match = HEADER_LINE.exec(line);
    if (!match) {
      // Python's feedparser treats a non-header line as the start of the body (a defect).
      defects.push(line);
      break;
    }
    headers.push({ name: match[1] ?? '', value: (match[2] ?? '').replace(/^[ \t]+/, '') });
  }
  const body = lines.slice(index).join('\n');
  for (const header of headers) header.value = header.value.replace(/[\r\n]+$/, '');
  return { headers, body, defects };
}

/**
 * Undo setuptools' `rfc822_escape` of a multi-line header (the legacy `Description:` field):
 * the first line as is, the rest dedented (setuptools' `rfc822_unescape`).
 */
export function unescapeMultilineHeader(value: string): string {
  const lines = value.split('\n');
  if (lines.length === 1) return value.trimStart();
  const rest = lines.slice(1);
  // Remove the longest common leading whitespace of the non-blank lines, like textwrap.dedent;
  // setuptools writes 8 spaces, older distutils 8 spaces and a '|'.
  const indents = rest.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)?.[0] ?? '');
  let common = indents[0] ?? '';
  for (const indent of indents) {
    while (!indent.startsWith(common)) common = common.slice(0, -1);
  }
  const dedented = rest.map((l) => (l.trim() === '' ? '' : l.slice(common.length)));
  return [(lines[0] ?? '').trimStart(), ...dedented].join('\n');
}
