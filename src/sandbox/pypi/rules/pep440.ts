/**
 * PEP 440 as packaging 26.2 reads it: versions (packaging.version, normalised and canonical forms) and version
 * specifier sets (packaging/specifiers.py), whose regex the PEP 508 tokenizer (./pep508.ts) reuses.
 */

const PEP440_RE =
  /^\s*v?(?:(?:([0-9]+)!)?([0-9]+(?:\.[0-9]+)*)([-_.]?(alpha|a|beta|b|preview|pre|c|rc)[-_.]?([0-9]+)?)?((?:-([0-9]+))|(?:[-_.]?(post|rev|r)[-_.]?([0-9]+)?))?([-_.]?(dev)[-_.]?([0-9]+)?)?)(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

export interface Pep440Version {
  /** `str(Version)`: the normalised form. */
  normalized: string;
  /** `canonicalize_version` (trailing `.0`s of the release stripped); equal iff the versions compare equal. */
  canonical: string;
  isPostRelease: boolean;
  local?: string;
}

const num = (s: string | undefined): string => (s === undefined ? '0' : BigInt(s).toString());

export function parsePep440(v: string): Pep440Version | null {
  const m = PEP440_RE.exec(v);
  if (!m) return null;
  const epoch = num(m[1]);
  const release = (m[2] ?? '0').split('.').map((x) => num(x));
  let pre = '';
  if (m[4] !== undefined) {
    const l = m[4].toLowerCase();
    const letter = l === 'alpha' ? 'a' : l === 'beta' ? 'b' : l === 'c' || l === 'pre' || l === 'preview' ? 'rc' : l;
    pre = `${letter}${num(m[5])}`;
  }
  let post = '';
  if (m[6] !== undefined) post = `.post${num(m[7] ?? m[9])}`;
  const dev = m[11] !== undefined ? `.dev${num(m[12])}` : '';
  const local = m[13]
    ?.toLowerCase()
    .split(/[-_.]/)
    .map((x) => (/^\d+$/.test(x) ? num(x) : x))
    .join('.');
  const head = epoch !== '0' ? `${epoch}!` : '';
  const tail = `${pre}${post}${dev}${local !== undefined ? `+${local}` : ''}`;
  const rel = release.join('.');
  const r: Pep440Version = {
    normalized: `${head}${rel}${tail}`,
    canonical: `${head}${rel.replace(/(\.0)+$/, '')}${tail}`,
    isPostRelease: post !== '',
  };
  if (local !== undefined) r.local = local;
  return r;
}

// --- PEP 440 specifiers (packaging/specifiers.py `Specifier._specifier_regex_str`, VERBOSE|IGNORECASE) ------------

const SPEC_PRE = '(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?';
const SPEC_POST = '(?:(?:-[0-9]+)|(?:[-_.]?(?:post|rev|r)[-_.]?[0-9]*))?';
const SPEC_DEV = '(?:[-_.]?dev[-_.]?[0-9]*)?';
export const SPECIFIER_SRC =
  '(?:(?:===\\s*[^\\s;)]*)' +
  `|(?:(?:==|!=)\\s*v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)*(?:\\.\\*|${SPEC_PRE}${SPEC_POST}${SPEC_DEV}(?:\\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?)?)` +
  `|(?:~=\\s*v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)+${SPEC_PRE}${SPEC_POST}${SPEC_DEV})` +
  `|(?:(?:<=|>=|<|>)\\s*v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)*${SPEC_PRE}${SPEC_POST}${SPEC_DEV}))`;
/** `Specifier._regex` used with fullmatch. */
const SPECIFIER_FULL_RE = new RegExp(`^\\s*${SPECIFIER_SRC}\\s*$`, 'i');

/** packaging.specifiers `SpecifierSet(value)` parses (split on ',', blanks dropped, each a `Specifier`). */
export function isValidSpecifierSet(value: string): boolean {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .every((s) => SPECIFIER_FULL_RE.test(s));
}
