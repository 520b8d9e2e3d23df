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

// --- Ordering (packaging.version `_cmpkey`; packaging_legacy.version.parse for what PEP 440 cannot parse) ------

/** -1/0/1 for Python-style comparison of two values: −∞ and +∞ as strings, bigints, strings, or tuples of them. */
type Key = bigint | string | typeof NEG | typeof POS | Key[];
const NEG = Symbol('-inf');
const POS = Symbol('+inf');

function cmpKey(a: Key, b: Key): number {
  if (a === b) return 0;
  if (a === NEG || b === POS) return -1;
  if (a === POS || b === NEG) return 1;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = cmpKey(a[i] as Key, b[i] as Key);
      if (c !== 0) return c;
    }
    return a.length - b.length < 0 ? -1 : a.length > b.length ? 1 : 0;
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return 0;
}

/** packaging.version `_cmpkey` of a PEP 440 version; null if it is not one. */
function versionKey(v: string): Key[] | null {
  const m = PEP440_RE.exec(v);
  if (!m) return null;
  const int = (x: string | undefined): bigint => BigInt(x ?? '0');
  const release = (m[2] ?? '0').split('.').map(int);
  while (release.at(-1) === 0n) release.pop(); // trailing zeros do not count
  const hasPre = m[4] !== undefined;
  const hasPost = m[6] !== undefined;
  const hasDev = m[11] !== undefined;
  let pre: Key;
  if (!hasPre && !hasPost && hasDev) pre = NEG;
  else if (!hasPre) pre = POS;
  else {
    const l = (m[4] ?? '').toLowerCase();
    pre = [l === 'alpha' ? 'a' : l === 'beta' ? 'b' : l === 'c' || l === 'pre' || l === 'preview' ? 'rc' : l, int(m[5])];
  }
  const post: Key = hasPost ? int(m[7] ?? m[9]) : NEG;
  const dev: Key = hasDev ? int(m[12]) : POS;
  const local: Key =
    m[13] === undefined
      ? NEG
      : m[13]
          .toLowerCase()
          .split(/[-_.]/)
          .map((x): Key => (/^\d+$/.test(x) ? [BigInt(x), ''] : [NEG, x]));
  return [int(m[1]), release, pre, post, dev, local];
}

/**
 * Orders versions as Warehouse's `packaging_legacy.version.parse` does (packaging/utils.py `_simple_detail` sorts
 * by it): PEP 440 versions by packaging's `_cmpkey`; anything else is a LegacyVersion, before every PEP 440 one
 * (among themselves the double compares their text, not packaging_legacy's legacy key).
 */
export function comparePep440(a: string, b: string): number {
  const ka = versionKey(a);
  const kb = versionKey(b);
  if (ka === null || kb === null) return ka !== null ? 1 : kb !== null ? -1 : a < b ? -1 : a > b ? 1 : 0;
  return cmpKey(ka, kb);
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
