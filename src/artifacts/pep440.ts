/**
 * PEP 440 versions: validation and normalisation, as Python's `packaging.version.Version` does.
 * Used to check that a file name's version matches the metadata, and to predict the file names
 * PyPI insists on (PEP 625 sdists carry the normalised version).
 */

// The pattern from PEP 440's appendix (also packaging's VERSION_PATTERN), case-insensitive.
const VERSION_PATTERN = new RegExp(
  '^\\s*v?' +
    '(?:(?<epoch>[0-9]+)!)?' +
    '(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<preL>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<preN>[0-9]+)?)?' +
    '(?<post>(?:-(?<postN1>[0-9]+))|(?:[-_.]?(?<postL>post|rev|r)[-_.]?(?<postN2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<devL>dev)[-_.]?(?<devN>[0-9]+)?)?' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?' +
    '\\s*$',
  'i',
);

export interface Pep440Version {
  epoch: bigint;
  release: bigint[];
  pre?: { label: 'a' | 'b' | 'rc'; number: bigint };
  post?: bigint;
  dev?: bigint;
  local?: string;
}

const PRE_LABELS: Record<string, 'a' | 'b' | 'rc'> = {
  a: 'a',
  alpha: 'a',
  b: 'b',
  beta: 'b',
  c: 'rc',
  rc: 'rc',
  pre: 'rc',
  preview: 'rc',
};

/** Parses a version, or returns undefined when it is not valid PEP 440. */
export function parseVersion(text: string): Pep440Version | undefined {
  const match = VERSION_PATTERN.exec(text);
  const g = match?.groups;
  if (!g || g.release === undefined) return undefined;
  // bigint: PEP 440 segments are unbounded (date-based 20240101123000 overflows nothing, but be exact).
  const version: Pep440Version = {
    epoch: BigInt(g.epoch ?? '0'),
    release: g.release.split('.').map((part) => BigInt(part)),
  };
  if (g.pre !== undefined && g.preL !== undefined) {
    version.pre = { label: PRE_LABELS[g.preL.toLowerCase()] ?? 'rc', number: BigInt(g.preN ?? '0') };
  }
  if (g.post !== undefined) version.post = BigInt(g.postN1 ?? g.postN2 ?? '0');
  if (g.dev !== undefined) version.dev = BigInt(g.devN ?? '0');
  if (g.local !== undefined) version.local = g.local.toLowerCase().replace(/[-_]/g, '.');
  return version;
}

export function isValidVersion(text: string): boolean {
  return parseVersion(text) !== undefined;
}

/** The normalised form, as `str(packaging.version.Version(text))`. */
export function formatVersion(v: Pep440Version): string {
  let out = v.epoch !== 0n ? `${v.epoch}!` : '';
  out += v.release.join('.');
  if (v.pre) out += `${v.pre.label}${v.pre.number}`;
  if (v.post !== undefined) out += `.post${v.post}`;
  if (v.dev !== undefined) out += `.dev${v.dev}`;
  if (v.local !== undefined) {
    // packaging turns purely numeric local segments into ints: "+01" -> "+1".
    out += `+${v.local
      .split('.')
      .map((part) => (/^[0-9]+$/.test(part) ? BigInt(part).toString() : part))
      .join('.')}`;
  }
  return out;
}

/** Normalised version string, or undefined if invalid. */
export function normalizeVersion(text: string): string | undefined {
  const parsed = parseVersion(text);
  return parsed ? formatVersion(parsed) : undefined;
}

/**
 * A key under which two versions are equal exactly when `Version(a) == Version(b)`:
 * the normal form with trailing zero release segments dropped (1.0 == 1.0.0).
 */
export function versionKey(text: string): string | undefined {
  const parsed = parseVersion(text);
  if (!parsed) return undefined;
  const release = [...parsed.release];
  while (release.length > 1 && release[release.length - 1] === 0n) release.pop();
  return formatVersion({ ...parsed, release });
}
