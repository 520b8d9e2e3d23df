/**
 * Sandbox (loopback double) of PyPI's legacy upload API (Warehouse "forklift") plus a PEP 503/691 simple index
 * (spec: /work/shared/spec/pypi-upload.md §1, §5).
 *
 * Routes:
 *   POST /legacy/                 upload (`:action=file_upload`), 200 + Pyramid default page on success
 *   POST /legacy                  308 to /legacy/
 *   GET  /legacy/                 200 info page
 *   GET  /simple/ , /simple/<n>/  PEP 503 HTML (PEP 691 JSON when asked for); non-normalised names → 301
 *   GET  /packages/<b2>/<…>/<f>   file bytes (the URLs the index links to, like files.pythonhosted.org)
 *
 * Error messages travel in the reason phrase and in a body chosen by `Accept`, exactly like Pyramid's
 * HTTPException pages.
 *
 * Upload checks, in Warehouse's order (pypi/warehouse 6b62157, 2026-08-21; packaging 26.2):
 *   1. forklift/decorators.py `sanitize` (outermost decorator): UNKNOWN values dropped, "<field>: Should not be a tuple."
 *   2. decorators.py `ensure_uploads_allowed`: read-only and uploads-disabled flags, then the identity
 *      (accounts/security_policy.py Basic → "Username/Password …"; no/unknown token → "Invalid or non-existent …")
 *   3. forklift/legacy.py `file_upload`: protocol_version; forms.py `UploadForm`; metadata.py `parse` (packaging
 *      `Metadata.from_raw` + `_validate_metadata`, see `checkFormMetadata`); "Upload payload does not have a file."
 *   4. new project: `_ensure_user_can_upload` (e-mail, 2FA), packaging/services.py `create_project` (429, the
 *      registration flag, 409); then `has_permission` (macaroon caveats, the ACL) and `_ensure_user_can_upload`
 *   5. `_validate_filename`, content type, size, digests, duplicates, one sdist per release, `_is_valid_dist_file`
 *      (+ utils/zipfiles.py `validate_zipfile`), sdist name + License-File, wheel name/tags/version + License-File,
 *      utils/wheel.py `validate_record` / `validate_entrypoints`, METADATA; attestations last.
 * Not reproduced: description rendering, e-mail address validation, YARA, sparse tar members, prohibited / stdlib /
 * too-similar names, release age, deleted-file names, per-project size.
 */
import { randomBytes } from 'node:crypto';
import { createBLAKE2b } from 'hash-wasm';
import type http from 'node:http';
import { constants as zlibConstants, crc32, gunzipSync, inflateRawSync } from 'node:zlib';
import { listTarGz, posixJoin } from './archives.js';
import {
  isFilePart,
  md5Hex,
  normalizePep503,
  sanitizeReason,
  sha256Hex,
  startServer,
  type FaultPlan,
  type FormPart,
  type Registry,
  type RegistryFile,
  type Reply,
  type RequestContext,
  type SeedFile,
} from './common.js';

export interface PypiToken {
  /** Project-scoped token: the projects (any spelling) it may upload to. Undefined = all projects of its user. */
  projects?: string[];
  expired?: boolean;
  /** Owner of the token (default `publisher`); must own existing projects to upload to them. */
  user?: string;
  /** Minted through Trusted Publishing: expires at this time (ms), and may carry attestations. */
  expiresAt?: number;
  trustedPublishing?: boolean;
  /** The owner has no verified primary e-mail → 403 (legacy.py `_ensure_user_can_upload`). */
  unverifiedEmail?: boolean;
  /** The owner has no two-factor authentication → 403 (legacy.py `_ensure_user_can_upload`). */
  no2fa?: boolean;
}

/**
 * Trusted Publishing (Warehouse `oidc/views.py`): an OIDC token whose claims match a publisher is
 * exchanged for a short-lived upload token. The sandbox does not check the JWT's signature: it stands
 * in for PyPI, not for GitHub's issuer.
 */
export interface PypiTrustedPublishing {
  audience?: string;
  /** A publisher matches when every listed claim equals the token's. */
  publishers: Array<{ claims: Record<string, string>; user?: string }>;
  /** Lifetime of minted tokens (default 900 s, as PyPI). */
  lifetimeSeconds?: number;
}

export interface PypiRegistryOptions {
  /** Replaces the default `{ 'pypi-test-token': {} }`. */
  tokens?: Record<string, PypiToken>;
  /** Per-file limit (default 100 MiB) → 400 `File too large. …`. */
  fileSizeLimit?: number;
  /** Reproduce Warehouse's archive checks (zip/tar structure, WHEEL/RECORD/METADATA, PKG-INFO). Default true. */
  checkArchives?: boolean;
  /** Number of new projects that may be created before uploads of new projects get 429. Default unlimited. */
  newProjectLimit?: number;
  /** Hard cap on request bodies (default 2 GiB) → 413. */
  maxBodyBytes?: number;
  trustedPublishing?: PypiTrustedPublishing;
  /** Names (any spelling) a new project may not take → 409 `The name '…' conflicts with an existing project. …`. */
  takenNames?: string[];
  /** Admin flag READ_ONLY → every upload gets 403 `Read-only mode: Uploads are temporarily disabled.` */
  readOnly?: boolean;
  /** Admin flag DISALLOW_NEW_UPLOAD → every upload gets 403 `New uploads are temporarily disabled. …` */
  uploadsDisabled?: boolean;
  /** Admin flag DISALLOW_NEW_PROJECT_REGISTRATION → a new project gets 403 `New project registration temporarily disabled. …` */
  projectRegistrationDisabled?: boolean;
  /**
   * The full trove-classifier list to check `classifiers` against (`'X' is not a valid classifier.`). Without it,
   * only the root category (`Development Status`, …, `Typing`) and the deprecated classifiers are checked.
   */
  knownClassifiers?: Iterable<string>;
}

export interface PypiSeedFile extends SeedFile {
  /** Username owning the project when the seed creates it (default `publisher`). */
  owner?: string;
}

export interface PypiRegistry extends Registry {
  /** `${url}/legacy/` */
  uploadUrl: string;
  /** `${url}/simple/` */
  indexUrl: string;
  seedFile(f: PypiSeedFile): void;
}

export const PYPI_DEFAULT_TOKEN = 'pypi-test-token';
export const PYPI_DEFAULT_USER = 'publisher';

const HELP = 'https://pypi.org/help/';
const CORE_METADATA = 'https://packaging.python.org/specifications/core-metadata';
const PROJECT_NAME_RE = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

// ---------------------------------------------------------------------------------------------------------------
// PEP 440 (packaging.version)
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// Python / Pyramid rendering helpers
// ---------------------------------------------------------------------------------------------------------------

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

/** Python `json.dumps` (ensure_ascii, default separators) of a flat object. */
function pyJsonDumps(obj: Record<string, string>): string {
  const enc = (s: string): string =>
    JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => (c === '\u007f' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return `{${Object.entries(obj)
    .map(([k, v]) => `${enc(k)}: ${enc(v)}`)
    .join(', ')}}`;
}

/** Pyramid `_html_escape`: html.escape(quote=True), then non-ASCII as decimal character references. */
function pyHtmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;')
    .replace(/[^\x00-\x7f]/gu, (c) => `&#${c.codePointAt(0)};`);
}

/**
 * WebOb `acceptable_offers`: offers sorted by q (stable), unacceptable ones dropped. An invalid header accepts
 * everything; `null` is returned for a missing/empty header so callers can apply their own default.
 */
export function acceptableOffers(accept: string | undefined, offers: string[]): string[] | null {
  if (accept === undefined || accept.trim() === '') return null;
  const ranges: Array<{ type: string; sub: string; q: number; params: number }> = [];
  for (const raw of accept.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const [mt, ...params] = item.split(';').map((x) => x.trim());
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\/([!#$%&'*+.^_`|~0-9A-Za-z-]+)$/.exec(mt ?? '');
    if (!m) return offers.slice(); // AcceptInvalidHeader: everything acceptable
    let q = 1;
    let other = 0;
    for (const p of params) {
      const [k, v] = p.split('=').map((x) => x.trim());
      if (k?.toLowerCase() === 'q') q = Number(v);
      else other++;
    }
    if (!Number.isFinite(q)) return offers.slice();
    ranges.push({ type: (m[1] ?? '').toLowerCase(), sub: (m[2] ?? '').toLowerCase(), q, params: other });
  }
  const scored: Array<{ offer: string; q: number; i: number }> = [];
  offers.forEach((offer, i) => {
    const [t, s] = offer.toLowerCase().split('/');
    let best: { spec: number; q: number } | undefined;
    for (const r of ranges) {
      if (r.params > 0) continue; // ranges with parameters only match offers with the same parameters
      const spec = r.type === t && r.sub === s ? 3 : r.type === t && r.sub === '*' ? 2 : r.type === '*' && r.sub === '*' ? 1 : 0;
      if (spec > 0 && (!best || spec > best.spec)) best = { spec, q: r.q };
    }
    if (best && best.q > 0) scored.push({ offer, q: best.q, i });
  });
  scored.sort((a, b) => b.q - a.q || a.i - b.i);
  return scored.map((x) => x.offer);
}

const TITLES: Record<number, [string, string]> = {
  200: ['OK', ''],
  308: ['Permanent Redirect', 'The resource has been moved to'],
  400: ['Bad Request', 'The server could not comply with the request since it is either malformed or otherwise incorrect.'],
  403: ['Forbidden', 'Access was denied to this resource.'],
  404: ['Not Found', 'The resource could not be found.'],
  405: ['Method Not Allowed', ''],
  409: ['Conflict', 'There was a conflict when trying to complete your request.'],
  410: ['Gone', 'This resource is no longer available.  No forwarding address is given.'],
  429: ['Too Many Requests', 'The action could not be performed because there were too many requests by the client.'],
};

interface PageOptions {
  /** Text for the reason phrase (Warehouse `_exc_with_message`); default: the class title. */
  message?: string;
  /** Body detail; default = message. `null` for exceptions raised with a status but no detail. */
  detail?: string | null;
  headers?: Record<string, string>;
  /** Location for 3xx (body template of `_HTTPMove`). */
  location?: string;
}

/** Renders a Pyramid HTTPException default page for `req`'s Accept header. */
export function pyramidPage(req: http.IncomingMessage, status: number, opts: PageOptions = {}): Reply {
  const [title, explanation] = TITLES[status] ?? [fallbackTitle(status), ''];
  const reason = sanitizeReason(opts.message ?? title);
  const statusLine = `${status} ${reason}`;
  const detail = opts.detail === null ? '' : (opts.detail ?? opts.message ?? '');
  const offers = acceptableOffers(req.headers.accept, ['text/html', 'application/json']);
  const match = [...(offers ?? []), 'text/plain'][0];
  const escapeText = match === 'text/html' ? pyHtmlEscape : (s: string): string => s;
  const br = match === 'text/html' ? '<br/>' : '\n';
  let body: string;
  if (status === 405) body = `The method ${escapeText(req.method ?? '')} is not allowed for this resource. ${br}${br}\n${escapeText(detail)}`;
  else if (opts.location !== undefined) {
    body = `${escapeText(explanation)} ${escapeText(opts.location)}; you should be redirected automatically.\n${escapeText(detail)}\n`;
  } else body = `${escapeText(explanation)}${br}${br}\n${escapeText(detail)}\n\n`;
  let page: string;
  let contentType: string;
  if (match === 'text/html') {
    page = `<html>\n <head>\n  <title>${statusLine}</title>\n </head>\n <body>\n  <h1>${statusLine}</h1>\n  ${body}\n </body>\n</html>`;
    contentType = 'text/html; charset=UTF-8';
  } else if (match === 'application/json') {
    page = pyJsonDumps({ message: body, code: statusLine, title });
    contentType = 'application/json';
  } else {
    page = `${statusLine}\n\n${body}`;
    contentType = 'text/plain; charset=UTF-8';
  }
  return { status, reason, headers: { 'Content-Type': contentType, ...(opts.headers ?? {}) }, body: page };
}

function fallbackTitle(status: number): string {
  return status >= 500 ? 'Internal Server Error' : 'Error';
}

// ---------------------------------------------------------------------------------------------------------------
// Wheel platform tags (warehouse/forklift/legacy.py _valid_platform_tag)
// ---------------------------------------------------------------------------------------------------------------

const ALLOWED_PLATFORMS = new Set([
  'any',
  'win32',
  'win_arm64',
  'win_amd64',
  'win_ia64',
  'manylinux1_x86_64',
  'manylinux1_i686',
  'manylinux2010_x86_64',
  'manylinux2010_i686',
  'manylinux2014_x86_64',
  'manylinux2014_i686',
  'manylinux2014_aarch64',
  'manylinux2014_armv7l',
  'manylinux2014_ppc64',
  'manylinux2014_ppc64le',
  'manylinux2014_s390x',
  'linux_armv6l',
  'linux_armv7l',
]);
const MACOS_ARCHES = new Set(['ppc', 'ppc64', 'i386', 'x86_64', 'arm64', 'intel', 'fat', 'fat3', 'fat64', 'universal', 'universal2']);
const MACOS_MAJORS = new Set(['11', '12', '13', '14', '15', '26']);
const LINUX_ARCHES = new Set(['x86_64', 'i686', 'aarch64', 'armv7l', 'ppc64le', 's390x', 'riscv64']);

function validPlatformTag(tag: string): boolean {
  if (ALLOWED_PLATFORMS.has(tag)) return true;
  let m = /^macosx_(\d+)_(\d+)_(.*)$/.exec(tag);
  if (m && m[1] === '10' && MACOS_ARCHES.has(m[3] ?? '')) return true;
  if (m && MACOS_MAJORS.has(m[1] ?? '') && m[2] === '0' && MACOS_ARCHES.has(m[3] ?? '')) return true;
  m = /^(many|musl)linux_(\d+)_(\d+)_(.*)$/.exec(tag);
  if (m) return LINUX_ARCHES.has(m[4] ?? '') || (m[1] === 'many' && m[4] === 'ppc64');
  // Python's re.match anchors only at the start: a tag may go on after the part the pattern needs.
  m = /^ios_(\d+)_(\d+)_(.*)_(iphoneos|iphonesimulator)/.exec(tag);
  if (m && (m[3] === 'arm64' || m[3] === 'x86_64')) return true;
  m = /^android_(\d+)_(.*)$/.exec(tag);
  if (m && ['armeabi_v7a', 'arm64_v8a', 'x86', 'x86_64'].includes(m[2] ?? '')) return true;
  return /^pyemscripten_(\d+)_(\d+)_wasm32/.test(tag);
}

/** packaging.utils.parse_wheel_filename → [canonical name, version, platforms] or an error message. */
function parseWheelFilename(filename: string): { name: string; version: Pep440Version; platforms: string[] } | { error: string } {
  if (!filename.endsWith('.whl')) return { error: `Invalid wheel filename (extension must be '.whl'): ${pyRepr(filename)}` };
  const stem = filename.slice(0, -4);
  const dashes = stem.split('-').length - 1;
  if (dashes !== 4 && dashes !== 5) return { error: `Invalid wheel filename (wrong number of parts): ${pyRepr(stem)}` };
  const all = stem.split('-');
  const namePart = all[0] ?? '';
  if (namePart.includes('__') || !/^[\p{L}\p{N}\p{M}_.]*$/u.test(namePart)) return { error: `Invalid project name: ${pyRepr(stem)}` };
  const version = parsePep440(all[1] ?? '');
  if (!version) return { error: `Invalid wheel filename (invalid version): ${pyRepr(stem)}` };
  if (dashes === 5 && !/^\d/.test(all[2] ?? '')) return { error: `Invalid build number: ${all[2] ?? ''} in ${pyRepr(stem)}` };
  const platforms = (all[all.length - 1] ?? '').split('.');
  return { name: normalizePep503(namePart), version, platforms };
}

// ---------------------------------------------------------------------------------------------------------------
// Core metadata, as Warehouse validates the upload form (warehouse/forklift/metadata.py `parse` →
// `parse_form_metadata` → packaging.metadata `Metadata.from_raw(validate=True)`, then `_validate_metadata`).
// Read at pypi/warehouse 6b62157 (2026-08-21), which pins packaging==26.2 (pypa/packaging tag 26.2, 84a87ee).
// ---------------------------------------------------------------------------------------------------------------

/** packaging.metadata `_VALID_METADATA_VERSIONS` (= Warehouse `SUPPORTED_METADATA_VERSIONS`), oldest first. */
const METADATA_VERSIONS = ['1.0', '1.1', '1.2', '2.1', '2.2', '2.3', '2.4', '2.5'];

type RawKind = 'string' | 'list' | 'keywords' | 'dict';
/**
 * packaging.metadata `RawMetadata` keys → [core-metadata field (`_RAW_TO_EMAIL_MAPPING`), the `added=` version of
 * its `_Validator`, the kind (`_STRING_FIELDS` / `_LIST_FIELDS` / keywords / `_DICT_FIELDS`)].
 */
const RAW_FIELDS: Record<string, [string, string, RawKind]> = {
  metadata_version: ['metadata-version', '1.0', 'string'],
  name: ['name', '1.0', 'string'],
  version: ['version', '1.0', 'string'],
  dynamic: ['dynamic', '2.2', 'list'],
  platforms: ['platform', '1.0', 'list'],
  supported_platforms: ['supported-platform', '1.1', 'list'],
  summary: ['summary', '1.0', 'string'],
  description: ['description', '1.0', 'string'],
  description_content_type: ['description-content-type', '2.1', 'string'],
  keywords: ['keywords', '1.0', 'keywords'],
  home_page: ['home-page', '1.0', 'string'],
  download_url: ['download-url', '1.1', 'string'],
  author: ['author', '1.0', 'string'],
  author_email: ['author-email', '1.0', 'string'],
  maintainer: ['maintainer', '1.2', 'string'],
  maintainer_email: ['maintainer-email', '1.2', 'string'],
  license: ['license', '1.0', 'string'],
  license_expression: ['license-expression', '2.4', 'string'],
  license_files: ['license-file', '2.4', 'list'],
  classifiers: ['classifier', '1.1', 'list'],
  requires_dist: ['requires-dist', '1.2', 'list'],
  requires_python: ['requires-python', '1.2', 'string'],
  requires_external: ['requires-external', '1.2', 'list'],
  project_urls: ['project-url', '1.2', 'dict'],
  provides_extra: ['provides-extra', '2.1', 'list'],
  provides_dist: ['provides-dist', '1.2', 'list'],
  obsoletes_dist: ['obsoletes-dist', '1.2', 'list'],
  import_names: ['import-name', '2.5', 'list'],
  import_namespaces: ['import-namespace', '2.5', 'list'],
  requires: ['requires', '1.1', 'list'],
  provides: ['provides', '1.1', 'list'],
  obsoletes: ['obsoletes', '1.1', 'list'],
};
/** warehouse/forklift/metadata.py `_override`: the five form names that differ from the RawMetadata key. */
const FORM_RENAMES: Record<string, string> = {
  platforms: 'platform',
  supported_platforms: 'supported_platform',
  license_files: 'license_file',
  import_names: 'import_name',
  import_namespaces: 'import_namespace',
};
/** `_FORM_TO_RAW_MAPPING`. */
const FORM_TO_RAW: Record<string, string> = Object.fromEntries(Object.keys(RAW_FIELDS).map((raw) => [FORM_RENAMES[raw] ?? raw, raw]));
const EMAIL_FIELDS = new Set(Object.values(RAW_FIELDS).map(([email]) => email));
/** warehouse/forklift/metadata.py `DYNAMIC_FIELDS`, lower-cased. */
const WAREHOUSE_DYNAMIC_FIELDS = new Set(
  [
    'Platform',
    'Supported-Platform',
    'Summary',
    'Description',
    'Description-Content-Type',
    'Keywords',
    'Home-Page',
    'Download-Url',
    'Author',
    'Author-Email',
    'Maintainer',
    'Maintainer-Email',
    'License',
    'License-Expression',
    'License-File',
    'Classifier',
    'Requires-Dist',
    'Requires-Python',
    'Requires-External',
    'Project-Url',
    'Provides-Extra',
    'Provides-Dist',
    'Obsoletes-Dist',
    'Requires',
    'Provides',
    'Obsoletes',
    'Import-Name',
    'Import-Namespace',
  ].map((f) => f.toLowerCase()),
);
/** Python `keyword.kwlist`. */
const PY_KEYWORDS = new Set([
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

/** Length of a str as Python counts it (code points). */
const pyLen = (s: string): number => Array.from(s).length;

/** Python `repr()` of a list of str. */
function pyListRepr(items: string[]): string {
  return `[${items.map(pyRepr).join(', ')}]`;
}

/** packaging.utils `canonicalize_name(name, validate=True)`'s check (`_validate_regex`, ASCII, full match). */
const VALID_NAME_RE = /^([a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$/i;

// --- PEP 440 specifiers (packaging/specifiers.py `Specifier._specifier_regex_str`, VERBOSE|IGNORECASE) ------------

const SPEC_PRE = '(?:[-_.]?(?:alpha|beta|preview|pre|a|b|c|rc)[-_.]?[0-9]*)?';
const SPEC_POST = '(?:(?:-[0-9]+)|(?:[-_.]?(?:post|rev|r)[-_.]?[0-9]*))?';
const SPEC_DEV = '(?:[-_.]?dev[-_.]?[0-9]*)?';
const SPECIFIER_SRC =
  '(?:(?:===\\s*[^\\s;)]*)' +
  `|(?:(?:==|!=)\\s*v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)*(?:\\.\\*|${SPEC_PRE}${SPEC_POST}${SPEC_DEV}(?:\\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?)?)` +
  `|(?:~=\\s*v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)+${SPEC_PRE}${SPEC_POST}${SPEC_DEV})` +
  `|(?:(?:<=|>=|<|>)\\s*v?(?:[0-9]+!)?[0-9]+(?:\\.[0-9]+)*${SPEC_PRE}${SPEC_POST}${SPEC_DEV}))`;
/** `Specifier._regex` used with fullmatch. */
const SPECIFIER_FULL_RE = new RegExp(`^\\s*${SPECIFIER_SRC}\\s*$`, 'i');

/** packaging.specifiers `SpecifierSet(value)` parses (split on ',', blanks dropped, each a `Specifier`). */
function isValidSpecifierSet(value: string): boolean {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .every((s) => SPECIFIER_FULL_RE.test(s));
}

// --- PEP 508 (packaging/_tokenizer.py + packaging/_parser.py, ported with their messages) ----------------------

/** Python's `\b` for str patterns (Unicode word characters: letters, numbers, underscore). */
const PY_WORD = '[\\p{L}\\p{N}_]';
const PY_B = `(?:(?<=${PY_WORD})(?!${PY_WORD})|(?<!${PY_WORD})(?=${PY_WORD}))`;
/** `DEFAULT_RULES`. `END` is Python's `$`: the end, or just before a final newline. */
const PEP508_RULES: Record<string, RegExp> = {
  LEFT_PARENTHESIS: /\(/y,
  RIGHT_PARENTHESIS: /\)/y,
  LEFT_BRACKET: /\[/y,
  RIGHT_BRACKET: /\]/y,
  SEMICOLON: /;/y,
  COMMA: /,/y,
  QUOTED_STRING: /('[^']*')|("[^"]*")/y,
  OP: /(===|==|~=|!=|<=|>=|<|>)/y,
  BOOLOP: new RegExp(`${PY_B}(or|and)${PY_B}`, 'uy'),
  IN: new RegExp(`${PY_B}in${PY_B}`, 'uy'),
  NOT: new RegExp(`${PY_B}not${PY_B}`, 'uy'),
  VARIABLE: new RegExp(
    `${PY_B}(python_version|python_full_version|os[._]name|sys[._]platform|platform_(release|system)` +
      `|platform[._](version|machine|python_implementation)|python_implementation|implementation_(name|version)` +
      `|extras?|dependency_groups)${PY_B}`,
    'uy',
  ),
  SPECIFIER: new RegExp(SPECIFIER_SRC, 'iy'),
  AT: /@/y,
  URL: /[^ \t]+/y,
  IDENTIFIER: new RegExp(`${PY_B}[a-zA-Z0-9][a-zA-Z0-9._-]*${PY_B}`, 'uy'),
  VERSION_PREFIX_TRAIL: /\.\*/y,
  VERSION_LOCAL_LABEL_TRAIL: /\+[a-z0-9]+(?:[-_.][a-z0-9]+)*/y,
  WS: /[ \t]+/y,
  END: /(?=\n?$)/y,
};

/** packaging._tokenizer `ParserSyntaxError`; `String(e)` is its `__str__` (message, source, caret line). */
class Pep508Error extends Error {
  constructor(
    readonly detail: string,
    readonly source: string,
    readonly span: [number, number],
  ) {
    super(detail);
  }
  override toString(): string {
    const cp = (i: number): number => pyLen(this.source.slice(0, i));
    const [a, b] = [cp(this.span[0]), cp(this.span[1])];
    return `${this.detail}\n    ${this.source}\n    ${' '.repeat(a)}${'~'.repeat(Math.max(0, b - a))}^`;
  }
}

interface Pep508Token {
  text: string;
  position: number;
}

class Pep508Tokenizer {
  position = 0;
  private nextToken: Pep508Token | null = null;
  constructor(readonly source: string) {}
  check(name: string, peek = false): boolean {
    const re = PEP508_RULES[name] as RegExp;
    re.lastIndex = this.position;
    const m = re.exec(this.source);
    if (!m) return false;
    if (!peek) this.nextToken = { text: m[0], position: this.position };
    return true;
  }
  expect(name: string, expected: string): Pep508Token {
    if (!this.check(name)) this.raise(`Expected ${expected}`);
    return this.read();
  }
  read(): Pep508Token {
    const t = this.nextToken as Pep508Token;
    this.position += t.text.length;
    this.nextToken = null;
    return t;
  }
  consume(name: string): void {
    if (this.check(name)) this.read();
  }
  raise(message: string, spanStart?: number, spanEnd?: number): never {
    throw new Pep508Error(message, this.source, [spanStart ?? this.position, spanEnd ?? this.position]);
  }
  enclosing<T>(open: string, close: string, around: string, body: () => T): T {
    let openPosition: number | null = null;
    if (this.check(open)) {
      openPosition = this.position;
      this.read();
    }
    const r = body();
    if (openPosition === null) return r;
    if (!this.check(close)) this.raise(`Expected matching ${close} for ${open}, after ${around}`, openPosition);
    this.read();
    return r;
  }
}

interface MarkerVar {
  variable: boolean;
  value: string;
}
interface MarkerItem {
  item: [MarkerVar, string, MarkerVar];
}
type MarkerAtom = MarkerItem | MarkerList;
type MarkerList = Array<MarkerAtom | 'and' | 'or'>;

interface ParsedRequirement {
  name: string;
  url: string;
  extras: string[];
  specifier: string;
  marker: MarkerList | null;
}

/** Python `ast.literal_eval` of a quoted string token (the escapes a marker value can use). */
function pyStringLiteral(token: string, tok: Pep508Tokenizer): string {
  const body = token.slice(1, -1);
  if (body.includes('\n') && !/\\\n/.test(body)) tok.raise('Expected a marker variable or quoted string'); // SyntaxError in Python
  const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '' };
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|[\s\S])/g, (all, e: string) => {
    if (e in simple) return simple[e] as string;
    if (/^[xuU]/.test(e) && e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCodePoint(parseInt(e, 8));
    return all;
  });
}

/** packaging/_parser.py `parse_requirement`; throws `Pep508Error`. */
function parsePep508(source: string): ParsedRequirement {
  const t = new Pep508Tokenizer(source);

  const parseMarkerVar = (): MarkerVar => {
    if (t.check('VARIABLE')) {
      const v = t.read().text.replace(/\./g, '_');
      return { variable: true, value: v === 'python_implementation' ? 'platform_python_implementation' : v };
    }
    if (t.check('QUOTED_STRING')) return { variable: false, value: pyStringLiteral(t.read().text, t) };
    return t.raise('Expected a marker variable or quoted string');
  };
  const parseMarkerOp = (): string => {
    if (t.check('IN')) {
      t.read();
      return 'in';
    }
    if (t.check('NOT')) {
      t.read();
      t.expect('WS', "whitespace after 'not'");
      t.expect('IN', "'in' after 'not'");
      return 'not in';
    }
    if (t.check('OP')) return t.read().text;
    return t.raise('Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in');
  };
  const parseMarkerItem = (): MarkerItem => {
    t.consume('WS');
    const left = parseMarkerVar();
    t.consume('WS');
    const op = parseMarkerOp();
    t.consume('WS');
    const right = parseMarkerVar();
    t.consume('WS');
    return { item: [left, op, right] };
  };
  const parseMarkerAtom = (): MarkerAtom => {
    t.consume('WS');
    let marker: MarkerAtom;
    if (t.check('LEFT_PARENTHESIS', true)) {
      marker = t.enclosing('LEFT_PARENTHESIS', 'RIGHT_PARENTHESIS', 'marker expression', () => {
        t.consume('WS');
        const m = parseMarker();
        t.consume('WS');
        return m;
      });
    } else marker = parseMarkerItem();
    t.consume('WS');
    return marker;
  };
  const parseMarker = (): MarkerList => {
    const expression: MarkerList = [parseMarkerAtom()];
    while (t.check('BOOLOP')) {
      const op = t.read().text as 'and' | 'or';
      expression.push(op, parseMarkerAtom());
    }
    return expression;
  };
  const parseRequirementMarker = (spanStart: number, expected: string): MarkerList => {
    if (!t.check('SEMICOLON')) t.raise(`Expected ${expected} or end`, spanStart);
    t.read();
    const marker = parseMarker();
    t.consume('WS');
    return marker;
  };
  const parseVersionMany = (): string => {
    let specs = '';
    while (t.check('SPECIFIER')) {
      const spanStart = t.position;
      specs += t.read().text;
      if (t.check('VERSION_PREFIX_TRAIL', true)) {
        t.raise('.* suffix can only be used with `==` or `!=` operators', spanStart, t.position + 1);
      }
      if (t.check('VERSION_LOCAL_LABEL_TRAIL', true)) {
        t.raise('Local version label can only be used with `==` or `!=` operators', spanStart, t.position);
      }
      t.consume('WS');
      if (!t.check('COMMA')) break;
      specs += t.read().text;
      t.consume('WS');
    }
    return specs;
  };
  const parseExtras = (): string[] => {
    if (!t.check('LEFT_BRACKET', true)) return [];
    return t.enclosing('LEFT_BRACKET', 'RIGHT_BRACKET', 'extras', () => {
      t.consume('WS');
      const extras: string[] = [];
      if (t.check('IDENTIFIER')) {
        extras.push(t.read().text);
        for (;;) {
          t.consume('WS');
          if (t.check('IDENTIFIER', true)) t.raise('Expected comma between extra names');
          else if (!t.check('COMMA')) break;
          t.read();
          t.consume('WS');
          extras.push(t.expect('IDENTIFIER', 'extra name after comma').text);
        }
      }
      t.consume('WS');
      return extras;
    });
  };

  t.consume('WS');
  const name = t.expect('IDENTIFIER', 'package name at the start of dependency specifier').text;
  t.consume('WS');
  const extras = parseExtras();
  t.consume('WS');
  let url = '';
  let specifier = '';
  let marker: MarkerList | null = null;
  if (t.check('AT')) {
    t.read();
    t.consume('WS');
    const urlStart = t.position;
    url = t.expect('URL', 'URL after @').text;
    if (!t.check('END', true)) {
      t.expect('WS', 'whitespace after URL');
      if (!t.check('END', true)) marker = parseRequirementMarker(urlStart, 'semicolon (after URL and whitespace)');
    }
  } else {
    const specifierStart = t.position;
    specifier = t.enclosing('LEFT_PARENTHESIS', 'RIGHT_PARENTHESIS', 'version specifier', () => {
      t.consume('WS');
      const s = parseVersionMany();
      t.consume('WS');
      return s;
    });
    t.consume('WS');
    if (!t.check('END', true)) {
      marker = parseRequirementMarker(
        specifierStart,
        specifier ? 'comma (within version specifier), semicolon (after version specifier)' : 'semicolon (after name with no version specifier)',
      );
    }
  }
  t.expect('END', 'end of dependency specifier');
  return { name, url, extras, specifier, marker };
}

/** packaging.markers `_format_marker` (after `_normalize_extra_values` on the top level). */
function formatMarker(marker: MarkerAtom | 'and' | 'or', first = true): string {
  const ser = (v: MarkerVar): string => (v.variable ? v.value : `"${v.value}"`);
  if (Array.isArray(marker)) {
    const only = marker[0];
    if (marker.length === 1 && typeof only === 'object') return formatMarker(only);
    const inner = marker.map((m) => formatMarker(m, false)).join(' ');
    return first ? inner : `(${inner})`;
  }
  if (typeof marker === 'object') return marker.item.map((x) => (typeof x === 'string' ? x : ser(x))).join(' ');
  return marker;
}

/** `str(packaging.requirements.Requirement(...))` for a requirement with a URL (Warehouse's direct-dependency message). */
function requirementWithUrlStr(r: ParsedRequirement): string {
  const extras = [...new Set(r.extras)].sort();
  let marker = '';
  if (r.marker) {
    const normalized: MarkerList = r.marker.map((m) => {
      if (typeof m !== 'object' || Array.isArray(m)) return m;
      const [l, op, rt] = m.item;
      if (l.variable && l.value === 'extra') return { item: [l, op, { variable: false, value: normalizePep503(rt.value) }] };
      if (rt.variable && rt.value === 'extra') return { item: [{ variable: false, value: normalizePep503(l.value) }, op, rt] };
      return m;
    });
    marker = ` ; ${formatMarker(normalized)}`;
  }
  return `${r.name}${extras.length ? `[${extras.join(',')}]` : ''} @ ${r.url}${marker}`;
}

// --- License-Expression (packaging/licenses/__init__.py `canonicalize_license_expression`, SPDX list 3.27.0) ------

/** packaging/licenses/_spdx.py `LICENSES` keys (lower-cased SPDX ids, list version 3.27.0). */
const SPDX_LICENSES = new Set(
  `
0bsd 3d-slicer-1.0 aal abstyles adacore-doc adobe-2006 adobe-display-postscript adobe-glyph adobe-utopia adsl
afl-1.1 afl-1.2 afl-2.0 afl-2.1 afl-3.0 afmparse agpl-1.0 agpl-1.0-only agpl-1.0-or-later agpl-3.0 agpl-3.0-only
agpl-3.0-or-later aladdin amd-newlib amdplpa aml aml-glslang ampas antlr-pd antlr-pd-fallback any-osi
any-osi-perl-modules apache-1.0 apache-1.1 apache-2.0 apafml apl-1.0 app-s2p apsl-1.0 apsl-1.1 apsl-1.2 apsl-2.0
arphic-1999 artistic-1.0 artistic-1.0-cl8 artistic-1.0-perl artistic-2.0 artistic-dist aspell-ru
aswf-digital-assets-1.0 aswf-digital-assets-1.1 baekmuk bahyph barr bcrypt-solar-designer beerware bitstream-charter
bitstream-vera bittorrent-1.0 bittorrent-1.1 blessing blueoak-1.0.0 boehm-gc boehm-gc-without-fee borceux
brian-gladman-2-clause brian-gladman-3-clause bsd-1-clause bsd-2-clause bsd-2-clause-darwin bsd-2-clause-first-lines
bsd-2-clause-freebsd bsd-2-clause-netbsd bsd-2-clause-patent bsd-2-clause-pkgconf-disclaimer bsd-2-clause-views
bsd-3-clause bsd-3-clause-acpica bsd-3-clause-attribution bsd-3-clause-clear bsd-3-clause-flex bsd-3-clause-hp
bsd-3-clause-lbnl bsd-3-clause-modification bsd-3-clause-no-military-license bsd-3-clause-no-nuclear-license
bsd-3-clause-no-nuclear-license-2014 bsd-3-clause-no-nuclear-warranty bsd-3-clause-open-mpi bsd-3-clause-sun
bsd-4-clause bsd-4-clause-shortened bsd-4-clause-uc bsd-4.3reno bsd-4.3tahoe bsd-advertising-acknowledgement
bsd-attribution-hpnd-disclaimer bsd-inferno-nettverk bsd-protection bsd-source-beginning-file bsd-source-code
bsd-systemics bsd-systemics-w3works bsl-1.0 busl-1.1 bzip2-1.0.5 bzip2-1.0.6 c-uda-1.0 cal-1.0
cal-1.0-combined-work-exception caldera caldera-no-preamble catharon catosl-1.1 cc-by-1.0 cc-by-2.0 cc-by-2.5
cc-by-2.5-au cc-by-3.0 cc-by-3.0-at cc-by-3.0-au cc-by-3.0-de cc-by-3.0-igo cc-by-3.0-nl cc-by-3.0-us cc-by-4.0
cc-by-nc-1.0 cc-by-nc-2.0 cc-by-nc-2.5 cc-by-nc-3.0 cc-by-nc-3.0-de cc-by-nc-4.0 cc-by-nc-nd-1.0 cc-by-nc-nd-2.0
cc-by-nc-nd-2.5 cc-by-nc-nd-3.0 cc-by-nc-nd-3.0-de cc-by-nc-nd-3.0-igo cc-by-nc-nd-4.0 cc-by-nc-sa-1.0
cc-by-nc-sa-2.0 cc-by-nc-sa-2.0-de cc-by-nc-sa-2.0-fr cc-by-nc-sa-2.0-uk cc-by-nc-sa-2.5 cc-by-nc-sa-3.0
cc-by-nc-sa-3.0-de cc-by-nc-sa-3.0-igo cc-by-nc-sa-4.0 cc-by-nd-1.0 cc-by-nd-2.0 cc-by-nd-2.5 cc-by-nd-3.0
cc-by-nd-3.0-de cc-by-nd-4.0 cc-by-sa-1.0 cc-by-sa-2.0 cc-by-sa-2.0-uk cc-by-sa-2.1-jp cc-by-sa-2.5 cc-by-sa-3.0
cc-by-sa-3.0-at cc-by-sa-3.0-de cc-by-sa-3.0-igo cc-by-sa-4.0 cc-pddc cc-pdm-1.0 cc-sa-1.0 cc0-1.0 cddl-1.0 cddl-1.1
cdl-1.0 cdla-permissive-1.0 cdla-permissive-2.0 cdla-sharing-1.0 cecill-1.0 cecill-1.1 cecill-2.0 cecill-2.1
cecill-b cecill-c cern-ohl-1.1 cern-ohl-1.2 cern-ohl-p-2.0 cern-ohl-s-2.0 cern-ohl-w-2.0 cfitsio check-cvs checkmk
clartistic clips cmu-mach cmu-mach-nodoc cnri-jython cnri-python cnri-python-gpl-compatible coil-1.0
community-spec-1.0 condor-1.1 copyleft-next-0.3.0 copyleft-next-0.3.1 cornell-lossless-jpeg cpal-1.0 cpl-1.0
cpol-1.02 cronyx crossword cryptoswift crystalstacker cua-opl-1.0 cube curl cve-tou d-fsl-1.0 dec-3-clause diffmark
dl-de-by-2.0 dl-de-zero-2.0 doc docbook-dtd docbook-schema docbook-stylesheet docbook-xml dotseqn drl-1.0 drl-1.1
dsdp dtoa dvipdfm ecl-1.0 ecl-2.0 ecos-2.0 efl-1.0 efl-2.0 egenix elastic-2.0 entessa epics epl-1.0 epl-2.0
erlpl-1.1 etalab-2.0 eudatagrid eupl-1.0 eupl-1.1 eupl-1.2 eurosym fair fbm fdk-aac ferguson-twofish frameworx-1.0
freebsd-doc freeimage fsfap fsfap-no-warranty-disclaimer fsful fsfullr fsfullrsd fsfullrwd fsl-1.1-alv2 fsl-1.1-mit
ftl furuseth fwlw game-programming-gems gcr-docs gd generic-xts gfdl-1.1 gfdl-1.1-invariants-only
gfdl-1.1-invariants-or-later gfdl-1.1-no-invariants-only gfdl-1.1-no-invariants-or-later gfdl-1.1-only
gfdl-1.1-or-later gfdl-1.2 gfdl-1.2-invariants-only gfdl-1.2-invariants-or-later gfdl-1.2-no-invariants-only
gfdl-1.2-no-invariants-or-later gfdl-1.2-only gfdl-1.2-or-later gfdl-1.3 gfdl-1.3-invariants-only
gfdl-1.3-invariants-or-later gfdl-1.3-no-invariants-only gfdl-1.3-no-invariants-or-later gfdl-1.3-only
gfdl-1.3-or-later giftware gl2ps glide glulxe glwtpl gnuplot gpl-1.0 gpl-1.0+ gpl-1.0-only gpl-1.0-or-later gpl-2.0
gpl-2.0+ gpl-2.0-only gpl-2.0-or-later gpl-2.0-with-autoconf-exception gpl-2.0-with-bison-exception
gpl-2.0-with-classpath-exception gpl-2.0-with-font-exception gpl-2.0-with-gcc-exception gpl-3.0 gpl-3.0+
gpl-3.0-only gpl-3.0-or-later gpl-3.0-with-autoconf-exception gpl-3.0-with-gcc-exception graphics-gems gsoap-1.3b
gtkbook gutmann haskellreport hdf5 hdparm hidapi hippocratic-2.1 hp-1986 hp-1989 hpnd hpnd-dec hpnd-doc
hpnd-doc-sell hpnd-export-us hpnd-export-us-acknowledgement hpnd-export-us-modify hpnd-export2-us
hpnd-fenneberg-livingston hpnd-inria-imag hpnd-intel hpnd-kevlin-henney hpnd-markus-kuhn
hpnd-merchantability-variant hpnd-mit-disclaimer hpnd-netrek hpnd-pbmplus hpnd-sell-mit-disclaimer-xserver
hpnd-sell-regexpr hpnd-sell-variant hpnd-sell-variant-mit-disclaimer hpnd-sell-variant-mit-disclaimer-rev hpnd-uc
hpnd-uc-export-us htmltidy ibm-pibs icu iec-code-components-eula ijg ijg-short imagemagick imatix imlib2 info-zip
inner-net-2.0 innosetup intel intel-acpi interbase-1.0 ipa ipl-1.0 isc isc-veillard jam jasper-2.0 jove jpl-image
jpnic json kastrup kazlib knuth-ctan lal-1.2 lal-1.3 latex2e latex2e-translated-notice leptonica lgpl-2.0 lgpl-2.0+
lgpl-2.0-only lgpl-2.0-or-later lgpl-2.1 lgpl-2.1+ lgpl-2.1-only lgpl-2.1-or-later lgpl-3.0 lgpl-3.0+ lgpl-3.0-only
lgpl-3.0-or-later lgpllr libpng libpng-1.6.35 libpng-2.0 libselinux-1.0 libtiff libutil-david-nugent liliq-p-1.1
liliq-r-1.1 liliq-rplus-1.1 linux-man-pages-1-para linux-man-pages-copyleft linux-man-pages-copyleft-2-para
linux-man-pages-copyleft-var linux-openib loop lpd-document lpl-1.0 lpl-1.02 lppl-1.0 lppl-1.1 lppl-1.2 lppl-1.3a
lppl-1.3c lsof lucida-bitmap-fonts lzma-sdk-9.11-to-9.20 lzma-sdk-9.22 mackerras-3-clause
mackerras-3-clause-acknowledgment magaz mailprio makeindex man2html martin-birgmeier mcphee-slideshow metamail
minpack mips miros mit mit-0 mit-advertising mit-click mit-cmu mit-enna mit-feh mit-festival mit-khronos-old
mit-modern-variant mit-open-group mit-testregex mit-wu mitnfa mmixware motosoto mpeg-ssg mpi-permissive mpich2
mpl-1.0 mpl-1.1 mpl-2.0 mpl-2.0-no-copyleft-exception mplus ms-lpl ms-pl ms-rl mtll mulanpsl-1.0 mulanpsl-2.0
multics mup naist-2003 nasa-1.3 naumen nbpl-1.0 ncbi-pd ncgl-uk-2.0 ncl ncsa net-snmp netcdf newsletr ngpl ngrep
nicta-1.0 nist-pd nist-pd-fallback nist-software nlod-1.0 nlod-2.0 nlpl nokia nosl noweb npl-1.0 npl-1.1 nposl-3.0
nrl ntia-pd ntp ntp-0 nunit o-uda-1.0 oar occt-pl oclc-2.0 odbl-1.0 odc-by-1.0 offis ofl-1.0 ofl-1.0-no-rfn
ofl-1.0-rfn ofl-1.1 ofl-1.1-no-rfn ofl-1.1-rfn ogc-1.0 ogdl-taiwan-1.0 ogl-canada-2.0 ogl-uk-1.0 ogl-uk-2.0
ogl-uk-3.0 ogtsl oldap-1.1 oldap-1.2 oldap-1.3 oldap-1.4 oldap-2.0 oldap-2.0.1 oldap-2.1 oldap-2.2 oldap-2.2.1
oldap-2.2.2 oldap-2.3 oldap-2.4 oldap-2.5 oldap-2.6 oldap-2.7 oldap-2.8 olfl-1.3 oml openpbs-2.3 openssl
openssl-standalone openvision opl-1.0 opl-uk-3.0 opubl-1.0 oset-pl-2.1 osl-1.0 osl-1.1 osl-2.0 osl-2.1 osl-3.0 padl
parity-6.0.0 parity-7.0.0 pddl-1.0 php-3.0 php-3.01 pixar pkgconf plexus pnmstitch polyform-noncommercial-1.0.0
polyform-small-business-1.0.0 postgresql ppl psf-2.0 psfrag psutils python-2.0 python-2.0.1 python-ldap qhull
qpl-1.0 qpl-1.0-inria-2004 radvd rdisc rhecos-1.1 rpl-1.1 rpl-1.5 rpsl-1.0 rsa-md rscpl ruby ruby-pty sax-pd
sax-pd-2.0 saxpath scea schemereport sendmail sendmail-8.23 sendmail-open-source-1.1 sgi-b-1.0 sgi-b-1.1 sgi-b-2.0
sgi-opengl sgp4 shl-0.5 shl-0.51 simpl-2.0 sissl sissl-1.2 sl sleepycat smail-gpl smlnj smppl snia snprintf sofa
softsurfer soundex spencer-86 spencer-94 spencer-99 spl-1.0 ssh-keyscan ssh-openssh ssh-short ssleay-standalone
sspl-1.0 standardml-nj sugarcrm-1.1.3 sul-1.0 sun-ppp sun-ppp-2000 sunpro swl swrule symlinks tapr-ohl-1.0 tcl
tcp-wrappers termreadkey tgppl-1.0 thirdeye threeparttable tmate torque-1.1 tosl tpdl tpl-1.0 trustedqsl ttwl ttyp0
tu-berlin-1.0 tu-berlin-2.0 ubuntu-font-1.0 ucar ucl-1.0 ulem umich-merit unicode-3.0 unicode-dfs-2015
unicode-dfs-2016 unicode-tou unixcrypt unlicense unlicense-libtelnet unlicense-libwhirlpool upl-1.0 urt-rle vim
vostrom vsl-1.0 w3c w3c-19980720 w3c-20150513 w3m watcom-1.0 widget-workshop wsuipa wtfpl wwl wxwindows x11
x11-distribute-modifications-variant x11-swapped xdebug-1.03 xerox xfig xfree86-1.1 xinetd xkeyboard-config-zinoviev
xlock xnet xpp xskat xzoom ypl-1.0 ypl-1.1 zed zeeff zend-2.0 zimbra-1.3 zimbra-1.4 zlib zlib-acknowledgement
zpl-1.1 zpl-2.0 zpl-2.1
`
    .split(/\s+/)
    .filter(Boolean),
);
/** packaging/licenses/_spdx.py `EXCEPTIONS` keys. */
const SPDX_EXCEPTIONS = new Set(
  `
389-exception asterisk-exception asterisk-linking-protocols-exception autoconf-exception-2.0 autoconf-exception-3.0
autoconf-exception-generic autoconf-exception-generic-3.0 autoconf-exception-macro bison-exception-1.24
bison-exception-2.2 bootloader-exception cgal-linking-exception classpath-exception-2.0 clisp-exception-2.0
cryptsetup-openssl-exception digia-qt-lgpl-exception-1.1 digirule-foss-exception ecos-exception-2.0
erlang-otp-linking-exception fawkes-runtime-exception fltk-exception fmt-exception font-exception-2.0
freertos-exception-2.0 gcc-exception-2.0 gcc-exception-2.0-note gcc-exception-3.1 gmsh-exception gnat-exception
gnome-examples-exception gnu-compiler-exception gnu-javamail-exception gpl-3.0-389-ds-base-exception
gpl-3.0-interface-exception gpl-3.0-linking-exception gpl-3.0-linking-source-exception gpl-cc-1.0
gstreamer-exception-2005 gstreamer-exception-2008 harbour-exception i2p-gpl-java-exception
independent-modules-exception kicad-libraries-exception lgpl-3.0-linking-exception libpri-openh323-exception
libtool-exception linux-syscall-note llgpl llvm-exception lzma-exception mif-exception mxml-exception
nokia-qt-exception-1.1 ocaml-lgpl-linking-exception occt-exception-1.0 openjdk-assembly-exception-1.0
openvpn-openssl-exception pcre2-exception polyparse-exception ps-or-pdf-font-exception-20170817
qpl-1.0-inria-2004-exception qt-gpl-exception-1.0 qt-lgpl-exception-1.1 qwt-exception-1.0 romic-exception
rrdtool-floss-exception-2.0 sane-exception shl-2.0 shl-2.1 stunnel-exception swi-exception swift-exception
texinfo-exception u-boot-exception-2.0 ubdl-exception universal-foss-exception-1.0 vsftpd-openssl-exception
wxwindows-exception-3.1 x11vnc-openssl-exception
`
    .split(/\s+/)
    .filter(Boolean),
);

/** True when packaging would canonicalize the expression (the message never shows packaging's reason). */
function isValidLicenseExpression(raw: string): boolean {
  if (!raw) return false;
  const spaced = raw.replace(/\(/g, ' ( ').replace(/\)/g, ' ) ');
  const tokens = spaced.toLowerCase().split(/\s+/).filter(Boolean);
  // The boolean-expression check: ids become `False`, WITH becomes `or`, then Python's grammar must accept it.
  const py: string[] = [];
  for (const tok of tokens) {
    if (!['or', 'and', 'with', '(', ')'].includes(tok)) py.push('False');
    else if (tok === 'with') py.push('or');
    else if ((tok === '(' && py.length > 0 && !['or', 'and', '('].includes(py[py.length - 1] ?? '')) || (tok === ')' && py[py.length - 1] === '(')) {
      return false;
    } else py.push(tok);
  }
  let i = 0;
  const expr = (): boolean => {
    if (!term()) return false;
    while (py[i] === 'or') {
      i++;
      if (!term()) return false;
    }
    return true;
  };
  const term = (): boolean => {
    if (!factor()) return false;
    while (py[i] === 'and') {
      i++;
      if (!factor()) return false;
    }
    return true;
  };
  const factor = (): boolean => {
    if (py[i] === 'False') {
      i++;
      return true;
    }
    if (py[i] !== '(') return false;
    i++;
    if (!expr() || py[i] !== ')') return false;
    i++;
    return true;
  };
  if (!expr() || i !== py.length) return false;
  // Identifiers: known SPDX ids (optionally `+`), LicenseRef-[A-Za-z0-9.-]*, known exceptions after WITH.
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k] as string;
    if (['or', 'and', 'with', '(', ')'].includes(tok)) continue;
    if (tokens[k - 1] === 'with') {
      if (!SPDX_EXCEPTIONS.has(tok)) return false;
      continue;
    }
    const id = tok.endsWith('+') ? tok.slice(0, -1) : tok;
    if (id.startsWith('licenseref-')) {
      if (!/^[A-Za-z0-9.-]*$/.test(id)) return false;
    } else if (!SPDX_LICENSES.has(id)) return false;
  }
  return true;
}

// --- URLs (warehouse/utils/http.py `is_valid_uri(url, require_authority=False)` on rfc3986 2.0.0) -------------

/**
 * What rfc3986's `uri_reference(u).normalize()` + `Validator().allow_schemes('http', 'https')
 * .require_presence_of('scheme').check_validity_of('scheme', 'host', 'port', 'path', 'query')` rejects. rfc3986
 * percent-encodes path, query and fragment and drops an authority it cannot parse, so what remains is: the scheme
 * must be http/https (any case), and a parsable authority must not carry a port above 65535.
 */
function isValidPypiUri(uri: string): boolean {
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?:\/\/([^\\/?#]*))?/.exec(uri);
  const scheme = m?.[1]?.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return false;
  const authority = m?.[2];
  if (authority) {
    const unreserved = "A-Za-z0-9._~\\-!$&'()*+,;=";
    const pct = '%[A-Fa-f0-9]{2}';
    const sub = new RegExp(`^(?:((?:[${unreserved}:]|${pct})+)@)?((?:${pct}|[${unreserved}])*|\\[[^\\]]*\\]):?([0-9]{1,5})?\\n?$`).exec(authority);
    const host = sub?.[2] ?? '';
    const ipv4 = /^([0-9]{1,3}\.){3}[0-9]{1,3}$/.test(host);
    const ipv4Ok = !ipv4 || host.split('.').every((b) => Number(b) <= 255);
    if (sub && ipv4Ok && sub[3] !== undefined && Number(sub[3]) > 65535) return false;
  }
  return true;
}

// --- Trove classifiers (trove-classifiers; Warehouse pins 2026.6.1.19, read at 2026.1.14.14 / 05cc151) ----------

/** Every trove classifier starts with one of these (plus " :: "). `Private :: …` ones are never valid. */
const CLASSIFIER_ROOTS = new Set([
  'Development Status',
  'Environment',
  'Framework',
  'Intended Audience',
  'License',
  'Natural Language',
  'Operating System',
  'Programming Language',
  'Topic',
  'Typing',
]);
/** trove_classifiers `deprecated_classifiers`. */
const DEPRECATED_CLASSIFIERS: Record<string, string[]> = {
  'Framework :: Django CMS :: 4.2': ['Framework :: Django CMS :: 5.0'],
  'License :: OSI Approved :: Intel Open Source License': [],
  'License :: OSI Approved :: Jabber Open Source License': [],
  'License :: OSI Approved :: MITRE Collaborative Virtual Workspace License (CVW)': [],
  'License :: OSI Approved :: Sun Industry Standards Source License (SISSL)': [],
  'License :: OSI Approved :: X.Net License': [],
  'Natural Language :: Ukranian': ['Natural Language :: Ukrainian'],
  'Topic :: Communications :: Chat :: AOL Instant Messenger': [],
};

interface MetadataError {
  /** The error's field (packaging's core-metadata name, or the form name for unparsable data). */
  field: string;
  message: string;
}

/** The parts of a validated `Metadata` the upload goes on to use. */
interface ValidMetadata {
  name: string;
  version: Pep440Version;
  rawVersion: string;
  licenseFiles: string[];
}

interface MetadataCheckOptions {
  /** The complete list of known classifiers; when absent only the root category and deprecations are checked. */
  knownClassifiers?: ReadonlySet<string>;
}

/**
 * Warehouse's choice among collected errors (legacy.py `file_upload`): the field in `_error_message_order`
 * (`metadata-version`, `name`, `version`) if any, else the first field in sorted order; that field's first error.
 */
function firstMetadataError(errors: MetadataError[]): MetadataError | undefined {
  if (errors.length === 0) return undefined;
  const fields = [...new Set(errors.map((e) => e.field))];
  const field = ['metadata-version', 'name', 'version'].find((f) => fields.includes(f)) ?? fields.sort()[0];
  return errors.find((e) => e.field === field);
}

/** The 400 reason for a metadata error (legacy.py: '.' appended unless present, then the "See …" link). */
function metadataErrorMessage(errors: MetadataError[], chosen: MetadataError): string {
  const local = chosen.field === 'version' && errors.some((e) => e.field === 'version' && e.message.includes('use of local versions'));
  const see = local ? 'https://packaging.python.org/en/latest/specifications/version-specifiers/#local-version-identifiers' : CORE_METADATA;
  return `${chosen.message}${chosen.message.endsWith('.') ? '' : '.'} See ${see} for more information.`;
}

/**
 * warehouse/forklift/metadata.py `parse(None, form_data=request.POST)`: `parse_form_metadata` (unparsable data),
 * then packaging.metadata `Metadata.from_raw(raw, validate=True)` (per-field `_process_*` validators and the
 * "introduced in metadata version" rule), then Warehouse's `_validate_metadata`. Each stage only runs when the
 * previous one found nothing. Returns the 400 reason, or the values the upload needs.
 */
function checkFormMetadata(fields: Array<[string, string]>, opts: MetadataCheckOptions = {}): { error: string } | { meta: ValidMetadata } {
  const fail = (errors: MetadataError[]): { error: string } => {
    const chosen = firstMetadataError(errors) as MetadataError;
    return { error: metadataErrorMessage(errors, chosen) };
  };

  // Stage 1: parse_form_metadata.
  const raw: Record<string, string | string[] | Array<[string, string]>> = {};
  const unparsed: MetadataError[] = [];
  for (const formName of new Set(fields.map(([k]) => k))) {
    const rawName = FORM_TO_RAW[formName];
    if (rawName === undefined) continue;
    const value = fields.filter(([k]) => k === formName).map(([, v]) => v);
    if (value.length === 1 && value[0] === '') continue;
    const kind = (RAW_FIELDS[rawName] as [string, string, RawKind])[2];
    if (kind === 'string' && value.length === 1) raw[rawName] = value[0] as string;
    else if (kind === 'list') raw[rawName] = value;
    else if (kind === 'keywords' && value.length === 1) raw[rawName] = (value[0] as string).split(',').map((k) => k.trim());
    else if (kind === 'dict') {
      // packaging.metadata `_parse_project_urls`: "label, url" pairs; a repeated label makes the field unparsable.
      const urls: Array<[string, string]> = [];
      let duplicate = false;
      for (const pair of value) {
        const comma = pair.indexOf(',');
        const label = (comma < 0 ? pair : pair.slice(0, comma)).trim();
        const url = comma < 0 ? '' : pair.slice(comma + 1).trim();
        if (urls.some(([l]) => l === label)) duplicate = true;
        urls.push([label, url]);
      }
      if (duplicate) unparsed.push({ field: formName, message: `${pyRepr(formName)} has invalid data` });
      else raw[rawName] = urls;
    } else unparsed.push({ field: formName, message: `${pyRepr(formName)} has invalid data` });
  }
  if (unparsed.length > 0) return fail(unparsed);

  // Stage 2: Metadata.from_raw(validate=True).
  const errors: MetadataError[] = [];
  const str = (k: string): string | undefined => raw[k] as string | undefined;
  const list = (k: string): string[] | undefined => raw[k] as string[] | undefined;
  const metadataVersion = str('metadata_version');
  const mvIndex = metadataVersion === undefined ? -1 : METADATA_VERSIONS.indexOf(metadataVersion);
  if (mvIndex < 0) {
    errors.push({ field: 'metadata-version', message: `${metadataVersion === undefined ? 'None' : pyRepr(metadataVersion)} is not a valid metadata version` });
  }
  let version: Pep440Version | null = null;
  const keys = new Set([...Object.keys(raw), 'name', 'version']);
  keys.delete('metadata_version');
  for (const key of keys) {
    const [email, added] = RAW_FIELDS[key] as [string, string, RawKind];
    const err = (message: string): void => void errors.push({ field: email, message });
    if (mvIndex >= 0 && METADATA_VERSIONS.indexOf(added) > mvIndex) {
      err(`${email} introduced in metadata version ${added}, not ${metadataVersion as string}`);
      continue;
    }
    const v = raw[key];
    if (v === undefined && key !== 'name' && key !== 'version') continue;
    switch (key) {
      case 'name': {
        const s = str(key);
        if (!s) err(`'name' is a required field`);
        else if (!VALID_NAME_RE.test(s)) err(`${pyRepr(s)} is invalid for 'name'`);
        break;
      }
      case 'version': {
        const s = str(key);
        if (!s) err(`'version' is a required field`);
        else {
          version = parsePep440(s);
          if (!version) err(`${pyRepr(s)} is invalid for 'version'`);
        }
        break;
      }
      case 'summary':
        if ((str(key) as string).includes('\n')) err(`'summary' must be a single line`);
        break;
      case 'description_content_type': {
        // email.message: the content type is the part before ';', lower-cased, with exactly one '/'; else text/plain.
        const s = str(key) as string;
        const [head = '', ...rest] = s.split(';');
        let ctype = head.trim().toLowerCase();
        if (ctype.split('/').length !== 2) ctype = 'text/plain';
        const params = new Map<string, string>();
        for (const p of rest) {
          const eq = p.indexOf('=');
          if (eq > 0)
            params.set(
              p.slice(0, eq).trim().toLowerCase(),
              p
                .slice(eq + 1)
                .trim()
                .replace(/^"(.*)"$/, '$1'),
            );
        }
        const charset = params.get('charset') ?? 'UTF-8';
        const variant = params.get('variant') ?? 'GFM';
        // packaging prints list(set): its order is Python's hash order, so it varies between processes.
        if (!['text/plain', 'text/x-rst', 'text/markdown'].includes(ctype) || !s.toLowerCase().includes(ctype)) {
          err(`'description-content-type' must be one of ['text/plain', 'text/x-rst', 'text/markdown'], not ${pyRepr(s)}`);
        } else if (charset !== 'UTF-8') err(`'description-content-type' can only specify the UTF-8 charset, not ${pyRepr(charset)}`);
        else if (ctype === 'text/markdown' && variant !== 'GFM' && variant !== 'CommonMark') {
          err(`valid Markdown variants for 'description-content-type' are ['GFM', 'CommonMark'], not ${pyRepr(variant)}`);
        }
        break;
      }
      case 'dynamic':
        for (const d of (list(key) as string[]).map((x) => x.toLowerCase())) {
          if (d === 'name' || d === 'version' || d === 'metadata-version') {
            err(`${pyRepr(d)} is not allowed as a dynamic field`);
            break;
          }
          if (!EMAIL_FIELDS.has(d)) {
            err(`${pyRepr(d)} is not a valid dynamic field`);
            break;
          }
        }
        break;
      case 'provides_extra': {
        const bad = (list(key) as string[]).find((x) => !VALID_NAME_RE.test(x));
        if (bad !== undefined) err(`${pyRepr(bad)} is invalid for 'provides-extra'`);
        break;
      }
      case 'requires_python': {
        const s = str(key) as string;
        if (!isValidSpecifierSet(s)) err(`${pyRepr(s)} is invalid for 'requires-python'`);
        break;
      }
      case 'requires_dist':
        for (const r of list(key) as string[]) {
          try {
            parsePep508(r);
          } catch {
            err(`${pyRepr(r)} is invalid for 'requires-dist'`);
            break;
          }
        }
        break;
      case 'license_expression': {
        const s = str(key) as string;
        if (!isValidLicenseExpression(s)) err(`${pyRepr(s)} is invalid for 'license-expression'`);
        break;
      }
      case 'license_files':
        for (const p of list(key) as string[]) {
          const winAbs = /^[A-Za-z]:[\\/]/.test(p) || /^[\\/]{2}[^\\/]+[\\/]+[^\\/]/.test(p);
          const asPosix =
            p
              .replace(/\\/g, '/')
              .split('/')
              .filter((seg, i) => seg !== '.' && (seg !== '' || i === 0))
              .join('/') || '.';
          let why: string | undefined;
          if (p.includes('..')) why = 'parent directory indicators are not allowed';
          else if (p.includes('*')) why = 'paths must be resolved';
          else if (p.startsWith('/') || winAbs) why = 'paths must be relative';
          else if (asPosix !== p) why = "paths must use '/' delimiter";
          if (why) {
            err(`${pyRepr(p)} is invalid for 'license-file', ${why}`);
            break;
          }
        }
        break;
      case 'import_names':
      case 'import_namespaces':
        for (const importName of list(key) as string[]) {
          const semi = importName.indexOf(';');
          const n = (semi < 0 ? importName : importName.slice(0, semi)).trimEnd();
          const bad = n.split('.').find((id) => !/^[\p{XID_Start}_][\p{XID_Continue}]*$/u.test(id) || PY_KEYWORDS.has(id));
          if (bad !== undefined) {
            const why = PY_KEYWORDS.has(bad) ? 'is a keyword' : 'is not a valid identifier';
            err(`${pyRepr(n)} is invalid for ${pyRepr(email)}; ${pyRepr(bad)} ${why}`);
            break;
          }
          if (semi >= 0 && importName.slice(semi + 1).trimStart() !== 'private') {
            err(`${pyRepr(importName)} is invalid for ${pyRepr(email)}; the only valid option is 'private'`);
            break;
          }
        }
        break;
      default:
    }
  }
  if (errors.length > 0 || !version) return fail(errors);

  // Stage 3: warehouse/forklift/metadata.py `_validate_metadata`.
  const name = str('name') as string;
  if (version.local !== undefined) {
    errors.push({ field: 'version', message: `The use of local versions in '${version.normalized}' is not allowed.` });
  }
  const summary = str('summary');
  if (summary !== undefined && pyLen(summary) > 512) errors.push({ field: 'summary', message: "'summary' field must be 512 characters or less." });
  // (author_email / maintainer_email go through email-validator in Warehouse; not reproduced.)
  const classifiers = [...new Set(list('classifiers') ?? [])].sort();
  const known = (c: string): boolean => {
    if (c in DEPRECATED_CLASSIFIERS) return true;
    if (opts.knownClassifiers) return opts.knownClassifiers.has(c);
    const parts = c.split(' :: ');
    return parts.length >= 2 && CLASSIFIER_ROOTS.has(parts[0] as string) && parts.every((x) => x !== '' && x.trim() === x);
  };
  for (const c of classifiers) if (!known(c)) errors.push({ field: 'classifier', message: `${pyRepr(c)} is not a valid classifier.` });
  for (const c of classifiers) {
    const by = DEPRECATED_CLASSIFIERS[c];
    if (by === undefined) continue;
    errors.push({
      field: 'classifier',
      message: by.length
        ? `The classifier ${pyRepr(c)} has been deprecated, use one of ${pyListRepr(by)} instead.`
        : `The classifier ${pyRepr(c)} has been deprecated.`,
    });
  }
  for (const [key, email] of [
    ['home_page', 'home-page'],
    ['download_url', 'download-url'],
  ] as const) {
    const url = str(key);
    if (url !== undefined && !isValidPypiUri(url)) errors.push({ field: email, message: `${pyRepr(url)} is not a valid url.` });
  }
  for (const [label, url] of (raw.project_urls as Array<[string, string]> | undefined) ?? []) {
    const message = !label
      ? 'Must have a label'
      : pyLen(label) > 32
        ? `${pyRepr(label)} must be 32 characters or less.`
        : !url
          ? 'Must have a URL'
          : !isValidPypiUri(url)
            ? `${pyRepr(url)} is not a valid url`
            : undefined;
    if (message) errors.push({ field: 'project-url', message });
  }
  for (const [key, email] of [
    ['provides_dist', 'provides-dist'],
    ['obsoletes_dist', 'obsoletes-dist'],
  ] as const) {
    for (const r of list(key) ?? []) {
      try {
        if (parsePep508(r).url) errors.push({ field: email, message: `Can't have direct dependency: ${pyRepr(r)}` });
      } catch (e) {
        errors.push({ field: email, message: `${pyRepr(r)} is invalid: ${String(e)}` });
      }
    }
  }
  for (const r of list('requires_dist') ?? []) {
    const parsed = parsePep508(r);
    if (parsed.url) errors.push({ field: 'requires-dist', message: `Can't have direct dependency: ${requirementWithUrlStr(parsed)}` });
  }
  for (const d of (list('dynamic') ?? []).map((x) => x.toLowerCase())) {
    if (!WAREHOUSE_DYNAMIC_FIELDS.has(d)) errors.push({ field: 'dynamic', message: `Dynamic field ${pyRepr(d)} is not a valid dynamic field.` });
  }
  if (str('license') && str('license_expression')) {
    errors.push({ field: 'license', message: 'License is deprecated when License-Expression is present. Only License-Expression should be present.' });
  }
  if (errors.length > 0) return fail(errors);
  return { meta: { name, version, rawVersion: str('version') as string, licenseFiles: list('license_files') ?? [] } };
}

// ---------------------------------------------------------------------------------------------------------------
// Archives as Warehouse's Python sees them: CPython 3.14 `zipfile` (is_zipfile / ZipFile / read), `tarfile.is_tarfile`,
// and warehouse/utils/zipfiles.py `validate_zipfile` (ZIP framing), warehouse/utils/wheel.py (RECORD, entry points).
// ---------------------------------------------------------------------------------------------------------------

class BadZipFile extends Error {}

interface PyZipInfo {
  /** `orig_filename`: the central-directory name, decoded as UTF-8 (flag 0x800) or cp437. */
  origFilename: string;
  /** `filename`: NUL-truncated (the key of `NameToInfo`). */
  filename: string;
  flagBits: number;
  compressType: number;
  crc: number;
  compressSize: number;
  fileSize: number;
  headerOffset: number;
}

interface EndRecord {
  zip64: boolean;
  diskNumber: number;
  diskStart: number;
  entriesTotal: number;
  size: number;
  offset: number;
  location: number;
}

const CP437_HIGH = 'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';
const utf8Strict = new TextDecoder('utf-8', { fatal: true });
const decodeCp437 = (b: Buffer): string => Array.from(b, (c) => (c < 0x80 ? String.fromCharCode(c) : (CP437_HIGH[c - 0x80] as string))).join('');
const u64 = (b: Buffer, at: number): number => Number(b.readBigUInt64LE(at));

/** zipfile `_EndRecData` + `_EndRecData64` (3.14): null when there is no EOCD; throws BadZipFile / Error (OSError). */
function zipEndRecord(data: Buffer): EndRecord | null {
  if (data.length < 22) return null;
  let at = -1;
  if (data.readUInt32LE(data.length - 22) === 0x06054b50 && data.readUInt16LE(data.length - 2) === 0) at = data.length - 22;
  else {
    const from = Math.max(data.length - 0xffff - 22, 0);
    at = data.subarray(from).lastIndexOf(Buffer.from('PK\x05\x06', 'latin1'));
    if (at < 0) return null;
    at += from;
    if (at + 22 > data.length) return null;
  }
  const rec: EndRecord = {
    zip64: false,
    diskNumber: data.readUInt16LE(at + 4),
    diskStart: data.readUInt16LE(at + 6),
    entriesTotal: data.readUInt16LE(at + 10),
    size: data.readUInt32LE(at + 12),
    offset: data.readUInt32LE(at + 16),
    location: at,
  };
  // _EndRecData64
  let offset = at - 20;
  if (offset < 0) return rec;
  if (data.readUInt32LE(offset) !== 0x07064b50) return rec;
  const diskno = data.readUInt32LE(offset + 4);
  const reloff = u64(data, offset + 8);
  const disks = data.readUInt32LE(offset + 16);
  if (diskno !== 0 || disks > 1) throw new BadZipFile('zipfiles that span multiple disks are not supported');
  offset -= 56;
  if (reloff > offset) throw new BadZipFile('Corrupt zip64 end of central directory locator');
  let pos = reloff;
  let extrasz = offset - reloff;
  if (pos + 56 > data.length) throw new Error('Unknown I/O error');
  if (data.readUInt32LE(pos) !== 0x06064b50 && reloff !== offset) {
    pos = offset;
    extrasz = 0;
  }
  if (data.readUInt32LE(pos) !== 0x06064b50) throw new BadZipFile('Zip64 end of central directory record not found');
  const sz = u64(data, pos + 4);
  const dirsize = u64(data, pos + 40);
  const diroffset = u64(data, pos + 48);
  if (diroffset + dirsize !== reloff || sz + 12 !== 56 + extrasz) throw new BadZipFile('Corrupt zip64 end of central directory record');
  return {
    zip64: true,
    diskNumber: data.readUInt32LE(pos + 16),
    diskStart: data.readUInt32LE(pos + 20),
    entriesTotal: u64(data, pos + 32),
    size: dirsize,
    offset: diroffset,
    location: offset - extrasz,
  };
}

/** `zipfile.is_zipfile` (3.14 `_check_zipfile`: an EOCD whose central directory starts with a CD signature). */
function pyIsZipfile(data: Buffer): boolean {
  try {
    const rec = zipEndRecord(data);
    if (!rec) return false;
    if (rec.entriesTotal === 0 && rec.size === 0 && rec.offset === 0) return true;
    if (rec.diskNumber !== rec.diskStart) return false;
    const start = rec.location - rec.size; // offset_cd + concat
    return rec.size >= 46 && start >= 0 && start + 46 <= data.length && data.readUInt32LE(start) === 0x02014b50;
  } catch {
    return false;
  }
}

/** `ZipFile(...)._RealGetContents`: the central directory as `infolist()`; throws BadZipFile. */
function pyZipInfolist(data: Buffer): PyZipInfo[] {
  let rec: EndRecord | null;
  try {
    rec = zipEndRecord(data);
  } catch (e) {
    if (e instanceof BadZipFile) throw e;
    throw new BadZipFile('File is not a zip file');
  }
  if (!rec) throw new BadZipFile('File is not a zip file');
  const concat = rec.location - rec.size - rec.offset;
  const startDir = rec.offset + concat;
  if (startDir < 0) throw new BadZipFile('Bad offset for central directory');
  const cd = data.subarray(startDir, startDir + rec.size);
  const out: PyZipInfo[] = [];
  let p = 0;
  while (p < rec.size) {
    if (p + 46 > cd.length) throw new BadZipFile('Truncated central directory');
    if (cd.readUInt32LE(p) !== 0x02014b50) throw new BadZipFile('Bad magic number for central directory');
    const flagBits = cd.readUInt16LE(p + 8);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const nameBytes = cd.subarray(p + 46, p + 46 + nameLen);
    let origFilename: string;
    try {
      origFilename = flagBits & 0x800 ? utf8Strict.decode(nameBytes) : decodeCp437(nameBytes);
    } catch {
      throw new BadZipFile('File name is not valid UTF-8'); // UnicodeDecodeError in Python
    }
    const info: PyZipInfo = {
      origFilename,
      filename: origFilename.split('\0')[0] as string,
      flagBits,
      compressType: cd.readUInt16LE(p + 10),
      crc: cd.readUInt32LE(p + 16),
      compressSize: cd.readUInt32LE(p + 20),
      fileSize: cd.readUInt32LE(p + 24),
      headerOffset: cd.readUInt32LE(p + 42),
    };
    // ZipInfo._decodeExtra: ZIP64 sizes/offset, Info-ZIP Unicode Path.
    let extra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
    while (extra.length >= 4) {
      const tp = extra.readUInt16LE(0);
      const ln = extra.readUInt16LE(2);
      if (ln + 4 > extra.length) throw new BadZipFile(`Corrupt extra field ${tp.toString(16).padStart(4, '0')} (size=${ln})`);
      const field = extra.subarray(4, ln + 4);
      if (tp === 0x0001) {
        let q = 0;
        const next = (what: string): number => {
          if (q + 8 > field.length) throw new BadZipFile(`Corrupt zip64 extra field. ${what} not found.`);
          q += 8;
          return u64(field, q - 8);
        };
        if (info.fileSize === 0xffffffff) info.fileSize = next('File size');
        if (info.compressSize === 0xffffffff) info.compressSize = next('Compress size');
        if (info.headerOffset === 0xffffffff) info.headerOffset = next('Header offset');
      } else if (tp === 0x7075) {
        if (field.length < 5) throw new BadZipFile('Corrupt unicode path extra field (0x7075)');
        if (field[0] === 1 && field.readUInt32LE(1) === crc32(nameBytes)) {
          let name: string;
          try {
            name = utf8Strict.decode(field.subarray(5));
          } catch {
            throw new BadZipFile('Corrupt unicode path extra field (0x7075): invalid utf-8 bytes');
          }
          if (name) info.filename = name.split('\0')[0] as string;
        }
      }
      extra = extra.subarray(ln + 4);
    }
    info.headerOffset += concat;
    out.push(info);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** `ZipFile.read(name)`: undefined for KeyError (no such member); throws BadZipFile on a bad header, size or CRC. */
function pyZipRead(data: Buffer, infos: PyZipInfo[], name: string): Buffer | undefined {
  let info: PyZipInfo | undefined;
  for (const i of infos) if (i.filename === name) info = i; // NameToInfo: the last one wins
  if (!info) return undefined;
  const h = info.headerOffset;
  if (h < 0 || h + 30 > data.length) throw new BadZipFile('Truncated file header');
  if (data.readUInt32LE(h) !== 0x04034b50) throw new BadZipFile('Bad magic number for file header');
  const nameLen = data.readUInt16LE(h + 26);
  const extraLen = data.readUInt16LE(h + 28);
  const fname = data.subarray(h + 30, h + 30 + nameLen);
  if (info.flagBits & 0x60) throw new BadZipFile('unsupported flag bits'); // NotImplementedError in Python
  let fnameStr: string;
  try {
    fnameStr = data.readUInt16LE(h + 6) & 0x800 ? utf8Strict.decode(fname) : decodeCp437(fname);
  } catch {
    throw new BadZipFile('File name in header is not valid UTF-8');
  }
  if (fnameStr !== info.origFilename) throw new BadZipFile(`File name in directory ${pyRepr(info.origFilename)} and header ${pyRepr(fnameStr)} differ.`);
  if (info.flagBits & 0x1) throw new BadZipFile(`File ${pyRepr(name)} is encrypted, password required for extraction`);
  const start = h + 30 + nameLen + extraLen;
  const raw = data.subarray(start, start + info.compressSize);
  if (raw.length < info.compressSize) throw new BadZipFile('Truncated member'); // EOFError in Python
  let out: Buffer;
  try {
    if (info.compressType === 0) out = Buffer.from(raw);
    else if (info.compressType === 8) out = inflateRawSync(raw);
    else throw new Error('That compression method is not supported');
  } catch {
    throw new BadZipFile('Error -3 while decompressing data'); // zlib.error in Python
  }
  if (crc32(out) !== info.crc) throw new BadZipFile(`Bad CRC-32 for file ${pyRepr(name)}`);
  return out;
}

/** `tarfile.is_tarfile`: a readable first header, plain or gzip'd (bz2/xz/zst are not tried here). */
function pyIsTarfile(data: Buffer): boolean {
  const headerOk = (b: Buffer): boolean => {
    if (b.length < 512) return false;
    const h = b.subarray(0, 512);
    if (h.every((x) => x === 0)) return true; // an empty archive
    const field = h.subarray(148, 156);
    const text = field
      .subarray(0, field.indexOf(0) < 0 ? 8 : field.indexOf(0))
      .toString('latin1')
      .trim();
    if (!/^[0-7]*$/.test(text)) return false;
    const chk = parseInt(text || '0', 8);
    let unsigned = 256;
    let signed = 256;
    for (let i = 0; i < 512; i++) {
      if (i >= 148 && i < 156) continue;
      const x = h[i] as number;
      unsigned += x;
      signed += x > 127 ? x - 256 : x;
    }
    return chk === unsigned || chk === signed;
  };
  if (headerOk(data)) return true;
  if (data[0] !== 0x1f || data[1] !== 0x8b) return false;
  try {
    return headerOk(gunzipSync(data, { finishFlush: zlibConstants.Z_SYNC_FLUSH }));
  } catch {
    return false;
  }
}

/** `os.path.commonpath` for POSIX (Warehouse `_commonpath`; '' for no names or for mixed absolute/relative). */
function pyCommonPath(names: string[]): string {
  if (names.length === 0) return '';
  const abs = new Set(names.map((n) => n.startsWith('/')));
  if (abs.size > 1) return ''; // ValueError in Python
  const split = names.map((n) => n.split('/').filter((c) => c !== '' && c !== '.'));
  const cmp = (a: string[], b: string[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return (a[i] as string) < (b[i] as string) ? -1 : 1;
    return a.length - b.length;
  };
  const s1 = split.reduce((m, s) => (cmp(s, m) < 0 ? s : m));
  const s2 = split.reduce((m, s) => (cmp(s, m) > 0 ? s : m));
  let common = s1;
  for (let i = 0; i < s1.length; i++) {
    if (s1[i] !== s2[i]) {
      common = s1.slice(0, i);
      break;
    }
  }
  return (abs.has(true) ? '/' : '') + common.join('/');
}

class InvalidZipFileError extends Error {}

/**
 * warehouse/utils/zipfiles.py `_validate_zipfile`: walks the records from the start of the file and requires the
 * local headers and the central directory to agree (no duplicates, no data descriptors, same sizes, no comments in
 * the central directory, consistent EOCD, nothing after it). Returns the error, or null.
 */
function validateZipFraming(data: Buffer, infos: PyZipInfo[]): string | null {
  const sizes = new Map<string, [number, number]>();
  for (const i of infos) sizes.set(i.origFilename, [i.compressSize, i.fileSize]);
  let pos = 0;
  const read = (n: number): Buffer => {
    if (n < 0 || pos + n > data.length) throw new InvalidZipFileError('Malformed zip file');
    pos += n;
    return data.subarray(pos - n, pos);
  };
  const unprintable = (b: Buffer): boolean => b.some((c) => c < 0x20 || c === 0x7f);
  const localNames = new Set<string>();
  const cdNames = new Set<string>();
  let expectedEocd64: number | null = null;
  let actualEocd64: number | null = null;
  let cdRecords = 0;
  let cdOffset: number | null = null;
  let cdSize = 0;
  let eocdRecords: number | null = null;
  let eocdSize: number | null = null;
  let eocdOffset: number | null = null;

  const localHeader = (): string => {
    const h = read(26);
    const gpbf = h.readUInt16LE(2);
    const method = h.readUInt16LE(4);
    let compressed = h.readUInt32LE(14);
    let size = h.readUInt32LE(18);
    const filename = read(h.readUInt16LE(22));
    let extra = read(h.readUInt16LE(24));
    if (unprintable(filename)) throw new InvalidZipFileError('Invalid character in filename');
    const seen = new Set<number>();
    while (extra.length > 0) {
      if (extra.length < 4) throw new InvalidZipFileError('Malformed zip file');
      const id = extra.readUInt16LE(0);
      const len = extra.readUInt16LE(2);
      if (len + 4 > extra.length) throw new InvalidZipFileError('Malformed zip file');
      if (seen.has(id) && (id === 0x0001 || id === 0x7075)) throw new InvalidZipFileError('Invalid duplicate extra in local file');
      seen.add(id);
      if (id === 0x0001) {
        if (![0, 8, 16, 24, 28].includes(len)) throw new InvalidZipFileError('Malformed zip file');
        if (len === 0) {
          if (compressed === 0xffffffff || size === 0xffffffff) throw new InvalidZipFileError('Malformed zip file');
        } else if (len === 8) {
          if (method !== 0) throw new InvalidZipFileError('Malformed zip file');
          compressed = u64(extra, 4);
          if (size === 0xffffffff) size = compressed;
        } else {
          if (size === 0xffffffff) size = u64(extra, 4);
          compressed = u64(extra, 12);
        }
      } else if (id === 0x7075) {
        const unicodeName = extra.subarray(9, 4 + len);
        if (unprintable(unicodeName)) throw new InvalidZipFileError('Invalid character in filename');
        try {
          utf8Strict.decode(unicodeName);
        } catch {
          throw new InvalidZipFileError('Filename not valid UTF-8');
        }
      }
      extra = extra.subarray(len + 4);
    }
    if (gpbf & 0x08) throw new InvalidZipFileError('ZIP contains a data descriptor');
    let name: string;
    try {
      name = utf8Strict.decode(filename);
    } catch {
      throw new InvalidZipFileError('Filename not unicode');
    }
    const expected = sizes.get(name);
    if (!expected) throw new InvalidZipFileError('Filename not in central directory');
    if (expected[0] !== compressed) throw new InvalidZipFileError('Mis-matched data size');
    if (expected[1] !== size) throw new InvalidZipFileError('Mis-matched file size');
    pos += compressed; // seeking past the end is allowed; the next read fails
    return filename.toString('latin1');
  };
  const eocd = (): [number, number, number] => {
    const h = read(18);
    if (h.readUInt16LE(4) !== h.readUInt16LE(6)) throw new InvalidZipFileError('Malformed zip file');
    pos += h.readUInt16LE(16);
    return [h.readUInt16LE(6), h.readUInt32LE(8), h.readUInt32LE(12)];
  };

  try {
    for (;;) {
      const sig = read(4).readUInt32LE(0);
      if (sig === 0x06054b50 && expectedEocd64 !== null && actualEocd64 === null) return 'Malformed zip file';
      if (sig === 0x02014b50) {
        if (cdOffset === null) cdOffset = pos - 4;
        cdRecords++;
        const h = read(42);
        if (h.readUInt16LE(28) !== 0) throw new InvalidZipFileError('Comment in central directory');
        const filename = read(h.readUInt16LE(24));
        const extra = read(h.readUInt16LE(26));
        if (unprintable(filename)) throw new InvalidZipFileError('Invalid character in filename');
        cdSize += 46 + filename.length + extra.length;
        const key = filename.toString('latin1');
        if (cdNames.has(key)) throw new InvalidZipFileError('Duplicate filename in central directory');
        if (!localNames.has(key)) throw new InvalidZipFileError('Missing filename in local headers');
        cdNames.add(key);
      } else if (sig === 0x04034b50) {
        const key = localHeader();
        if (localNames.has(key)) throw new InvalidZipFileError('Duplicate filename in local headers');
        localNames.add(key);
      } else if (sig === 0x06054b50) {
        if (cdOffset === null) cdOffset = pos - 4;
        if (actualEocd64 !== null && eocdOffset !== null) eocd();
        else [eocdRecords, eocdSize, eocdOffset] = eocd();
        if (eocdRecords !== cdRecords) throw new InvalidZipFileError('Mismatched central directory records');
        if (eocdOffset !== cdOffset) throw new InvalidZipFileError('Mismatched central directory offset');
        if (eocdSize !== cdSize) throw new InvalidZipFileError('Mismatched central directory size');
        break;
      } else if (sig === 0x06064b50) {
        expectedEocd64 = pos - 4;
        const h = read(52);
        if (u64(h, 20) !== u64(h, 28)) throw new InvalidZipFileError('Malformed zip file');
        if (u64(h, 0) !== 44) throw new InvalidZipFileError('ZIP64 extensible data not allowed');
        [eocdRecords, eocdSize, eocdOffset] = [u64(h, 28), u64(h, 36), u64(h, 44)];
      } else if (sig === 0x07064b50) {
        actualEocd64 = u64(read(16), 4);
      } else return 'Unknown record signature';
    }
  } catch (e) {
    if (e instanceof InvalidZipFileError) return e.message;
    throw e;
  }
  if (cdNames.size !== localNames.size || [...cdNames].some((n) => !localNames.has(n))) return 'Mis-matched local headers and central directory';
  if (pos !== data.length) return 'Trailing data';
  return null;
}

/**
 * warehouse/utils/wheel.py `_validate_entrypoints`: entry_points.txt must be UTF-8 and parse with
 * `configparser.ConfigParser(delimiters=('=',))` (case-sensitive keys); names in [console_scripts] and
 * [gui_scripts] must match `[\w.-]+`. The configparser is reproduced for what makes it raise: text before the
 * first section, a repeated section or key, a line that is neither a section, a `key = value` nor a continuation.
 */
function entryPointsValid(bytes: Buffer): boolean {
  let text: string;
  try {
    text = utf8Strict.decode(bytes);
  } catch {
    return false;
  }
  const sections = new Map<string, Set<string>>();
  let current: Set<string> | null = null;
  let inValue = false;
  let indent = 0;
  for (const line of text.split('\n')) {
    const stripped = line.trim();
    if (stripped === '' || stripped.startsWith('#') || stripped.startsWith(';')) {
      if (stripped !== '' || !inValue) continue;
      continue; // empty lines inside a value are kept as part of it
    }
    const lineIndent = line.length - line.trimStart().length;
    if (current && inValue && lineIndent > indent) continue; // continuation line
    const header = /^\[(.+)\]/.exec(stripped);
    if (header) {
      const name = header[1] as string;
      if (sections.has(name) && name !== 'DEFAULT') return false; // DuplicateSectionError
      current = sections.get(name) ?? new Set();
      sections.set(name, current);
      inValue = false;
      continue;
    }
    if (!current) return false; // MissingSectionHeaderError
    const eq = stripped.indexOf('=');
    if (eq <= 0) return false; // ParsingError
    const key = stripped.slice(0, eq).trimEnd();
    if (key === '') return false;
    if (current.has(key)) return false; // DuplicateOptionError
    current.add(key);
    inValue = true;
    indent = lineIndent;
  }
  const defaults = sections.get('DEFAULT') ?? new Set<string>();
  for (const s of ['console_scripts', 'gui_scripts']) {
    const keys = sections.get(s);
    if (!keys) continue;
    for (const k of [...keys, ...defaults]) if (!/^[\p{L}\p{N}_.-]+$/u.test(k)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Storage
// ---------------------------------------------------------------------------------------------------------------

interface PFile {
  filename: string;
  bytes: Buffer;
  size: number;
  md5: string;
  sha256: string;
  blake2_256: string;
  packagetype: 'sdist' | 'bdist_wheel';
  uploadTime: Date;
}
interface PRelease {
  version: string;
  requiresPython?: string;
  files: PFile[];
}
interface PProject {
  name: string;
  normalized: string;
  owner: string;
  releases: Map<string, PRelease>; // key: canonical version
}

// ---------------------------------------------------------------------------------------------------------------
// The registry
// ---------------------------------------------------------------------------------------------------------------

export async function startPypiRegistry(options: PypiRegistryOptions = {}): Promise<PypiRegistry> {
  const tokens: Record<string, PypiToken> = options.tokens ?? { [PYPI_DEFAULT_TOKEN]: {} };
  const fileSizeLimit = options.fileSizeLimit ?? 100 * 1024 * 1024;
  const checkArchives = options.checkArchives ?? true;
  const takenNames = new Set((options.takenNames ?? []).map(normalizePep503));
  const knownClassifiers = options.knownClassifiers ? new Set(options.knownClassifiers) : undefined;
  const blake = await createBLAKE2b(256);
  const blake2 = (data: Buffer): string => {
    blake.init();
    blake.update(data);
    return blake.digest('hex');
  };
  const projects = new Map<string, PProject>(); // key: normalised name
  let projectsCreated = 0;
  let serial = 0;
  let base = '';

  const allFiles = function* (): Generator<[PProject, PRelease, PFile]> {
    for (const p of projects.values()) for (const r of p.releases.values()) for (const f of r.files) yield [p, r, f];
  };
  const fileUrl = (f: PFile): string =>
    `${base}/packages/${f.blake2_256.slice(0, 2)}/${f.blake2_256.slice(2, 4)}/${f.blake2_256.slice(4)}/${encodeURIComponent(f.filename)}`;

  const addFile = (
    projectName: string,
    owner: string,
    version: Pep440Version | null,
    rawVersion: string,
    requiresPython: string | undefined,
    filename: string,
    bytes: Buffer,
    packagetype: 'sdist' | 'bdist_wheel',
  ): void => {
    const normalized = normalizePep503(projectName);
    let project = projects.get(normalized);
    if (!project) {
      project = { name: projectName, normalized, owner, releases: new Map() };
      projects.set(normalized, project);
    }
    project.name = projectName;
    const key = version?.canonical ?? rawVersion;
    let release = project.releases.get(key);
    if (!release) {
      release = { version: version?.normalized ?? rawVersion, files: [] };
      if (requiresPython) release.requiresPython = requiresPython;
      project.releases.set(key, release);
    }
    release.files.push({
      filename,
      bytes,
      size: bytes.length,
      md5: md5Hex(bytes),
      sha256: sha256Hex(bytes),
      blake2_256: blake2(bytes),
      packagetype,
      uploadTime: new Date(),
    });
    serial++;
  };

  // --- upload ---------------------------------------------------------------------------------------------------

  const upload = (ctx: RequestContext): Reply => {
    const req = ctx.req;
    const fail = (status: number, message: string, detail?: string | null): Reply => pyramidPage(req, status, { message, detail });
    const parts: FormPart[] = ctx.form?.parts ?? [];
    const getAll = (k: string): FormPart[] => parts.filter((p) => p.name === k);
    const text = (p: FormPart): string => p.data.toString('utf8');

    // Route selection by `:action` (query string first, like request.params).
    const action = ctx.url.searchParams.get(':action') ?? (getAll(':action')[0] ? text(getAll(':action')[0] as FormPart) : undefined);
    if (action === 'submit' || action === 'submit_pkg_info') {
      return fail(410, 'Project pre-registration is no longer required or supported, upload your files instead.');
    }
    if (action === 'doc_upload') return fail(410, 'Uploading documentation is no longer supported, we recommend using https://readthedocs.org/.');
    if (action !== 'file_upload') return pyramidPage(req, 405, { detail: null, headers: { Allow: 'GET, HEAD, OPTIONS' } });

    // 1. warehouse/forklift/decorators.py `sanitize` (the outer view decorator, so it runs before authentication):
    //    for each key, if its last value (MultiDict.get) is "UNKNOWN" after strip, every value of the key is dropped;
    //    a NUL becomes the text "\x00"; then any metadata field sent as a file part is refused.
    let form = parts.slice();
    for (const key of parts.map((p) => p.name)) {
      const last = [...form].reverse().find((p) => p.name === key);
      if (!last || isFilePart(last)) continue;
      const value = text(last);
      if (value.trim() === 'UNKNOWN') form = form.filter((p) => p.name !== key);
      if (value.includes('\0')) form = [...form.filter((p) => p.name !== key), { name: key, data: Buffer.from(value.replace(/\0/g, '\\x00')) }];
    }
    const tuple = form.find((p) => isFilePart(p) && p.name !== 'content' && p.name !== 'gpg_signature');
    if (tuple) return fail(400, `${tuple.name}: Should not be a tuple.`);

    // 2. decorators.py `ensure_uploads_allowed`: admin flags, then the identity (security policies).
    if (options.readOnly) return fail(403, 'Read-only mode: Uploads are temporarily disabled.');
    if (options.uploadsDisabled) return fail(403, `New uploads are temporarily disabled. See ${HELP}#admin-intervention for more information.`);
    const header = req.headers.authorization ?? '';
    let raw: string | undefined;
    const sp = header.indexOf(' ');
    const scheme = sp < 0 ? header.toLowerCase() : header.slice(0, sp).toLowerCase();
    const cred = sp < 0 ? '' : header.slice(sp + 1).trim();
    if (scheme === 'basic') {
      const decoded = Buffer.from(cred, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) {
        const username = decoded.slice(0, colon);
        if (username !== '__token__') {
          // accounts/security_policy.py BasicAuthSecurityPolicy.identity: status line only (no detail in the body).
          return fail(
            403,
            `Username/Password authentication is no longer supported. Migrate to API Tokens or Trusted Publishers instead. See ${HELP}#apitoken and ${HELP}#trusted-publishers`,
            null,
          );
        }
        raw = decoded.slice(colon + 1);
      }
    } else if (scheme === 'bearer' || scheme === 'token') raw = cred;
    const token = raw !== undefined ? tokens[raw] : undefined;
    if (!token) return fail(403, `Invalid or non-existent authentication information. See ${HELP}#invalid-auth for more information.`);
    const user = token.user ?? PYPI_DEFAULT_USER;

    const values = (k: string): string[] => form.filter((p) => p.name === k && !isFilePart(p)).map(text);
    const first = (k: string): string | undefined => values(k)[0];
    const present = (k: string): string | undefined => {
      const v = first(k);
      return v === undefined || v === '' ? undefined : v;
    };

    // 3. legacy.py `file_upload`: protocol_version (request.POST.get: the last value).
    if ((values('protocol_version').at(-1) ?? '1') !== '1') return fail(400, 'Unknown protocol version.');

    // 4. forms.py `UploadForm`: field validators first (error field: `name`, else sorted: blake2_256_digest,
    //    filetype, sha256_digest), then `validate()`'s pyversion and digest rules.
    const nameValue = first('name') ?? '';
    if (!nameValue || !PROJECT_NAME_RE.test(nameValue)) {
      const shown = nameValue.length > 60 ? `${nameValue.slice(0, 30)}...${nameValue.slice(-30)}` : nameValue;
      const why = nameValue ? "Start and end with a letter or numeral containing only ASCII numeric and '.', '_' and '-'." : 'This field is required.';
      return fail(400, `${pyRepr(shown)} is an invalid value for Name. Error: ${why} See ${CORE_METADATA} for more information.`);
    }
    const blakeDigest = present('blake2_256_digest');
    const sha256Digest = present('sha256_digest');
    const md5Digest = present('md5_digest');
    if (blakeDigest !== undefined && blakeDigest.trim() !== '' && !/^[A-F0-9]{64}$/i.test(blakeDigest)) {
      return fail(400, 'Invalid value for blake2_256_digest. Error: Use a valid, hex-encoded, BLAKE2 message digest.');
    }
    const filetype = first('filetype') ?? '';
    if (filetype === '') return fail(400, 'Invalid value for filetype. Error: This field is required.');
    if (filetype !== 'sdist' && filetype !== 'bdist_wheel') return fail(400, 'Invalid value for filetype. Error: Use a known file type.');
    if (sha256Digest !== undefined && sha256Digest.trim() !== '' && !/^[A-F0-9]{64}$/i.test(sha256Digest)) {
      return fail(400, 'Invalid value for sha256_digest. Error: Use a valid, hex-encoded, SHA256 message digest.');
    }
    const pyversion = present('pyversion');
    if (filetype !== 'sdist' && pyversion === undefined) {
      return fail(400, 'Invalid value for pyversion. Error: Python version is required for binary distribution uploads.');
    }
    if (filetype === 'sdist' && pyversion !== undefined && pyversion !== 'source') {
      return fail(400, "Invalid value for pyversion. Error: Use 'source' as Python version for an sdist.");
    }
    if (!md5Digest && !sha256Digest && !blakeDigest) return fail(400, 'Error: Include at least one message digest.');

    // 5. metadata.py `parse(None, form_data=request.POST)` (see checkFormMetadata).
    const textFieldsNow = form.filter((p) => !isFilePart(p)).map((p): [string, string] => [p.name, text(p)]);
    const checked = checkFormMetadata(textFieldsNow, knownClassifiers ? { knownClassifiers } : {});
    if ('error' in checked) return fail(400, checked.error);
    const { version, rawVersion, licenseFiles } = checked.meta;

    // 6. The file part.
    const content = form.find((p) => p.name === 'content' && isFilePart(p));
    if (!content) return fail(400, 'Upload payload does not have a file.');

    // 7. Project lookup; a new project is created (rolled back unless the upload succeeds) after the user checks.
    const normalized = normalizePep503(nameValue);
    const existing = projects.get(normalized);
    // legacy.py `_ensure_user_can_upload` (only for user identities, not Trusted Publishing).
    const userCheck = (): Reply | undefined => {
      if (token.trustedPublishing) return undefined;
      if (token.unverifiedEmail) {
        return fail(
          403,
          `User ${pyRepr(user)}, associated with the API token used, does not have a verified primary email address. ` +
            `Please add a verified primary email before attempting to upload to PyPI. See ${HELP}#verified-email for more information.`,
        );
      }
      if (token.no2fa) {
        return fail(
          403,
          `User ${pyRepr(user)}, associated with the API token used, does not have two-factor authentication enabled. ` +
            `Please enable two-factor authentication before attempting to upload to PyPI. See ${HELP}#two-factor-authentication for more information.`,
        );
      }
      return undefined;
    };
    if (!existing) {
      const denied = userCheck();
      if (denied) return denied;
      // packaging/services.py `create_project`: rate limits, the registration flag, then `check_project_name`.
      if (options.newProjectLimit !== undefined && projectsCreated >= options.newProjectLimit) {
        return fail(429, 'Too many new projects created');
      }
      if (options.projectRegistrationDisabled) {
        return fail(403, `New project registration temporarily disabled. See ${HELP}#admin-intervention for more information.`);
      }
      if (takenNames.has(normalized)) {
        return fail(409, `The name ${pyRepr(nameValue)} conflicts with an existing project. See ${HELP}#project-name for more information.`);
      }
    }
    const projectName = existing?.name ?? nameValue;
    // 8. `request.has_permission(ProjectsUpload)`: the macaroon's caveats, then the ACL.
    if (token.expired || (token.expiresAt !== undefined && Date.now() >= token.expiresAt)) return fail(403, 'Invalid API Token: token is expired');
    if (token.projects && !token.projects.map(normalizePep503).includes(normalized)) {
      return fail(403, `Invalid API Token: project-scoped token is not valid for project: ${pyRepr(projectName)}`);
    }
    if (existing && existing.owner !== user) {
      return fail(403, `The user '${user}' isn't allowed to upload to project '${projectName}'. See ${HELP}#project-name for more information.`);
    }
    const denied = userCheck();
    if (denied) return denied;
    const displayName = nameValue; // project.name is updated to the metadata name
    // (The description is rendered here in Warehouse; not reproduced.)

    // 9. `_validate_filename`, content type, size.
    const filename = content.filename ?? '';
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(filename)) {
      return fail(400, 'Cannot upload a file with non-printable characters (ordinals 0-31) or the DEL character (ordinal 127) in the name.');
    }
    if (filename.includes('/') || filename.includes('\\')) return fail(400, "Cannot upload a file with '/' or '\\' in the name.");
    const ext = /^.+?(\.(tar\.gz|zip|whl))$/i.exec(filename)?.[1];
    if (ext === undefined) {
      return fail(
        400,
        'Invalid file extension: Use .tar.gz, .whl or .zip extension. See https://www.python.org/dev/peps/pep-0527 and https://peps.python.org/pep-0715/ for more information',
      );
    }
    const allowed = filetype === 'sdist' ? ['.zip', '.tar.gz'] : ['.whl'];
    if (!allowed.includes(ext)) {
      return fail(
        400,
        `Invalid file extension: Extension ${ext} is invalid for filetype ${filetype}. See https://www.python.org/dev/peps/pep-0527 for more information.`,
      );
    }
    const partType = content.contentType ?? 'text/plain'; // cgi.FieldStorage default
    if (!partType || partType.toLowerCase().startsWith('image/')) return fail(400, 'Invalid distribution file.');
    const bytes = content.data;
    if (bytes.length > fileSizeLimit) {
      return fail(
        400,
        `File too large. Limit for project ${pyRepr(displayName)} is ${Math.floor(fileSizeLimit / (1024 * 1024))} MB. ` +
          'See https://docs.pypi.org/project-management/storage-limits#requesting-a-file-size-limit-increase for more information.',
      );
    }

    // 10. Digests: every supplied one must match.
    const hashes = { md5: md5Hex(bytes), sha256: sha256Hex(bytes), blake2_256: blake2(bytes) };
    if (
      (md5Digest !== undefined && md5Digest.toLowerCase() !== hashes.md5) ||
      (sha256Digest !== undefined && sha256Digest.toLowerCase() !== hashes.sha256) ||
      (blakeDigest !== undefined && blakeDigest.toLowerCase() !== hashes.blake2_256)
    ) {
      return fail(400, 'The digest supplied does not match a digest calculated from the uploaded file.');
    }

    // 11. Duplicates: same filename or same blake2 anywhere.
    for (const [, , f] of allFiles()) {
      if (f.filename === filename || f.blake2_256 === hashes.blake2_256) {
        if (f.filename === filename && f.sha256 === hashes.sha256 && f.blake2_256 === hashes.blake2_256) {
          return pyramidPage(req, 200); // idempotent re-upload: 200, nothing stored
        }
        return fail(
          400,
          `File already exists (${pyRepr(filename)}, with blake2_256 hash ${pyRepr(hashes.blake2_256)}). See ${HELP}#file-name-reuse for more information.`,
        );
      }
    }

    // 12. One sdist per release.
    const release = existing?.releases.get(version.canonical);
    if (filetype === 'sdist' && release?.files.some((f) => f.packagetype === 'sdist')) {
      return fail(400, 'Only one sdist may be uploaded per release.');
    }

    // 13. legacy.py `_is_valid_dist_file` → "Invalid distribution file. <reason>" (reason None prints "None").
    let zipInfos: PyZipInfo[] = [];
    let tarNames: string[] = [];
    if (checkArchives) {
      const bad = (why: string | null): Reply => fail(400, `Invalid distribution file. ${why ?? 'None'}`);
      const isZip = pyIsZipfile(bytes);
      const listed = listTarGz(bytes);
      const isTar = listed !== null || pyIsTarfile(bytes);
      if (isZip && isTar) return bad('File is both a zip and a tar file');
      if (filename.endsWith('.zip') || filename.endsWith('.whl')) {
        if (!isZip) return bad('File is not a zipfile');
        try {
          zipInfos = pyZipInfolist(bytes);
          const decompressed = zipInfos.reduce((n, i) => n + i.fileSize, 0);
          if (decompressed > 64 * 1024 * 1024 && decompressed / bytes.length > 50) return bad('File exceeds compression ratio of 50');
          if (zipInfos.some((i) => i.compressType !== 0 && i.compressType !== 8)) return bad('File does not use a supported compression type');
          if (filename.endsWith('.zip')) {
            const top = pyCommonPath(zipInfos.map((i) => i.filename));
            if (top === '.' || top === '/' || top === '') return bad('Incorrect number of top-level directories in sdist');
            const target = posixJoin(top, 'PKG-INFO');
            if (!pyZipRead(bytes, zipInfos, target)) return bad(`PKG-INFO not found at ${target}`);
          } else {
            const [n, v] = filename.split('-');
            if (filename.split('-').length < 3) return bad('Unable to parse name and version from wheel filename');
            const target = `${n}-${v}.dist-info/WHEEL`;
            if (!pyZipRead(bytes, zipInfos, target)) return bad(`WHEEL not found at ${target}`);
          }
          // (The YARA scan runs here in Warehouse; not reproduced.)
          const framing = validateZipFraming(bytes, zipInfos);
          if (framing) return bad(`ZIP archive not accepted: ${framing}. See https://docs.pypi.org/archives for more information`);
        } catch (e) {
          if (e instanceof BadZipFile) return bad(null);
          throw e;
        }
      } else if (filename.endsWith('.tar.gz')) {
        if (!isTar) return bad('File is not a tarfile');
        if (!listed) return bad(null); // ReadError / EOFError / zlib.error while reading the members
        tarNames = listed;
        // (Sparse members are refused here in Warehouse; not reproduced.)
        const top = pyCommonPath(tarNames);
        if (top === '.' || top === '/' || top === '') return bad('Incorrect number of top-level directories in sdist');
        const target = posixJoin(top, 'PKG-INFO');
        if (!tarNames.includes(target)) return bad(`PKG-INFO not found at ${target}`);
      }
    }

    // 14. sdist filename (PEP 625), then License-File members.
    const expectedPrefix = normalized.replace(/-/g, '_');
    if (filetype === 'sdist') {
      const stem = filename.endsWith('.tar.gz') ? filename.slice(0, -7) : filename.endsWith('.zip') ? filename.slice(0, -4) : undefined;
      const dash = stem?.lastIndexOf('-') ?? -1;
      if (stem === undefined || dash < 0 || !parsePep440(stem.slice(dash + 1))) {
        return fail(400, `Invalid source distribution filename: ${filename}`);
      }
      let nameFromFilename = stem.slice(0, dash);
      if (version.isPostRelease && normalizePep503(nameFromFilename) !== normalized && filename.split('-').length - 1 >= 2) {
        // Warehouse: the version may contain a hyphen (`1.0-1`); split on the second-to-last hyphen instead.
        const head = filename.slice(0, filename.lastIndexOf('-'));
        nameFromFilename = head.includes('-') ? head.slice(0, head.lastIndexOf('-')) : '';
      }
      if (normalizePep503(nameFromFilename) !== normalized) {
        return fail(400, `Start filename for ${pyRepr(displayName)} with ${pyRepr(expectedPrefix)}.`);
      }
      const expected = `${expectedPrefix}-${version.normalized}.tar.gz`;
      if (filename !== expected) return fail(400, `Filename ${pyRepr(filename)} is invalid, should be ${pyRepr(expected)}.`);
      if (checkArchives) {
        const top = pyCommonPath(tarNames);
        for (const lf of licenseFiles) {
          const target = posixJoin(top, lf);
          if (!tarNames.includes(target)) return fail(400, `License-File ${lf} does not exist in distribution file ${filename} at ${target}`);
        }
      }
    }

    // 15. Wheel: filename, platform tags, name, version, then License-File, RECORD, entry points, METADATA.
    if (filename.endsWith('.whl')) {
      const parsed = parseWheelFilename(filename);
      if ('error' in parsed) return fail(400, parsed.error);
      for (const plat of parsed.platforms) {
        if (!validPlatformTag(plat)) return fail(400, `Binary wheel '${filename}' has an unsupported platform tag '${plat}'.`);
      }
      if (normalizePep503(nameValue) !== parsed.name) {
        return fail(400, `Start filename for ${pyRepr(displayName)} with ${pyRepr(normalizePep503(nameValue).replace(/-/g, '_'))}.`);
      }
      const nameFromFilename = filename.split('-')[0] ?? '';
      if (nameFromFilename !== expectedPrefix) {
        return fail(400, `Filename ${pyRepr(filename)} should contain the normalized project name ${pyRepr(expectedPrefix)}, not ${pyRepr(nameFromFilename)}.`);
      }
      if (parsed.version.canonical !== version.canonical) {
        return fail(400, `Version in filename should be ${pyRepr(version.normalized)} not ${pyRepr(parsed.version.normalized)}.`);
      }
      if (checkArchives) {
        const [n, v] = filename.split('-');
        const member = (path: string): Buffer | undefined => {
          try {
            return pyZipRead(bytes, zipInfos, path);
          } catch {
            return undefined;
          }
        };
        for (const lf of licenseFiles) {
          const target = `${n}-${v}.dist-info/licenses/${lf}`;
          if (!member(target)) return fail(400, `License-File ${lf} does not exist in distribution file ${filename} at ${target}`);
        }
        // warehouse/utils/wheel.py `validate_record`: missing or undecodable RECORD is an error (a mismatch only mails).
        const record = member(`${n}-${v}.dist-info/RECORD`);
        let recordOk = record !== undefined;
        try {
          if (record) utf8Strict.decode(record);
        } catch {
          recordOk = false;
        }
        if (!recordOk) return fail(400, `Wheel '${filename}' does not contain the required RECORD file: ${n}-${v}.dist-info/RECORD`);
        const entryPoints = member(`${n}-${v}.dist-info/entry_points.txt`);
        if (entryPoints && !entryPointsValid(entryPoints)) {
          return fail(400, `Wheel '${filename}' has invalid entry points defined in the entry_points.txt file`);
        }
        if (!member(`${n}-${v}.dist-info/METADATA`)) {
          return fail(400, `Wheel '${filename}' does not contain the required METADATA file: ${n}-${v}.dist-info/METADATA`);
        }
        // The METADATA is written next to the upload as `<filename>.metadata`: a name over 255 bytes fails.
        if (Buffer.byteLength(filename) + '.metadata'.length > 255) return fail(400, `Filename is too long: '${filename}'`);
      }
    }

    // 16. Attestations (integrity service `parse_attestations`): only from a Trusted Publishing upload.
    if (values('attestations').length > 0 && !token.trustedPublishing) {
      return fail(400, 'Invalid attestations supplied during upload: Attestations are only supported when using Trusted Publishing');
    }

    // 17. Store.
    if (!existing) projectsCreated++;
    addFile(displayName, existing?.owner ?? user, version, rawVersion, present('requires_python'), filename, Buffer.from(bytes), filetype);
    ctx.stored = true;
    return pyramidPage(req, 200);
  };

  // --- read side ------------------------------------------------------------------------------------------------

  const simple = (ctx: RequestContext, segs: string[]): Reply => {
    const req = ctx.req;
    const notFound: Reply = { status: 404, headers: { 'Content-Type': 'text/plain; charset=UTF-8' }, body: '404 Not Found' };
    const offers = acceptableOffers(req.headers.accept, [
      'text/html',
      'application/vnd.pypi.simple.v1+json',
      'application/vnd.pypi.simple.v1+html',
      'application/vnd.pypi.simple.latest+json',
      'application/vnd.pypi.simple.latest+html',
    ]);
    const chosen = offers === null ? 'text/html' : offers[0];
    if (chosen === undefined) return { status: 406, headers: { 'Content-Type': 'text/plain; charset=UTF-8' }, body: '406 Not Acceptable' };
    const json = chosen.endsWith('+json');
    const contentType = json
      ? 'application/vnd.pypi.simple.v1+json'
      : chosen === 'text/html'
        ? 'text/html; charset=utf-8'
        : 'application/vnd.pypi.simple.v1+html';
    const headers = { 'Content-Type': contentType, Vary: 'Accept, Accept-Encoding', 'X-PyPI-Last-Serial': String(serial) };

    if (segs.length === 0) {
      const list = [...projects.values()].sort((a, b) => a.normalized.localeCompare(b.normalized));
      if (json) {
        return {
          status: 200,
          headers,
          body: JSON.stringify({
            meta: { 'api-version': '1.1', '_last-serial': serial },
            projects: list.map((p) => ({ name: p.name, '_last-serial': serial })),
          }),
        };
      }
      const links = list.map((p) => `    <a href="/simple/${p.normalized}/">${pyHtmlEscape(p.name)}</a>\n`).join('');
      return {
        status: 200,
        headers,
        body: `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Simple index</title>\n  </head>\n  <body>\n${links}  </body>\n</html>`,
      };
    }
    const name = segs[0] ?? '';
    const normalized = normalizePep503(name);
    if (name !== normalized || ctx.url.pathname !== `/simple/${name}/`) {
      return { status: 301, headers: { Location: `${base}/simple/${normalized}/` }, body: '' };
    }
    const project = projects.get(normalized);
    if (!project) return notFound;
    const rows: Array<[PRelease, PFile]> = [];
    for (const r of project.releases.values()) for (const f of r.files) rows.push([r, f]);
    rows.sort((a, b) => (a[1].filename < b[1].filename ? -1 : a[1].filename > b[1].filename ? 1 : 0));
    if (json) {
      return {
        status: 200,
        headers,
        body: JSON.stringify({
          meta: { 'api-version': '1.1', '_last-serial': serial },
          name: project.normalized,
          versions: [...project.releases.values()].map((r) => r.version),
          files: rows.map(([r, f]) => ({
            filename: f.filename,
            url: fileUrl(f),
            hashes: { sha256: f.sha256, blake2b_256: f.blake2_256 },
            'requires-python': r.requiresPython ?? null,
            size: f.size,
            'upload-time': f.uploadTime.toISOString(),
            yanked: false,
          })),
        }),
      };
    }
    const anchors = rows
      .map(([r, f]) => {
        const rp = r.requiresPython ? `data-requires-python="${pyHtmlEscape(r.requiresPython)}" ` : '';
        return `    <a href="${fileUrl(f)}#sha256=${f.sha256}" ${rp}>${pyHtmlEscape(f.filename)}</a><br />\n`;
      })
      .join('');
    return {
      status: 200,
      headers,
      body:
        `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n` +
        `    <title>Links for ${pyHtmlEscape(project.normalized)}</title>\n  </head>\n  <body>\n` +
        `    <h1>Links for ${pyHtmlEscape(project.normalized)}</h1>\n${anchors}  </body>\n</html>\n<!--SERIAL ${serial}-->`,
    };
  };

  const download = (pathname: string): Reply => {
    for (const [, , f] of allFiles()) {
      if (new URL(fileUrl(f)).pathname === pathname) {
        return { status: 200, binary: true, headers: { 'Content-Type': 'application/octet-stream' }, body: f.bytes };
      }
    }
    return { status: 404, headers: { 'Content-Type': 'text/plain; charset=UTF-8' }, body: '404 Not Found' };
  };

  const handle = async (ctx: RequestContext): Promise<Reply> => {
    const method = ctx.req.method ?? 'GET';
    const path = ctx.url.pathname;
    const isGet = method === 'GET' || method === 'HEAD';
    if (path === '/legacy') {
      if (method !== 'POST') return pyramidPage(ctx.req, 405, { detail: null, headers: { Allow: 'POST' } });
      return pyramidPage(ctx.req, 308, {
        message: 'An upload was attempted to /legacy but the expected upload URL is /legacy/ (with a trailing slash)',
        location: '/legacy/',
        headers: { Location: `${base}/legacy/` },
      });
    }
    if (path === '/legacy/') {
      if (method === 'POST') return upload(ctx);
      if (isGet || method === 'OPTIONS') {
        return {
          status: 200,
          headers: { 'Content-Type': 'text/html; charset=UTF-8' },
          body: '<!DOCTYPE html>\n<html><head><title>Upload - PyPI test double</title></head><body><p>This is the upload endpoint; POST distributions here.</p></body></html>\n',
        };
      }
      return pyramidPage(ctx.req, 405, { detail: null, headers: { Allow: 'GET, HEAD, OPTIONS' } });
    }
    if (isGet && (path === '/simple' || path.startsWith('/simple/'))) {
      if (path === '/simple') return { status: 301, headers: { Location: `${base}/simple/` }, body: '' };
      let segs: string[];
      try {
        segs = path
          .slice('/simple/'.length)
          .split('/')
          .filter((s) => s !== '')
          .map(decodeURIComponent);
      } catch {
        segs = ['\u0000'];
      }
      if (segs.length > 1) return { status: 404, headers: { 'Content-Type': 'text/plain; charset=UTF-8' }, body: '404 Not Found' };
      return simple(ctx, segs);
    }
    if (isGet && path.startsWith('/packages/')) return download(path);
    if (path === '/_/oidc/audience' && isGet) {
      if (!options.trustedPublishing) return json(403, { message: 'Trusted publishing functionality not enabled' });
      return json(200, { audience: options.trustedPublishing.audience ?? 'pypi' });
    }
    if (path === '/_/oidc/mint-token' && method === 'POST') return mint(ctx);
    return pyramidPage(ctx.req, 404);
  };

  const json = (status: number, body: unknown): Reply => ({ status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  const tokenFailure = (code: string, description: string): Reply => json(422, { message: 'Token request failed', errors: [{ code, description }] });

  const mint = (ctx: RequestContext): Reply => {
    const tp = options.trustedPublishing;
    if (!tp) return tokenFailure('not-enabled', 'Trusted publishing functionality not enabled');
    let jwt: unknown;
    try {
      jwt = (JSON.parse(ctx.body.toString('utf8')) as { token?: unknown }).token;
    } catch {
      return tokenFailure('invalid-payload', 'malformed JSON');
    }
    if (typeof jwt !== 'string') return tokenFailure('invalid-payload', 'token is missing');
    let claims: Record<string, unknown>;
    try {
      claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return tokenFailure('invalid-token', 'malformed token');
    }
    if (claims.aud !== (tp.audience ?? 'pypi')) return tokenFailure('invalid-token', 'invalid audience');
    const publisher = tp.publishers.find((p) => Object.entries(p.claims).every(([k, v]) => claims[k] === v));
    if (!publisher) return tokenFailure('invalid-publisher', 'valid token, but no corresponding publisher (All lookup strategies exhausted)');
    const lifetime = tp.lifetimeSeconds ?? 900;
    const minted = `pypi-minted-${randomBytes(12).toString('hex')}`;
    const expiresAt = Date.now() + lifetime * 1000;
    tokens[minted] = { user: publisher.user ?? PYPI_DEFAULT_USER, expiresAt, trustedPublishing: true };
    return json(200, { success: true, token: minted, expires: Math.floor(expiresAt / 1000) });
  };

  const server = await startServer({
    isUpload: (method, pathname) => method === 'POST' && pathname === '/legacy/',
    handle,
    defaultRedirect: () => `${base}/redirected/legacy/`,
    maxBodyBytes: options.maxBodyBytes,
  });
  base = server.url;

  return {
    url: server.url,
    uploadUrl: `${server.url}/legacy/`,
    indexUrl: `${server.url}/simple/`,
    requests: server.requests,
    uploads: server.uploads,
    files: () =>
      [...allFiles()].map(([p, r, f]) => {
        const rf: RegistryFile = {
          filename: f.filename,
          project: p.name,
          version: r.version,
          sha256: f.sha256,
          blake2_256: f.blake2_256,
          size: f.size,
        };
        if (r.requiresPython) rf.requiresPython = r.requiresPython;
        return rf;
      }),
    fileContent: (filename) => {
      for (const [, , f] of allFiles()) if (f.filename.toLowerCase() === filename.toLowerCase()) return f.bytes;
      return undefined;
    },
    injectFault: (f: FaultPlan) => server.faults.push(f),
    clearFaults: () => server.faults.clear(),
    seedFile: (f: PypiSeedFile) => {
      const type = f.filename.endsWith('.whl') ? 'bdist_wheel' : 'sdist';
      addFile(f.project, f.owner ?? PYPI_DEFAULT_USER, parsePep440(f.version), f.version, f.requiresPython, f.filename, Buffer.from(f.content), type);
    },
    close: server.close,
  };
}
