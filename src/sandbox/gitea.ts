/**
 * Sandbox (loopback double) of the Gitea PyPI package registry (spec: /work/shared/spec/gitea-pypi.md §1–3, §3a, §6),
 * with server profiles for the versions met in the field: Gitea 1.17–1.18, 1.19–1.21, ≥1.22 (default) and Forgejo.
 * Every difference between profiles is read from the server's own source; see {@link GITEA_PROFILE_BEHAVIOUR}.
 * This file must not import client code (nothing from src/ outside src/sandbox/).
 *
 * Routes:
 *   POST   /api/packages/{owner}/pypi[/]                              upload (multipart), 201 empty on success
 *   GET    /api/packages/{owner}/pypi/simple/{name}[/]                PEP 503 HTML (no root /simple/)
 *   GET    /api/packages/{owner}/pypi/files/{name}/{version}/{file}   download
 *   DELETE /api/v1/packages/{owner}/pypi/{name}/{version}             delete a version, 204
 *   GET    /api/v1/packages/{owner}/pypi/{name}/{version}/files       JSON list of files with hashes
 */
import { createHash } from 'node:crypto';
import { GITEA_PROFILES, type GiteaProfile } from './profiles.js';
import type http from 'node:http';
import {
  isFilePart,
  parseHeaderParams,
  sha256Hex,
  startServer,
  type FaultPlan,
  type Registry,
  type RegistryFile,
  type Reply,
  type RequestContext,
  type SeedFile,
} from './common.js';

export type GiteaScope = 'write:package' | 'read:package' | 'all' | 'public-only' | (string & {});

export interface GiteaUser {
  /** Personal access token (tried as Basic password, Basic username with empty password, `token`/`Bearer` header, `?token=`). */
  token?: string;
  /** Real password for Basic login (no scope checks apply to password logins). */
  password?: string;
  /** PAT scopes; write:package implies read:package, `all` implies everything. */
  scopes?: GiteaScope[];
  /** Owner, or member of a team with Packages=Write: gets write access to the owner's packages. */
  ownsOwner?: boolean;
  /** Site admin: bypasses permission and quota checks (not token scopes). */
  admin?: boolean;
}

export interface GiteaRegistryOptions {
  /** Server version to emulate (see {@link GITEA_PROFILE_BEHAVIOUR}). Default `'1.22'`. */
  profile?: GiteaProfile;
  /** Owner (user/org) name, matched case-insensitively. Default `molecule`. */
  owner?: string;
  /** Replaces the default `{ publisher: { token: 'gitea-test-token', scopes: ['write:package'], ownsOwner: true } }`. */
  users?: Record<string, GiteaUser>;
  /**
   * Overrides the profile's status for a duplicate filename (the body stays the profile's). Older spelling of
   * `profile: '1.19'` (Gitea ≤1.21 answered 400); kept for compatibility.
   */
  legacyDuplicateStatus?: 400 | 409;
  /**
   * Owner storage limit, applied the profile's way: Gitea 1.19+ LIMIT_TOTAL_OWNER_SIZE (used + upload > limit →
   * 403 `maximum allowed package storage quota exceeded`); Forgejo quota groups (used ≥ limit before the upload →
   * 413 `enforcePackagesQuota\n`); Gitea 1.17–1.18 has no limits, so it is ignored there.
   */
  quotaBytes?: number;
  /** Per-file limit (LIMIT_SIZE_PYPI) → 403 `maximum allowed package type size exceeded` (Gitea 1.19+, Forgejo; ignored by 1.17). */
  maxFileBytes?: number;
  /** Private owner: anonymous/other users get no read access (401 + WWW-Authenticate). */
  privateOwner?: boolean;
  /** An Actions task token (GITEA_TOKEN): authenticates, but is read-only in 1.22 (no Actions in profile '1.17'). */
  actionsToken?: string;
  /** Hard cap on request bodies (default 2 GiB) → 413. */
  maxBodyBytes?: number;
}

export interface GiteaRegistry extends Registry {
  owner: string;
  /** The emulated server version. */
  profile: GiteaProfile;
  /** `${url}/api/packages/${owner}/pypi` */
  uploadUrl: string;
  /** `${url}/api/packages/${owner}/pypi/simple/` */
  indexUrl: string;
  /** Versions of a package as stored, with the metadata written by their first upload. */
  versions(name: string): Array<{ version: string; metadata: Record<string, string>; downloads: number }>;
  /**
   * Cheaply stores `count` synthetic files (tiny fake bytes, no checks) under `project`, one version each
   * (`${versionPrefix}${i}`, default prefix `0.0.`, which string-sorts before `1`), to make a huge simple page.
   * Returns the filenames in creation order.
   */
  seedMany(project: string, count: number, options?: { versionPrefix?: string; requiresPython?: string }): string[];
}

export const GITEA_DEFAULT_TOKEN = 'gitea-test-token';
export const GITEA_DEFAULT_USER = 'publisher';

// --- server profiles -------------------------------------------------------------------------------------------
//
// Sources (read with git from mirrors that carry the upstream tags):
//   Gitea:   go-gitea/gitea via the GitHub fork AlexMikhalev/gitea, tags v1.18.5 (48eb5ac6856a), v1.21.11
//            (acdcfcc6ebfe), v1.22.0 (803b0c9ab43f), v1.22.6 (8eefa1f6dedf); PR numbers as merged upstream.
//   Forgejo: forgejo/forgejo via the GitHub mirror rohitkumarankam/forgejo, tag v15.0.3 (f6d4219f10a2), the newest
//            release in that mirror.
// A profile reproduces the newest patch release of its range: '1.17' = v1.18.5, '1.19' = v1.21.11,
// '1.22' = v1.22.6 (its PyPI handler and template equal v1.22.0), 'forgejo' = v15.0.3. Known in-range differences
// that the profiles do not model: 1.17.0–1.17.2 had a lowercase-only name regex and a strict version regex
// (relaxed by #21095 in 1.17.3 and #21690 in 1.17.4); 1.17.x never answered 401 for bad credentials (auth
// methods returned no errors, services/auth/group.go v1.17.4); 1.19.x still rendered `<br/>`, listed versions
// newest first, and treated a bad `token`/`Bearer` header as anonymous (fixed in 1.20.0 by #23748, #23550, #25701).

export { GITEA_PROFILES, type GiteaProfile };

export interface GiteaProfileBehaviour {
  label: string;
  /** Release whose source the profile reproduces. */
  source: string;
  /** Separator in the index link fragment: `#sha256-HEX` or `#sha256=HEX`. */
  fragmentSeparator: '-' | '=';
  /** Tag after each link. */
  lineBreak: '<br/>' | '<br>';
  /** simple.tmpl's `{{- /* PEP 503 … *\/ -}}` comment removes the whitespace between `<body>` and `<h1>`. */
  trimBodyWhitespace: boolean;
  /** Order of versions on the simple page: plain string compare, or newest first (`created_unix DESC`). */
  versionOrder: 'string' | 'newest-first';
  /** Answer to a second file with the same (version, lower-cased filename). Written by `apiError` (no newline). */
  duplicate: { status: number; body: string };
  /**
   * How `quotaBytes` is enforced. 'none': no limits exist. 'gitea': LIMIT_TOTAL_OWNER_SIZE, used + upload > limit →
   * 403 via `apiError`, admins exempt, checked after the form (before the duplicate check). 'forgejo': quota groups,
   * used ≥ limit → 413 via `ctx.Error` (body ends in "\n"), nobody exempt, checked before the handler reads the form.
   */
  quota: { kind: 'none' } | { kind: 'gitea' | 'forgejo'; status: number; body: string };
  /** LIMIT_SIZE_PYPI exists (`maxFileBytes` → 403 `maximum allowed package type size exceeded`). */
  typeSizeLimit: boolean;
  /** Bad credentials → 401 `authGroup.Verify\n`: for every method, or for Basic only (a bad token header is anonymous). */
  badCredentials: 'all' | 'basic-only';
  /** Personal access tokens carry scopes that `reqPackageAccess` checks. */
  tokenScopes: boolean;
  /** A `public-only` token on a private owner → 403 `reqToken\n`. */
  publicOnlyScope: boolean;
  /** Actions task tokens exist (Gitea Actions). */
  actionsTokens: boolean;
  /** `/api/v1/packages/...` needs a token (`reqToken`); without it anonymous reads of public owners pass. */
  managementRequiresToken: boolean;
}

const QUOTA_GITEA = { kind: 'gitea', status: 403, body: 'maximum allowed package storage quota exceeded' } as const;

/**
 * Per-profile behaviour, each entry with the source it was read from (file path at the profile's tag; PR that
 * introduced the behaviour). Paths are go-gitea/gitea unless marked Forgejo.
 */
export const GITEA_PROFILE_BEHAVIOUR: Readonly<Record<GiteaProfile, Readonly<GiteaProfileBehaviour>>> = {
  '1.17': {
    label: 'Gitea 1.17–1.18',
    source: 'go-gitea/gitea v1.18.5',
    // templates/api/packages/pypi/simple.tmpl @ v1.18.5 (unchanged since v1.17.0): `#sha256-{{.Blob.HashSHA256}}`, `<br/>`.
    fragmentSeparator: '-',
    lineBreak: '<br/>',
    trimBodyWhitespace: false,
    // routers/api/packages/pypi/pypi.go @ v1.18.5 PackageMetadata does not sort; models/packages/package_version.go
    // @ v1.18.5 SearchVersions default order is `package_version.created_unix DESC`. String sort came with #23550 (1.20.0).
    versionOrder: 'newest-first',
    // models/packages/package_file.go @ v1.18.5: ErrDuplicatePackageFile = errors.New("Package file does exist already");
    // routers/api/packages/pypi/pypi.go @ v1.18.5 → apiError(ctx, http.StatusBadRequest, err). Text changed by #22268 (1.19.0).
    duplicate: { status: 400, body: 'Package file does exist already' },
    // services/packages/packages.go @ v1.18.5 has no quota checks; they came with #21584 (first tag v1.19.0-rc0).
    quota: { kind: 'none' },
    typeSizeLimit: false,
    // routers/api/packages/api.go @ v1.18.5: Verify error → ctx.Error(401, "authGroup.Verify"); services/auth/basic.go
    // returns errors, services/auth/oauth2.go @ v1.18.5 returns (nil, nil) for an unknown token (anonymous) until #25701 (1.20.0).
    badCredentials: 'basic-only',
    // routers/api/packages/api.go @ v1.18.5 reqPackageAccess checks the access mode only; token scopes came in 1.19.
    tokenScopes: false,
    publicOnlyScope: false,
    // Gitea Actions (and its task tokens) first shipped in 1.19.
    actionsTokens: false,
    // routers/api/v1/api.go @ v1.18.5: `/packages/{username}` routes have no reqToken().
    managementRequiresToken: false,
  },
  '1.19': {
    label: 'Gitea 1.19–1.21',
    source: 'go-gitea/gitea v1.21.11',
    // templates/api/packages/pypi/simple.tmpl @ v1.21.11: `#sha256-…`, `<br>` (self-close removed by #23748, 1.20.0).
    fragmentSeparator: '-',
    lineBreak: '<br>',
    trimBodyWhitespace: false,
    // routers/api/packages/pypi/pypi.go @ v1.21.11: sort.Slice by strings.Compare of the version (#23550).
    versionOrder: 'string',
    // models/packages/package_file.go @ v1.21.11: util.NewAlreadyExistErrorf("package file already exists");
    // pypi.go @ v1.21.11 → apiError(ctx, http.StatusBadRequest, err). PR #27480 (409) is not in any v1.21.x tag.
    duplicate: { status: 400, body: 'package file already exists' },
    // services/packages/packages.go @ v1.21.11 ErrQuotaTotalSize / ErrQuotaTypeSize; pypi.go → apiError(403, err) (#21584).
    quota: QUOTA_GITEA,
    typeSizeLimit: true,
    // services/auth/oauth2.go @ v1.21.11: unknown token → user_model.ErrUserNotExist{} (#25701, 1.20.0) → 401 authGroup.Verify.
    badCredentials: 'all',
    // routers/api/packages/api.go @ v1.21.11 reqPackageAccess: ApiTokenScope.HasScope(read:package / write:package).
    tokenScopes: true,
    publicOnlyScope: false,
    actionsTokens: true,
    // routers/api/v1/api.go @ v1.21.11: m.Get("/files", reqToken(), packages.ListPackageFiles).
    managementRequiresToken: true,
  },
  '1.22': {
    label: 'Gitea ≥1.22',
    source: 'go-gitea/gitea v1.22.6',
    // templates/api/packages/pypi/simple.tmpl @ v1.22.0: `#sha256={{.Blob.HashSHA256}}` (#30594) and the
    // `{{- /* PEP 503 – Simple Repository API … */ -}}` comment between `<body>` and `<h1>`.
    fragmentSeparator: '=',
    lineBreak: '<br>',
    trimBodyWhitespace: true,
    versionOrder: 'string',
    // routers/api/packages/pypi/pypi.go @ v1.22.0: ErrDuplicatePackageFile → apiError(ctx, http.StatusConflict, err) (#27480).
    duplicate: { status: 409, body: 'package file already exists' },
    quota: QUOTA_GITEA,
    typeSizeLimit: true,
    badCredentials: 'all',
    tokenScopes: true,
    // routers/api/packages/api.go reqPackageAccess: public-only token on a private owner → 403 reqToken (#32204, 1.22.3).
    publicOnlyScope: true,
    actionsTokens: true,
    managementRequiresToken: true,
  },
  forgejo: {
    label: 'Forgejo (recent)',
    source: 'forgejo/forgejo v15.0.3',
    // Forgejo templates/api/packages/pypi/simple.tmpl @ v15.0.3: `#sha256=` (Forgejo commit 303b95a1c1, 2024-04-12,
    // already in v7.0.0), `<br>`, and none of Gitea 1.22's whitespace-trimming comment.
    fragmentSeparator: '=',
    lineBreak: '<br>',
    trimBodyWhitespace: false,
    // Forgejo routers/api/packages/pypi/pypi.go @ v15.0.3: sort.Slice by strings.Compare of the version.
    versionOrder: 'string',
    // Forgejo models/packages/package_file.go @ v15.0.3 ("package file already exists"); pypi.go → http.StatusConflict.
    duplicate: { status: 409, body: 'package file already exists' },
    // Forgejo routers/api/packages/api.go @ v15.0.3 enforcePackagesQuota (route middleware before pypi.UploadPackageFile):
    // ctx.Error(http.StatusRequestEntityTooLarge, "enforcePackagesQuota", "quota exceeded"); models/quota/rule.go
    // Evaluate: allow = used < limit (the upload's own size is not counted). Added in Forgejo v9.0 (67fa52dedb);
    // evaluated for the package owner since v15.0.0 (#11442), for the uploader before.
    quota: { kind: 'forgejo', status: 413, body: 'enforcePackagesQuota\n' },
    // Forgejo services/packages/packages.go @ v15.0.3 keeps Gitea's CheckSizeQuotaExceeded (LIMIT_SIZE_PYPI → 403).
    typeSizeLimit: true,
    // Forgejo routers/api/packages/api.go @ v15.0.3 verifyAuth: AuthenticationAttemptedIncorrectCredential → 401 "authGroup.Verify".
    badCredentials: 'all',
    tokenScopes: true,
    // Forgejo routers/api/packages/api.go @ v15.0.3 reqPackageAccess: publicOnly && private owner → 403 "reqToken".
    publicOnlyScope: true,
    actionsTokens: true,
    managementRequiresToken: true,
  },
};

/** Short human label of a profile, e.g. `Gitea 1.17–1.18`. */
export function giteaProfileLabel(profile: GiteaProfile): string {
  return GITEA_PROFILE_BEHAVIOUR[profile].label;
}

// Regexes of Gitea 1.22 routers/api/packages/pypi/pypi.go (case-sensitive, applied to the normalised name).
const NAME_RE = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9.\-_]*[a-zA-Z0-9])$/;
const VERSION_RE =
  /^v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?(?:[-_.]?dev[-_.]?[0-9]*)?(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$/;

/** Gitea's PyPI name normaliser: every `.` and `_` becomes `-`; case kept, runs not collapsed. */
export function giteaNormalizeName(name: string): string {
  return name.replace(/[._]/g, '-');
}

interface GFile {
  id: number;
  filename: string;
  bytes: Buffer;
  size: number;
  sha256: string;
  /** md5/sha1/sha512 hex, computed on first use (only the /api/v1 file list needs them; keeps seeding cheap). */
  other?: { md5: string; sha1: string; sha512: string };
}

function otherHashes(f: GFile): { md5: string; sha1: string; sha512: string } {
  f.other ??= {
    md5: createHash('md5').update(f.bytes).digest('hex'),
    sha1: createHash('sha1').update(f.bytes).digest('hex'),
    sha512: createHash('sha512').update(f.bytes).digest('hex'),
  };
  return f.other;
}
interface GVersion {
  version: string;
  metadata: Record<string, string>;
  files: GFile[];
  downloads: number;
}
interface GPackage {
  name: string;
  versions: Map<string, GVersion>; // key: lower-cased version
}

type Principal = { kind: 'anonymous' } | { kind: 'error' } | { kind: 'actions' } | { kind: 'user'; name: string; user: GiteaUser; viaToken: boolean };

// --- Go-flavoured response helpers ----------------------------------------------------------------------------

/** `http.Error` / `ctx.Error`: body ends in "\n". */
function goError(status: number, msg: string, extra: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', ...extra },
    body: `${msg}\n`,
  };
}

/** `apiError` → `ctx.PlainText`: no trailing newline. */
function apiError(status: number, msg: string): Reply {
  return { status, headers: { 'Content-Type': 'text/plain;charset=utf-8', 'X-Content-Type-Options': 'nosniff' }, body: msg };
}

const REQ_PACKAGE_ACCESS = goError(401, 'reqPackageAccess', { 'WWW-Authenticate': 'Basic realm="Gitea Package API"' });

/** Go html/template escaping for text and quoted attribute values. */
function goHtmlEscape(s: string): string {
  return s.replace(/[\0"&'+<>]/g, (c) =>
    c === '\0' ? '\uFFFD' : c === '"' ? '&#34;' : c === '&' ? '&amp;' : c === "'" ? '&#39;' : c === '+' ? '&#43;' : c === '<' ? '&lt;' : '&gt;',
  );
}

const URL_SAFE = /^[A-Za-z0-9\-._~!#$&*+,/:;=?@[\]]*$/;

/** Go html/template `urlNormalizer` (then attribute-escaped): percent-encodes what is not allowed in a URL. */
function goUrlNormalize(s: string): string {
  if (URL_SAFE.test(s)) return goHtmlEscape(s); // fast path: nothing to percent-encode
  const bytes = Buffer.from(s, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] ?? 0;
    const ch = String.fromCharCode(c);
    const keep =
      /[A-Za-z0-9\-._~!#$&*+,/:;=?@[\]]/.test(ch) ||
      (ch === '%' && i + 2 < bytes.length && /[0-9a-fA-F]{2}/.test(String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0)));
    out += keep && c < 0x80 ? ch : `%${c.toString(16).padStart(2, '0')}`;
  }
  return goHtmlEscape(out);
}

/** Go `encoding/json` Encoder output (HTML-safe escaping, trailing newline). */
function goJson(status: number, value: unknown): Reply {
  const body = `${JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
  return { status, headers: { 'Content-Type': 'application/json;charset=utf-8' }, body };
}

function isValidHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host !== '';
  } catch {
    return false;
  }
}

// --- the registry ------------------------------------------------------------------------------------------------

export async function startGiteaRegistry(options: GiteaRegistryOptions = {}): Promise<GiteaRegistry> {
  const owner = options.owner ?? 'molecule';
  const profile: GiteaProfile = options.profile ?? '1.22';
  const behaviour = GITEA_PROFILE_BEHAVIOUR[profile];
  if (!behaviour) throw new Error(`unknown Gitea profile: ${String(profile)}`);
  const users: Record<string, GiteaUser> = options.users ?? {
    [GITEA_DEFAULT_USER]: { token: GITEA_DEFAULT_TOKEN, scopes: ['write:package'], ownsOwner: true },
  };
  const packages = new Map<string, GPackage>(); // key: lower-cased stored name
  let nextFileId = 1;
  let rootUrl = ''; // ROOT_URL without trailing slash

  const ownerBytes = (): number => {
    let n = 0;
    for (const p of packages.values()) for (const v of p.versions.values()) for (const f of v.files) n += f.size;
    return n;
  };

  const storeFile = (name: string, version: string, filename: string, bytes: Buffer, metadata: Record<string, string>): void => {
    let pkg = packages.get(name.toLowerCase());
    if (!pkg) {
      pkg = { name, versions: new Map() };
      packages.set(name.toLowerCase(), pkg);
    }
    let ver = pkg.versions.get(version.toLowerCase());
    if (!ver) {
      // The version row (and with it requires_python, summary, …) is written by the first upload only.
      ver = { version, metadata, files: [], downloads: 0 };
      pkg.versions.set(version.toLowerCase(), ver);
    }
    ver.files.push({
      id: nextFileId++,
      filename,
      bytes,
      size: bytes.length,
      sha256: sha256Hex(bytes),
    });
  };

  const findUserByToken = (token: string): Principal | undefined => {
    if (token === '') return undefined;
    for (const [name, user] of Object.entries(users)) if (user.token !== undefined && user.token === token) return { kind: 'user', name, user, viaToken: true };
    if (behaviour.actionsTokens && options.actionsToken !== undefined && token === options.actionsToken) return { kind: 'actions' };
    return undefined;
  };

  /** services/auth: OAuth2 (query or `token`/`Bearer` header), then Basic. Bad credentials → error. */
  const authenticate = (req: http.IncomingMessage, url: URL): Principal => {
    const header = req.headers.authorization ?? '';
    const queryToken = url.searchParams.get('token') || url.searchParams.get('access_token') || '';
    let oauthToken: string | undefined = queryToken || undefined;
    if (oauthToken === undefined && header) {
      const f = header.trim().split(/\s+/);
      if (f.length === 2 && (f[0] === 'token' || f[0]?.toLowerCase() === 'bearer')) oauthToken = f[1];
    }
    if (oauthToken !== undefined) {
      const found = findUserByToken(oauthToken);
      if (found) return found;
      // ≤1.19 (oauth2.go returned no error for an unknown token): fall through to Basic, else anonymous.
      if (behaviour.badCredentials === 'all') return { kind: 'error' };
    }
    const sp = header.indexOf(' ');
    if (!header || sp < 0 || header.slice(0, sp).toLowerCase() !== 'basic') return { kind: 'anonymous' };
    const decoded = Buffer.from(header.slice(sp + 1).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const uname = colon < 0 ? decoded : decoded.slice(0, colon);
    const passwd = colon < 0 ? '' : decoded.slice(colon + 1);
    const usernameIsToken = passwd === '' || passwd === 'x-oauth-basic';
    const viaToken = findUserByToken(usernameIsToken ? uname : passwd);
    if (viaToken) return viaToken;
    for (const [name, user] of Object.entries(users)) {
      if (name.toLowerCase() === uname.toLowerCase() && user.password !== undefined && passwd !== '' && user.password === passwd) {
        return { kind: 'user', name, user, viaToken: false };
      }
    }
    return { kind: 'error' };
  };

  const isAdmin = (p: Principal): boolean => p.kind === 'user' && p.user.admin === true;

  /** services/context/package.go determineAccessMode (simplified: one user/org owner). 0 none, 1 read, 2 write, 4 owner. */
  const accessMode = (p: Principal): number => {
    if (p.kind === 'user' && (p.user.ownsOwner || p.user.admin)) return 4;
    if (p.kind === 'actions') return 1; // 1.22: "TODO: ActionUser permission check" → read only
    return options.privateOwner ? 0 : 1;
  };

  const hasScope = (p: Principal, need: 'read' | 'write'): boolean => {
    if (p.kind !== 'user' || !p.viaToken || !behaviour.tokenScopes) return true;
    const s = p.user.scopes ?? [];
    if (s.includes('all') || s.includes('write:package')) return true;
    return need === 'read' && s.includes('read:package');
  };

  /** routers/api/packages/api.go reqPackageAccess. */
  const reqPackageAccess = (p: Principal, need: 'read' | 'write'): Reply | undefined => {
    if (p.kind === 'user' && p.viaToken) {
      if (!hasScope(p, need)) return REQ_PACKAGE_ACCESS;
      if (behaviour.publicOnlyScope && (p.user.scopes ?? []).includes('public-only') && options.privateOwner) return goError(403, 'reqToken');
    }
    if (accessMode(p) < (need === 'read' ? 1 : 2) && !isAdmin(p)) return REQ_PACKAGE_ACCESS;
    return undefined;
  };

  const ownerNotFound = (req: http.IncomingMessage): Reply => {
    if (String(req.headers.accept ?? '').includes('text/html')) {
      return {
        status: 404,
        headers: { 'Content-Type': 'text/html; charset=utf-8' },
        body: '<!DOCTYPE html>\n<html>\n<head><title>Page Not Found - Gitea</title></head>\n<body><p>The page you are trying to reach either does not exist or you are not authorized to view it.</p></body>\n</html>\n',
      };
    }
    return apiError(404, 'Not found.\n');
  };

  // --- handlers -------------------------------------------------------------------------------------------------

  const upload = (ctx: RequestContext, p: Principal): Reply => {
    const ct = ctx.req.headers['content-type'];
    const media = ct ? parseHeaderParams(ct) : undefined;
    if (media?.type !== 'multipart/form-data') return apiError(400, "request Content-Type isn't multipart/form-data");
    if (!media.params['boundary']) return apiError(400, 'no multipart boundary param in Content-Type');
    if (ctx.formError || !ctx.form) return apiError(400, ctx.formError?.message ?? 'multipart: NextPart: EOF');
    const form = ctx.form;
    const content = form.parts.find((part) => part.name === 'content' && isFilePart(part));
    if (!content) return apiError(400, 'http: no such file');
    // Go's FormValue: query string values first, then the multipart values.
    const formValue = (k: string): string => {
      const q = ctx.url.searchParams.get(k);
      if (q !== null) return q;
      const part = form.parts.find((x) => x.name === k && !isFilePart(x));
      return part ? part.data.toString('utf8') : '';
    };
    const bytes = content.data;
    const sha256 = sha256Hex(bytes);
    if (formValue('sha256_digest').toLowerCase() !== sha256) return apiError(400, 'hash mismatch');
    const name = giteaNormalizeName(formValue('name'));
    const version = formValue('version');
    if (!NAME_RE.test(name) || !VERSION_RE.test(version)) return apiError(400, 'invalid name or version');
    const homePage = formValue('home_page');
    // Go strips directory parts from the part's filename (filepath.Base).
    const filename = (content.filename ?? '').replace(/\/+$/, '').split('/').pop() ?? '';

    // services/packages/packages.go CheckSizeQuotaExceeded (admins exempt), before TryInsertFile's duplicate check.
    if (!isAdmin(p)) {
      if (behaviour.typeSizeLimit && options.maxFileBytes !== undefined && bytes.length > options.maxFileBytes) {
        return apiError(403, 'maximum allowed package type size exceeded');
      }
      const q = behaviour.quota;
      if (q.kind === 'gitea' && options.quotaBytes !== undefined && ownerBytes() + bytes.length > options.quotaBytes) {
        return apiError(q.status, q.body);
      }
    }
    const existing = packages.get(name.toLowerCase())?.versions.get(version.toLowerCase());
    if (existing?.files.some((f) => f.filename.toLowerCase() === filename.toLowerCase())) {
      return apiError(options.legacyDuplicateStatus ?? behaviour.duplicate.status, behaviour.duplicate.body);
    }
    storeFile(name, version, filename, Buffer.from(bytes), {
      author: formValue('author'),
      description: formValue('description'),
      long_description: formValue('long_description'),
      summary: formValue('summary'),
      project_url: isValidHttpUrl(homePage) ? homePage : '',
      license: formValue('license'),
      requires_python: formValue('requires_python'),
    });
    ctx.stored = true;
    return { status: 201 };
  };

  const simpleIndex = (id: string): Reply => {
    const pkg = packages.get(giteaNormalizeName(id).toLowerCase());
    const versions = pkg ? [...pkg.versions.values()].filter((v) => v.files.length > 0) : [];
    if (!pkg || versions.length === 0) return apiError(404, '');
    // Map order is creation order: newest first is its reverse (created_unix DESC), else a plain string compare.
    if (behaviour.versionOrder === 'newest-first') versions.reverse();
    else versions.sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
    const filesUrl = `${goUrlNormalize(`${rootUrl}/api/packages/${owner}/pypi`)}/files/${goUrlNormalize(pkg.name.toLowerCase())}/`;
    const title = goHtmlEscape(pkg.name);
    const fragment = `#sha256${behaviour.fragmentSeparator}`;
    const br = behaviour.lineBreak;
    // Reproduces templates/api/packages/pypi/simple.tmpl of the profile including its whitespace.
    const parts: string[] = [
      `<!DOCTYPE html>\n<html>\n\t<head>\n\t\t<title>Links for ${title}</title>\n\t</head>\n\t<body>` +
        `${behaviour.trimBodyWhitespace ? '' : '\n\t\t'}<h1>Links for ${title}</h1>\n\t\t`,
    ];
    for (const v of versions) {
      parts.push('\n\t\t\t\n\t\t\t');
      const versionUrl = `${filesUrl}${goUrlNormalize(v.version)}/`;
      const rp = v.metadata['requires_python'] ?? '';
      const attr = rp ? ` data-requires-python="${goHtmlEscape(rp)}"` : '';
      for (const f of v.files) {
        const href = `${versionUrl}${goUrlNormalize(f.filename)}${fragment}${f.sha256}`;
        parts.push(`\n\t\t\t\t<a href="${href}"${attr}>${goHtmlEscape(f.filename)}</a>${br}\n\t\t\t`);
      }
      parts.push('\n\t\t');
    }
    parts.push('\n\t</body>\n</html>\n');
    return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: parts.join('') };
  };

  const download = (id: string, version: string, filename: string): Reply => {
    const ver = packages.get(giteaNormalizeName(id).toLowerCase())?.versions.get(version.toLowerCase());
    if (!ver) return apiError(404, 'package does not exist');
    const f = ver.files.find((x) => x.filename.toLowerCase() === filename.toLowerCase());
    if (!f) return apiError(404, 'package file does not exist');
    ver.downloads += 1;
    return {
      status: 200,
      binary: true,
      headers: {
        'Content-Type': 'application/octet-stream',
        'Content-Disposition': `attachment; filename="${f.filename}"`,
        'Accept-Ranges': 'bytes',
        'Last-Modified': new Date(0).toUTCString(),
      },
      body: f.bytes,
    };
  };

  /** /api/v1/packages/{owner}/{type}/{name}/{version}[/files] */
  const managementApi = (ctx: RequestContext, segs: string[]): Reply => {
    const swagger = `${rootUrl}/api/swagger`;
    const jsonError = (status: number, message: string): Reply => goJson(status, { message, url: swagger });
    const p = authenticate(ctx.req, ctx.url);
    if (p.kind === 'error') return jsonError(401, 'user does not exist [uid: 0, name: ]');
    const [ownerSeg, type, name, version, tail, ...more] = segs;
    const method = ctx.req.method ?? 'GET';
    const isDelete = method === 'DELETE' && tail === undefined;
    const isFiles = (method === 'GET' || method === 'HEAD') && tail === 'files' && more.length === 0;
    if (!ownerSeg || type === undefined || name === undefined || version === undefined || !(isDelete || isFiles)) {
      return goError(404, '404 page not found');
    }
    if (p.kind === 'user' && p.viaToken && !hasScope(p, isDelete ? 'write' : 'read')) {
      return jsonError(403, `token does not have at least one of required scope(s): [${isDelete ? 'write' : 'read'}:package]`);
    }
    if (ownerSeg.toLowerCase() !== owner.toLowerCase()) {
      return goJson(404, { errors: [], message: "The target couldn't be found.", url: swagger });
    }
    const forbidden = jsonError(403, 'user should have specific permission or be a site admin');
    if (accessMode(p) < 1 && !isAdmin(p)) return forbidden;
    if (p.kind === 'anonymous' && behaviour.managementRequiresToken) return jsonError(401, 'token is required');
    if (isDelete && accessMode(p) < 2 && !isAdmin(p)) return forbidden;
    const pkg = type === 'pypi' ? packages.get(name.toLowerCase()) : undefined;
    const ver = pkg?.versions.get(version.toLowerCase());
    if (!pkg || !ver) return jsonError(404, 'package does not exist');
    if (isDelete) {
      pkg.versions.delete(version.toLowerCase());
      if (pkg.versions.size === 0) packages.delete(name.toLowerCase());
      return { status: 204 };
    }
    return goJson(
      200,
      ver.files.map((f) => {
        const { md5, sha1, sha512 } = otherHashes(f);
        return { id: f.id, Size: f.size, name: f.filename, md5, sha1, sha256: f.sha256, sha512 };
      }),
    );
  };

  const handle = async (ctx: RequestContext): Promise<Reply> => {
    // Gitea strips duplicate and trailing slashes before routing.
    let path = ctx.url.pathname.replace(/\/{2,}/g, '/');
    if (path.length > 1) path = path.replace(/\/$/, '');
    let segs: string[];
    try {
      segs = path
        .split('/')
        .slice(1)
        .map((s) => decodeURIComponent(s));
    } catch {
      return goError(404, '404 page not found');
    }
    const method = ctx.req.method ?? 'GET';
    if (segs[0] === 'api' && segs[1] === 'v1' && segs[2] === 'packages') return managementApi(ctx, segs.slice(3));
    if (segs[0] !== 'api' || segs[1] !== 'packages') return goError(404, '404 page not found');

    // verifyAuth runs for every /api/packages request, before routing, owner lookup and body parsing.
    const p = authenticate(ctx.req, ctx.url);
    if (p.kind === 'error') return goError(401, 'authGroup.Verify');

    const [ownerSeg, type, ...rest] = segs.slice(2);
    if (ownerSeg === undefined || type !== 'pypi') return goError(404, '404 page not found');
    const isGet = method === 'GET' || method === 'HEAD';
    let route: 'upload' | 'simple' | 'files' | undefined;
    if (rest.length === 0) {
      if (method !== 'POST') return { status: 405, headers: { Allow: 'POST' } };
      route = 'upload';
    } else if (isGet && rest[0] === 'simple' && rest.length === 2) route = 'simple';
    else if (isGet && rest[0] === 'files' && rest.length === 4) route = 'files';
    if (!route) return goError(404, '404 page not found');

    if (ownerSeg.toLowerCase() !== owner.toLowerCase()) return ownerNotFound(ctx.req);
    const denied = reqPackageAccess(p, 'read') ?? (route === 'upload' ? reqPackageAccess(p, 'write') : undefined);
    if (denied) return denied;
    // Forgejo: enforcePackagesQuota runs as route middleware, before the handler reads the form; no admin exemption.
    const q = behaviour.quota;
    if (route === 'upload' && q.kind === 'forgejo' && options.quotaBytes !== undefined && !(ownerBytes() < options.quotaBytes)) {
      return goError(q.status, q.body.replace(/\n$/, ''));
    }
    if (route === 'upload') return upload(ctx, p);
    if (route === 'simple') return simpleIndex(rest[1] ?? '');
    return download(rest[1] ?? '', rest[2] ?? '', rest[3] ?? '');
  };

  const server = await startServer({
    isUpload: (method, pathname) => {
      if (method !== 'POST') return false;
      const m = /^\/api\/packages\/([^/]+)\/pypi\/?$/.exec(pathname.replace(/\/{2,}/g, '/'));
      return m !== null && decodeURIComponent(m[1] ?? '').toLowerCase() === owner.toLowerCase();
    },
    handle,
    defaultRedirect: () => `${rootUrl}/redirected/api/packages/${owner}/pypi`,
    maxBodyBytes: options.maxBodyBytes,
  });
  rootUrl = server.url;

  const files = (): RegistryFile[] => {
    const out: RegistryFile[] = [];
    for (const pkg of packages.values()) {
      for (const v of pkg.versions.values()) {
        for (const f of v.files) {
          const rf: RegistryFile = { filename: f.filename, project: pkg.name, version: v.version, sha256: f.sha256, size: f.size };
          if (v.metadata['requires_python']) rf.requiresPython = v.metadata['requires_python'];
          out.push(rf);
        }
      }
    }
    return out;
  };

  const emptyMetadata = (requiresPython: string): Record<string, string> => ({
    author: '',
    description: '',
    long_description: '',
    summary: '',
    project_url: '',
    license: '',
    requires_python: requiresPython,
  });

  return {
    url: server.url,
    owner,
    profile,
    uploadUrl: `${server.url}/api/packages/${owner}/pypi`,
    indexUrl: `${server.url}/api/packages/${owner}/pypi/simple/`,
    requests: server.requests,
    uploads: server.uploads,
    files,
    fileContent: (filename) => {
      for (const pkg of packages.values()) {
        for (const v of pkg.versions.values()) {
          const f = v.files.find((x) => x.filename.toLowerCase() === filename.toLowerCase());
          if (f) return f.bytes;
        }
      }
      return undefined;
    },
    versions: (name) =>
      [...(packages.get(giteaNormalizeName(name).toLowerCase())?.versions.values() ?? [])].map((v) => ({
        version: v.version,
        metadata: { ...v.metadata },
        downloads: v.downloads,
      })),
    injectFault: (f: FaultPlan) => server.faults.push(f),
    clearFaults: () => server.faults.clear(),
    seedFile: (f: SeedFile) => {
      storeFile(giteaNormalizeName(f.project), f.version, f.filename, Buffer.from(f.content), emptyMetadata(f.requiresPython ?? ''));
    },
    seedMany: (project, count, seedOptions = {}) => {
      const name = giteaNormalizeName(project);
      const dist = name.replace(/-/g, '_');
      const prefix = seedOptions.versionPrefix ?? '0.0.';
      const metadata = emptyMetadata(seedOptions.requiresPython ?? '');
      const out: string[] = [];
      for (let i = 0; i < count; i++) {
        const version = `${prefix}${i}`;
        const filename = `${dist}-${version}-py3-none-any.whl`;
        const bytes = Buffer.from(`seed:${filename}`);
        storeFile(name, version, filename, bytes, metadata); // read-only, shared
        out.push(filename);
      }
      return out;
    },
    close: server.close,
  };
}
