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
 */
import { randomBytes } from 'node:crypto';
import { createBLAKE2b } from 'hash-wasm';
import type http from 'node:http';
import { commonPrefix, listTarGz, listZip, posixJoin } from './archives.js';
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
const SUPPORTED_METADATA_VERSIONS = new Set(['1.0', '1.1', '1.2', '2.1', '2.2', '2.3', '2.4', '2.5']);
const SINGLE_METADATA_FIELDS = [
  'metadata_version', 'name', 'version', 'summary', 'description', 'description_content_type', 'keywords', 'home_page',
  'download_url', 'author', 'author_email', 'maintainer', 'maintainer_email', 'license', 'license_expression', 'requires_python',
];
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
  const local = m[13]?.toLowerCase().split(/[-_.]/).map((x) => (/^\d+$/.test(x) ? num(x) : x)).join('.');
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
  return `{${Object.entries(obj).map(([k, v]) => `${enc(k)}: ${enc(v)}`).join(', ')}}`;
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
  const escape = match === 'text/html' ? pyHtmlEscape : (s: string): string => s;
  const br = match === 'text/html' ? '<br/>' : '\n';
  let body: string;
  if (status === 405) body = `The method ${escape(req.method ?? '')} is not allowed for this resource. ${br}${br}\n${escape(detail)}`;
  else if (opts.location !== undefined) {
    body = `${escape(explanation)} ${escape(opts.location)}; you should be redirected automatically.\n${escape(detail)}\n`;
  } else body = `${escape(explanation)}${br}${br}\n${escape(detail)}\n\n`;
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
  'any', 'win32', 'win_arm64', 'win_amd64', 'win_ia64', 'manylinux1_x86_64', 'manylinux1_i686', 'manylinux2010_x86_64',
  'manylinux2010_i686', 'manylinux2014_x86_64', 'manylinux2014_i686', 'manylinux2014_aarch64', 'manylinux2014_armv7l',
  'manylinux2014_ppc64', 'manylinux2014_ppc64le', 'manylinux2014_s390x', 'linux_armv6l', 'linux_armv7l',
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
  m = /^ios_(\d+)_(\d+)_(.*)_(iphoneos|iphonesimulator)$/.exec(tag);
  if (m && (m[3] === 'arm64' || m[3] === 'x86_64')) return true;
  m = /^android_(\d+)_(.*)$/.exec(tag);
  return m !== null && ['armeabi_v7a', 'arm64_v8a', 'x86', 'x86_64'].includes(m[2] ?? '');
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

    // 1. Identity (BasicAuthSecurityPolicy, then MacaroonSecurityPolicy).
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
          // Raised with the message only in the status line (no detail in the body).
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

    // 2. Sanitize: drop values that are "UNKNOWN".
    const form = parts.filter((p) => isFilePart(p) || text(p).trim() !== 'UNKNOWN');
    const values = (k: string): string[] => form.filter((p) => p.name === k && !isFilePart(p)).map(text);
    const first = (k: string): string | undefined => values(k)[0];
    const present = (k: string): string | undefined => {
      const v = first(k);
      return v === undefined || v === '' ? undefined : v;
    };

    // 3. Protocol version.
    if ((first('protocol_version') ?? '1') !== '1') return fail(400, 'Unknown protocol version.');

    // 4. Text fields sent as file parts.
    const tuple = form.find((p) => isFilePart(p) && p.name !== 'content' && p.name !== 'gpg_signature');
    if (tuple) return fail(400, `${tuple.name}: Should not be a tuple.`);

    // 5. UploadForm.
    const nameValue = first('name') ?? '';
    if (!nameValue || !PROJECT_NAME_RE.test(nameValue)) {
      const shown = nameValue.length > 60 ? `${nameValue.slice(0, 30)}...${nameValue.slice(-30)}` : nameValue;
      const why = nameValue ? "Start and end with a letter or numeral containing only ASCII numeric and '.', '_' and '-'." : 'This field is required.';
      return fail(400, `${pyRepr(shown)} is an invalid value for Name. Error: ${why} See ${CORE_METADATA} for more information.`);
    }
    const blakeDigest = present('blake2_256_digest');
    const sha256Digest = present('sha256_digest');
    const md5Digest = present('md5_digest');
    if (blakeDigest !== undefined && !/^[A-F0-9]{64}$/i.test(blakeDigest)) {
      return fail(400, 'Invalid value for blake2_256_digest. Error: Use a valid, hex-encoded, BLAKE2 message digest.');
    }
    const filetype = first('filetype') ?? '';
    if (filetype === '') return fail(400, 'Invalid value for filetype. Error: This field is required.');
    if (filetype !== 'sdist' && filetype !== 'bdist_wheel') return fail(400, 'Invalid value for filetype. Error: Use a known file type.');
    const pyversion = present('pyversion');
    if (filetype !== 'sdist' && pyversion === undefined) {
      return fail(400, 'Invalid value for pyversion. Error: Python version is required for binary distribution uploads.');
    }
    if (filetype === 'sdist' && pyversion !== undefined && pyversion !== 'source') {
      return fail(400, "Invalid value for pyversion. Error: Use 'source' as Python version for an sdist.");
    }
    if (sha256Digest !== undefined && !/^[A-F0-9]{64}$/i.test(sha256Digest)) {
      return fail(400, 'Invalid value for sha256_digest. Error: Use a valid, hex-encoded, SHA256 message digest.');
    }
    if (!md5Digest && !sha256Digest && !blakeDigest) return fail(400, 'Error: Include at least one message digest.');

    // 6. Metadata (metadata-version, name, version first).
    const metaError = (msg: string): Reply => fail(400, `${msg}${msg.endsWith('.') ? '' : '.'} See ${CORE_METADATA} for more information.`);
    for (const k of SINGLE_METADATA_FIELDS) if (values(k).length > 1) return fail(400, `${pyRepr(k)} has invalid data. See ${CORE_METADATA} for more information.`);
    const metadataVersion = present('metadata_version');
    if (metadataVersion === undefined) return metaError("'metadata-version' is a required field");
    if (!SUPPORTED_METADATA_VERSIONS.has(metadataVersion)) return metaError(`${pyRepr(metadataVersion)} is not a valid metadata version`);
    const rawVersion = present('version');
    if (rawVersion === undefined) return metaError("'version' is a required field");
    const version = parsePep440(rawVersion);
    if (!version) return metaError(`${pyRepr(rawVersion)} is invalid for 'version'`);
    if (version.local !== undefined) return metaError(`The use of local versions in '${version.normalized}' is not allowed.`);

    // 7. The file part.
    const content = form.find((p) => p.name === 'content' && isFilePart(p));
    if (!content) return fail(400, 'Upload payload does not have a file.');

    // 8. Project lookup / creation (rolled back unless the upload succeeds), then permissions.
    const normalized = normalizePep503(nameValue);
    const existing = projects.get(normalized);
    if (!existing && options.newProjectLimit !== undefined && projectsCreated >= options.newProjectLimit) {
      return fail(429, 'Too many new projects created');
    }
    const projectName = existing?.name ?? nameValue;
    if (token.expired || (token.expiresAt !== undefined && Date.now() >= token.expiresAt)) return fail(403, 'Invalid API Token: token is expired');
    // Warehouse: attestations only from a Trusted Publishing upload.
    if (values('attestations').length > 0 && !token.trustedPublishing) {
      return fail(400, 'Invalid attestations supplied during upload: Attestations are only supported when using Trusted Publishing');
    }
    if (token.projects && !token.projects.map(normalizePep503).includes(normalized)) {
      return fail(403, `Invalid API Token: project-scoped token is not valid for project: ${pyRepr(projectName)}`);
    }
    if (existing && existing.owner !== user) {
      return fail(403, `The user '${user}' isn't allowed to upload to project '${projectName}'. See ${HELP}#project-name for more information.`);
    }
    const displayName = nameValue; // project.name is updated to the metadata name

    // 9. Filename, content type, size.
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
      return fail(400, `Invalid file extension: Extension ${ext} is invalid for filetype ${filetype}. See https://www.python.org/dev/peps/pep-0527 for more information.`);
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

    // 13. Archive structure.
    if (checkArchives) {
      const bad = (why: string): Reply => fail(400, `Invalid distribution file. ${why}`);
      if (filename.endsWith('.zip') || filename.endsWith('.whl')) {
        const entries = listZip(bytes);
        if (!entries) return bad('File is not a zipfile');
        if (entries.some((e) => e.method !== 0 && e.method !== 8)) return bad('File does not use a supported compression type');
        const names = entries.map((e) => e.name);
        if (filename.endsWith('.zip')) {
          const top = commonPrefix(names);
          if (top === '.' || top === '/' || top === '') return bad('Incorrect number of top-level directories in sdist');
          const target = posixJoin(top, 'PKG-INFO');
          if (!names.includes(target)) return bad(`PKG-INFO not found at ${target}`);
        } else {
          const [n, v] = filename.split('-');
          if (v === undefined) return bad('Unable to parse name and version from wheel filename');
          const target = `${n}-${v}.dist-info/WHEEL`;
          if (!names.includes(target)) return bad(`WHEEL not found at ${target}`);
        }
      } else if (filename.endsWith('.tar.gz')) {
        const names = listTarGz(bytes);
        if (!names) return bad('File is not a tarfile');
        const top = commonPrefix(names);
        if (top === '.' || top === '/' || top === '') return bad('Incorrect number of top-level directories in sdist');
        const target = posixJoin(top, 'PKG-INFO');
        if (!names.includes(target)) return bad(`PKG-INFO not found at ${target}`);
      }
    }

    // 14. sdist filename (PEP 625).
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
    }

    // 15. Wheel filename.
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
        const names = (listZip(bytes) ?? []).map((e) => e.name);
        if (!names.includes(`${n}-${v}.dist-info/RECORD`)) {
          return fail(400, `Wheel '${filename}' does not contain the required RECORD file: ${n}-${v}.dist-info/RECORD`);
        }
        if (!names.includes(`${n}-${v}.dist-info/METADATA`)) {
          return fail(400, `Wheel '${filename}' does not contain the required METADATA file: ${n}-${v}.dist-info/METADATA`);
        }
      }
    }

    // 16. Store.
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
    const contentType = json ? 'application/vnd.pypi.simple.v1+json' : chosen === 'text/html' ? 'text/html; charset=utf-8' : 'application/vnd.pypi.simple.v1+html';
    const headers = { 'Content-Type': contentType, Vary: 'Accept, Accept-Encoding', 'X-PyPI-Last-Serial': String(serial) };

    if (segs.length === 0) {
      const list = [...projects.values()].sort((a, b) => a.normalized.localeCompare(b.normalized));
      if (json) {
        return { status: 200, headers, body: JSON.stringify({ meta: { 'api-version': '1.1', '_last-serial': serial }, projects: list.map((p) => ({ name: p.name, '_last-serial': serial })) }) };
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
        segs = path.slice('/simple/'.length).split('/').filter((s) => s !== '').map(decodeURIComponent);
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
  const tokenFailure = (code: string, description: string): Reply =>
    json(422, { message: 'Token request failed', errors: [{ code, description }] });

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
