/**
 * The registry kinds as data: one {@link KindProfile} per kind, read by the one generic server (./server.ts).
 * Every behaviour comes from the study ./SOURCES.md (a reading of each server's source, docs and
 * issues; its sources are cited next to each entry, commits as there). Entries the study marks UNVERIFIED are
 * the documented or most-reported behaviour and say "UNVERIFIED" in their comment; they are also listed in each
 * profile's `unverified`.
 *
 * Template values available in answers and pages: {file} {name} (as sent) {normalized} {requested} (the name in
 * the URL) {version} {username} (who asks) {url} {path} {origin} (`http://127.0.0.1:PORT`) {field} {found} {expected} {value},
 * plus the location parameters ({project} {repo} {org} {feed} {user} {index}).
 */
import type { Answer, DuplicateAction } from './answers.js';

export const REGISTRY_KINDS = ['gitlab', 'artifactory', 'nexus', 'codeartifact', 'azure', 'devpi', 'pypiserver'] as const;
export type RegistryKindName = (typeof REGISTRY_KINDS)[number];

/** A user of a double: who may upload, and who may overwrite (Artifactory's DELETE permission). */
export interface KindUser {
  /** Basic-auth username ('' for an Artifactory token). Ignored with `anyUsername`. */
  username: string;
  password: string;
  /** Any non-empty username is accepted with this password (Azure Artifacts PATs). */
  anyUsername?: boolean;
  /** May upload (default true); false: authenticated but refused (`auth.forbidden`). */
  upload?: boolean;
  /** May delete/overwrite (Artifactory): a duplicate is then answered by `duplicate.byOverwriter`. */
  overwrite?: boolean;
}

/** How a simple page request that is not in the canonical form is answered. */
export type SlashRule = 'serve' | { redirect: number; installersServed?: boolean };
export type NameRule = 'pep503' | 'lowercased' | 'exact' | { redirect: number };

/** A check of one form field before the duplicate check. */
export interface FormCheck {
  field: string;
  /** sha256-format: 64 hex digits if present; md5-matches: equals the md5 of the bytes if present; plain-email: a bare address if present. */
  rule: 'sha256-format' | 'md5-matches' | 'plain-email';
  answer: Answer;
}

export interface PageTemplates {
  /** {title} and the location parameters. */
  head: string;
  /** {href} {file} {rp} (requires-python, escaped, possibly empty) {rpattr} (` data-requires-python="…"` when known) */
  link: string;
  foot: string;
}

export interface KindProfile {
  kind: RegistryKindName;
  /** The server and version modelled. */
  server: string;
  /** The behaviours of this profile that the study could not verify (documented or most-reported picked). */
  unverified: string[];
  layout: {
    /** Defaults of the `{placeholders}` of the paths below (overridable: KindRegistryOptions.location). */
    params: Record<string, string>;
    /** Path of the upload URL. */
    upload: string;
    /** The upload path with the other trailing-slash form is accepted too. */
    uploadOtherSlash: boolean;
    /** Base of the simple index (ends with '/'); a project's page is this + NAME (+ '/' when `pageSlash`). */
    simple: string;
    pageSlash: boolean;
    /** A page request with the other trailing-slash form. */
    otherSlash: SlashRule;
    /** A page request whose name is not the normalised name: matched by PEP 503, lower-casing only, exactly, or redirected. */
    names: NameRule;
    /** Download path of a file: {normalized} {name} {version} {file} {sha256} {sha256_a} (3 chars) {sha256_b} (next 13). */
    file: string;
    /** What the loopback double cannot reproduce about the real URL. */
    hostNote?: string;
  };
  page: {
    hrefs: 'absolute' | 'root-relative' | 'relative';
    hash: 'sha256' | 'md5' | 'none';
    /** Where the sha256 on the page comes from: the stored bytes, or the client's `sha256_digest` field (GitLab). */
    sha256From: 'bytes' | 'form';
    /** The title shows the stored name (first upload) or the name requested. */
    title: 'stored' | 'requested';
    contentType: string;
    escape: 'html' | 'none';
    templates: PageTemplates;
    rootTemplates: PageTemplates;
  };
  /** Where the project name and version come from: the form's `name`/`version`, or the filename (pypiserver). */
  projectFrom: 'form' | 'filename';
  auth: {
    /** No usable credentials. */
    missing: Answer;
    /** Credentials not in the users table. */
    wrong: Answer;
    /** A known user without upload permission. */
    forbidden: Answer;
    /** Reads (simple pages, files) need credentials too. */
    readsNeedAuth: boolean;
    /** Basic credentials with an empty username and password count as none (Nexus). */
    emptyIsAnonymous: boolean;
  };
  users: KindUser[];
  success: Answer;
  duplicate: { identical: DuplicateAction; different: DuplicateAction; byOverwriter?: DuplicateAction };
  unknownProject: Answer;
  /** Unknown projects are redirected to pypi.org (pypiserver fallback, GitLab package forwarding). */
  forward?: { status: number; statusHttp10?: number; location: string };
  /** Any other URL. */
  notFound: Answer;
  missingContent: Answer;
  /** A required text field (name, version) missing; {field}. */
  missingField?: Answer;
  /** Filename rule before storing (pypiserver's filename check, devpi's version-in-filename). */
  filenameCheck?: { rule: 'pypiserver' | 'contains-version'; answer: Answer };
  checks: FormCheck[];
  /** The `:action` field: missing, accepted-and-ignored (200, nothing stored), unsupported. */
  actions?: { missing: Answer; ignored: string[]; unsupported: Answer };
  /** A POST to the simple index ('page': the GET page is served and nothing is stored). */
  postToSimple: { root: Answer | 'page'; project: Answer | 'page' };
  /** POSTs to other paths matching one of these (GET-only routes) get this answer instead of `notFound`. */
  postToGetRoutes?: { paths: string[]; answer: Answer };
  /** An upload URL naming a repository that is not configured (Artifactory: 204, nothing stored). */
  unconfiguredRepo?: { param: string; answer: Answer };
}

export interface KindProfileOptions {
  /** Redirect unknown projects to pypi.org: pypiserver's fallback (default on; off = --disable-fallback), GitLab package forwarding (default off). */
  forwardUnknownToPypi?: boolean;
  /**
   * A file already there is replaced: devpi's volatile index (default true), pypiserver --overwrite (default false),
   * Nexus write policy "Allow redeploy" (default false), Artifactory: the default users get DELETE permission.
   */
  overwrite?: boolean;
  /** Hash on the simple page (Nexus: md5 as in 3.30's source, sha256 from ~3.41 per users; Artifactory). */
  hash?: 'sha256' | 'md5';
  /** pypiserver ≥ 2.4.1 answers a duplicate with 400 to twine's User-Agent (default true); false: 409 always (before 2.4.1). */
  twineStatus400?: boolean;
  /** devpi-server: 'current' (≥ 6.17: POST to +simple/ is 404) or 'before-6.17' (200, nothing stored). */
  devpiVersion?: 'current' | 'before-6.17';
  /** Nexus storage: 'orientdb' (3.30's source) or 'datastore' (H2/PostgreSQL): the duplicate message differs. */
  nexusStore?: 'orientdb' | 'datastore';
  /** GitLab: 'current' (duplicate body with the `400 Bad request - ` prefix) or '13.3' (without). */
  gitlabVersion?: 'current' | '13.3';
  /** Artifactory "Hide existence of unauthorized resources": a duplicate without DELETE permission is 404. */
  hideUnauthorizedResources?: boolean;
}

const PYPI_FORWARD = 'https://pypi.org/simple/{requested}/';

/** A plain PEP 503 page, for the kinds whose page HTML the study could not see (UNVERIFIED shape). */
const GENERIC_PAGE: PageTemplates = {
  head: '<!DOCTYPE html>\n<html>\n  <head>\n    <title>Links for {title}</title>\n  </head>\n  <body>\n    <h1>Links for {title}</h1>\n',
  link: '    <a href="{href}"{rpattr}>{file}</a><br/>\n',
  foot: '  </body>\n</html>\n',
};
const GENERIC_ROOT: PageTemplates = {
  head: '<!DOCTYPE html>\n<html>\n  <head>\n    <title>Simple Index</title>\n  </head>\n  <body>\n',
  link: '    <a href="{href}">{file}</a><br/>\n',
  foot: '  </body>\n</html>\n',
};

// ---------------------------------------------------------------------------------------------------------------
// GitLab (study §5). Sources, gitlabhq/gitlabhq (mirror of gitlab-org/gitlab), each file at its own commit:
// lib/api/pypi_packages.rb @0739b8bf, app/services/packages/pypi/create_package_service.rb @017a6c12,
// app/presenters/packages/pypi/simple_presenter_base.rb + simple_package_versions_presenter.rb @0ea3fcec,
// app/models/packages/package_file.rb @017a6c12, lib/api/helpers/packages/basic_auth_helpers.rb @286bddcf,
// app/models/packages/pypi/package.rb (with_normalized_pypi_name), ruby-grape/grape lib/grape/router.rb
// (normalize_path), lib/grape/error_formatter/txt.rb @1a26695b.
function gitlab(o: KindProfileOptions): KindProfile {
  const json = 'application/json';
  return {
    kind: 'gitlab',
    server: 'GitLab (CE/EE, PyPI package registry of a project)',
    unverified: [
      "404 body of an unknown project: inferred from the route's `format: :txt` and Grape's Txt formatter (content type observed in uv#17334)",
      'which release added the `400 Bad request - ` prefix to the duplicate body (13.3 had none: option gitlabVersion)',
      'whether package forwarding is on by default (docs: on, Premium); the double defaults to off (404)',
      "POST to a simple page: Grape's 405 for a GET-only route (not read in GitLab)",
      'the catch-all 404 body `{"error":"404 Not Found"}` and Grape\'s validation bodies (`name is missing`, `sha256_digest is invalid`)',
    ],
    layout: {
      params: { project: '42' },
      // `resource :projects … namespace ':id/packages/pypi' … post do`
      upload: '/api/v4/projects/{project}/packages/pypi',
      // Grape's Router.normalize_path drops a trailing slash before matching: both forms reach the same route.
      uploadOtherSlash: true,
      simple: '/api/v4/projects/{project}/packages/pypi/simple/',
      // `get 'simple/*package_name'`: no trailing slash in the route; normalize_path serves `NAME/` the same.
      pageSlash: false,
      otherSlash: 'serve',
      // with_normalized_pypi_name compares LOWER(regexp_replace(name, '[-_.]+', '-')) with the requested name only
      // down-cased: `Demo-Pkg` is found, `demo_pkg` is not (404, or the forwarding redirect).
      names: 'lowercased',
      // `get 'files/:sha256/*file_identifier'`; :sha256 is the stored (client-supplied) digest.
      file: '/api/v4/projects/{project}/packages/pypi/files/{sha256}/{file}',
    },
    page: {
      // SimplePackageVersionsPresenter: expose_url(…files path) + "#sha256=#{file.file_sha256}" → absolute hrefs.
      hrefs: 'absolute',
      hash: 'sha256',
      // CreatePackageService#file_params: `file_sha256: params[:sha256_digest]`, never recomputed (study §5).
      sha256From: 'form',
      // body_name = @packages.first.name (the stored name).
      title: 'stored',
      contentType: 'text/html; charset=utf-8',
      escape: 'html',
      // SimplePresenterBase#body (<<-HTML keeps the indentation); links joined with no separator; package_link
      // always writes data-requires-python (metadatum required_python = params[:requires_python] || '').
      templates: {
        head: '        <!DOCTYPE html>\n        <html>\n          <head>\n            <title>Links for {title}</title>\n          </head>\n          <body>\n            <h1>Links for {title}</h1>\n            ',
        link: '<a href="{href}" data-requires-python="{rp}">{file}</a>',
        foot: '\n          </body>\n        </html>\n',
      },
      rootTemplates: GENERIC_ROOT, // SimpleIndexPresenter not modelled
    },
    projectFrom: 'form',
    auth: {
      // BasicAuthHelpers: no/wrong token → unauthorized! with the registry's realm (study §5).
      missing: {
        status: 401,
        headers: { 'WWW-Authenticate': 'Basic realm="GitLab Packages Registry"' },
        contentType: json,
        body: '{"message":"401 Unauthorized"}',
      },
      wrong: {
        status: 401,
        headers: { 'WWW-Authenticate': 'Basic realm="GitLab Packages Registry"' },
        contentType: json,
        body: '{"message":"401 Unauthorized"}',
      },
      // authorize_upload! for a guest → forbidden!
      forbidden: { status: 403, contentType: json, body: '{"message":"403 Forbidden"}' },
      readsNeedAuth: false, // a public project's registry
      emptyIsAnonymous: false,
    },
    // CI job token (uv#17334 config), a deploy token (its username), a personal access token (docs: the token's
    // name as username), a guest (no upload).
    users: [
      { username: 'gitlab-ci-token', password: 'gitlab-job-token' },
      { username: 'gitlab+deploy-token-1', password: 'gldt-molecule-deploy-token' },
      { username: 'molecule-pat', password: 'glpat-molecule-token' },
      { username: 'guest', password: 'glpat-guest-token', upload: false },
    ],
    // `created!` → 201 {"message":"201 Created"}.
    success: { status: 201, contentType: json, body: '{"message":"201 Created"}' },
    // package_file.rb: `validates :file_name, uniqueness: { scope: :package }` — by filename, bytes never compared;
    // RecordInvalid → ServiceResponse.error("Validation failed: File name has already been taken") → bad_request!
    // → render_api_error_with_reason!(400, '400 Bad request', reason). 13.3: no prefix (twine#697).
    duplicate: (() => {
      const message =
        o.gitlabVersion === '13.3'
          ? 'Validation failed: File name has already been taken'
          : '400 Bad request - Validation failed: File name has already been taken';
      const answer: Answer = { status: 400, contentType: json, json: true, body: `{"message":"${message}"}` };
      return { identical: answer, different: answer };
    })(),
    // present_simple_package: not_found!('Package') under `format: :txt` → text/plain (UNVERIFIED body, see above).
    unknownProject: { status: 404, contentType: 'text/plain', body: '{"message":"404 Package Not Found"}' },
    // redirect_registry_request(forward_to_registry: packages.empty?) → Grape redirect 302 (uv#19459 saw it).
    forward: o.forwardUnknownToPypi === true ? { status: 302, location: PYPI_FORWARD } : undefined,
    notFound: { status: 404, contentType: json, body: '{"error":"404 Not Found"}' },
    missingContent: { status: 400, contentType: json, body: '{"error":"content is missing"}' },
    // `requires :name`, `requires :version` (Grape validation).
    missingField: { status: 400, contentType: json, json: true, body: '{"error":"{field} is missing"}' },
    // `optional :sha256_digest, regexp: Gitlab::Regex.sha256_regex`.
    checks: [{ field: 'sha256_digest', rule: 'sha256-format', answer: { status: 400, contentType: json, body: '{"error":"sha256_digest is invalid"}' } }],
    postToSimple: {
      root: { status: 405, headers: { Allow: 'OPTIONS, GET, HEAD' }, contentType: json, body: '{"error":"405 Not Allowed"}' },
      project: { status: 405, headers: { Allow: 'OPTIONS, GET, HEAD' }, contentType: json, body: '{"error":"405 Not Allowed"}' },
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// JFrog Artifactory (closed source; study §7): uv JFrog guide (https://docs.astral.sh/uv/guides/integration/jfrog),
// twine#332, twine#918, twine#1251, twine tests `artifactory_old/new`, uv#16073, hatch#1219, peterbe/hashin#120.
function artifactory(o: KindProfileOptions): KindProfile {
  const json = 'application/json';
  const errors = (status: number, message: string): Answer => ({
    status,
    contentType: json,
    json: true,
    body: `{"errors":[{"status":${status},"message":"${message}"}]}`,
  });
  const denied = o.hideUnauthorizedResources
    ? // twine#918: "hide existence of unauthorized resources" → 404 in the errors envelope.
      errors(404, "Could not locate artifact '{repo}:{name}/{version}/{file}'")
    : // twine#332 (6.12.2), jfrog/jenkins-artifactory-plugin#705; envelope UNVERIFIED (by analogy with the 404).
      errors(403, "Not enough permissions to delete/overwrite artifact '{repo}:{name}/{version}/{file}' (user '{username}' needs DELETE permission).");
  const unauthorized: Answer = { ...errors(401, 'Bad credentials'), headers: { 'WWW-Authenticate': 'Basic realm="Artifactory Realm"' } };
  return {
    kind: 'artifactory',
    server: 'JFrog Artifactory (local PyPI repository)',
    unverified: [
      'simple page HTML, hrefs and requires-python (a 2020 report: md5 fragment only, peterbe/hashin#120)',
      'upload success status and body (200, empty)',
      '401/403 bodies and WWW-Authenticate (the common `{"errors":[…]}` envelope and "Artifactory Realm")',
      'identical bytes without DELETE permission: 403 like different bytes (twine treated this 403 as "already exists", twine#363)',
      'unknown project: 404 in the errors envelope',
      'trailing slash and non-normalised names on the simple page: served',
    ],
    layout: {
      params: { repo: 'pypi-local' },
      upload: '/artifactory/api/pypi/{repo}',
      uploadOtherSlash: true,
      simple: '/artifactory/api/pypi/{repo}/simple/',
      pageSlash: true,
      otherSlash: 'serve', // UNVERIFIED
      names: 'pep503', // UNVERIFIED
      // Artifactory's repo layout path as in its messages: `REPO:NAME/VERSION/FILE` (twine#918, #332).
      file: '/artifactory/api/pypi/{repo}/packages/{name}/{version}/{file}',
    },
    page: {
      hrefs: 'relative', // UNVERIFIED
      hash: o.hash ?? 'md5', // UNVERIFIED: md5 per peterbe/hashin#120 (RTFACT-18495)
      sha256From: 'bytes',
      title: 'requested',
      contentType: 'text/html; charset=utf-8',
      escape: 'html',
      templates: { ...GENERIC_PAGE, link: '    <a href="{href}">{file}</a><br/>\n' },
      rootTemplates: GENERIC_ROOT,
    },
    projectFrom: 'form',
    auth: {
      missing: unauthorized,
      // uv guide: a token needs an EMPTY username; `__token__` (uv --token) → 401.
      wrong: unauthorized,
      forbidden: errors(403, "Not enough permissions to deploy artifact '{repo}:{name}/{version}/{file}' (user '{username}' needs DEPLOY permission)."), // UNVERIFIED wording
      readsNeedAuth: false,
      emptyIsAnonymous: false,
    },
    users: [
      { username: '', password: 'artifactory-access-token', overwrite: o.overwrite === true },
      { username: 'deployer', password: 'deployer-password', overwrite: o.overwrite === true },
      { username: 'reader', password: 'reader-password', upload: false },
    ],
    success: { status: 200 }, // UNVERIFIED
    // Without DELETE permission: 403 (or 404 when hiding); with it: the upload silently replaces (uv#16073).
    duplicate: { identical: denied, different: denied, byOverwriter: 'replace' },
    unknownProject: errors(404, 'Not Found'), // UNVERIFIED
    notFound: errors(404, 'Not Found'),
    missingContent: errors(400, 'Missing content'), // UNVERIFIED
    checks: [],
    postToSimple: { root: errors(404, 'Not Found'), project: errors(404, 'Not Found') }, // UNVERIFIED
    // hatch#1219: a POST to a mistyped repository URL answered 204 and stored nothing.
    unconfiguredRepo: { param: 'repo', answer: { status: 204 } },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Sonatype Nexus Repository 3 (study §6): sonatype/nexus-public tag release-3.30.1-01 (8a348400), the last public
// PyPI plugin: PyPiRecipeSupport, PyPiHostedHandlers, PyPiHostedFacetImpl, PyPiPathUtils, pypi-index.vm,
// ExceptionHandler, errorPageHtml.vm; later versions from issues (twine#1044, python-poetry/poetry#6301).
function nexus(o: KindProfileOptions): KindProfile {
  // OrientDB StorageTxImpl vs datastore ContentFacetSupport.checkAttachAllowed (twine#1044 shows both).
  const message =
    o.nexusStore === 'datastore' ? '{repo}/packages/{normalized}/{version}/{file} cannot be updated' : 'Repository does not allow updating assets: {repo}';
  // ExceptionHandler: IllegalOperationException → HttpResponses.badRequest(message): the message is the reason
  // phrase and the error page's content-section — also for identical bytes ("still respect write policy even when
  // de-duplicating").
  const refused: Answer = { status: 400, reason: message, page: 'nexus', body: message };
  const challenge = { 'WWW-Authenticate': 'BASIC realm="Sonatype Nexus Repository Manager"' };
  return {
    kind: 'nexus',
    server: 'Sonatype Nexus Repository 3 (hosted PyPI repository; 3.30.1 source)',
    unverified: [
      'anything after 3.30.1: the sha256 fragment from ~3.41 (option hash), PEP 691',
      "the 401 body (the error page) and the scheme spelling `BASIC` (Shiro's default)",
      'POST to the repository URL without its trailing slash, or to other paths: 404',
      'a non-normalised name on the simple page: 404 (the route passes the name as given)',
      "data-requires-python on the page (the study's pypi-index.vm has it; an older getIndex built links without it)",
    ],
    layout: {
      params: { repo: 'pypi-hosted' },
      // baseMatcher: ActionMatcher(POST) + TokenMatcher('/'): POST /repository/REPO/ only.
      upload: '/repository/{repo}/',
      uploadOtherSlash: false, // UNVERIFIED
      simple: '/repository/{repo}/simple/',
      pageSlash: true,
      // indexMatcher: `/simple/{name}` or `/simple/{name}/`, GET/HEAD.
      otherSlash: 'serve',
      // PyPiPathUtils.name(state) is the URL's token as given; components are stored under the normalised name.
      names: 'exact', // UNVERIFIED
      // asset path packagesPath(normalizeName(name), version, filename)
      file: '/repository/{repo}/packages/{normalized}/{version}/{file}',
    },
    page: {
      // PyPiHostedFacetImpl#getIndex: String.format("../../%s#md5=%s", path, md5).
      hrefs: 'relative',
      hash: o.hash ?? 'md5',
      sha256From: 'bytes',
      title: 'requested',
      contentType: 'text/html',
      escape: 'html',
      // pypi-index.vm (study §6).
      templates: {
        head: '<html lang="en">\n<head><title>Links for {title}</title>\n  <meta name="api-version" value="2"/>\n</head>\n<body><h1>Links for {title}</h1>\n',
        link: '    <a href="{href}" rel="internal"{rpattr} >{file}</a><br/>\n',
        foot: '</body>\n</html>\n',
      },
      rootTemplates: {
        head: '<html lang="en">\n<head><title>Simple Index</title>\n  <meta name="api-version" value="2"/>\n</head>\n<body>\n',
        link: '    <a href="{href}">{file}</a><br/>\n',
        foot: '</body>\n</html>\n',
      },
    },
    projectFrom: 'form',
    auth: {
      // NexusBasicHttpAuthenticationFilter (Shiro): unauthenticated and wrong credentials → 401 challenge.
      missing: { status: 401, headers: challenge, page: 'nexus', body: 'Unauthorized' },
      wrong: { status: 401, headers: challenge, page: 'nexus', body: 'Unauthorized' },
      // authenticated without the privilege → sendError(SC_FORBIDDEN) → HTML error page.
      forbidden: { status: 403, page: 'nexus', body: 'Forbidden' },
      readsNeedAuth: false, // anonymous access enabled
      emptyIsAnonymous: true, // empty `:` credentials are anonymous
    },
    users: [
      { username: 'deployer', password: 'nexus-deployer-password' },
      { username: 'reader', password: 'nexus-reader-password', upload: false },
    ],
    // postContent → HttpResponses.ok(): 200, no body.
    success: { status: 200 },
    // Write policy "Disable redeploy" (ALLOW_ONCE); "Allow redeploy" overwrites [infer].
    duplicate: o.overwrite ? { identical: 'replace', different: 'replace' } : { identical: refused, different: refused },
    // getIndex returns null → HttpResponses.notFound() → the error page.
    unknownProject: { status: 404, page: 'nexus', body: 'Not Found' },
    notFound: { status: 404, page: 'nexus', body: 'Not Found' },
    // extractPayloads: checkState(contentBlob != null) → IllegalStateException → 400 [infer].
    missingContent: { status: 400, page: 'nexus', body: 'Bad Request' },
    // PyPiStorageUtils.validateMd5Hash.
    checks: [
      {
        field: 'md5_digest',
        rule: 'md5-matches',
        answer: {
          status: 400,
          reason: 'Digests do not match, found: {found}, expected: {expected}',
          page: 'nexus',
          body: 'Digests do not match, found: {found}, expected: {expected}',
        },
      },
    ],
    postToSimple: { root: { status: 404, page: 'nexus', body: 'Not Found' }, project: { status: 404, page: 'nexus', body: 'Not Found' } },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// AWS CodeArtifact (closed source; study §8): https://docs.aws.amazon.com/codeartifact/latest/ug/python-configure-twine.html,
// packages-overview.html#package-publishing-overwrite-assets, DeytaHQ/khora#495 and #498, keyrings.codeartifact.
function codeartifact(_o: KindProfileOptions): KindProfile {
  const unauthorized: Answer = { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="CodeArtifact"' } }; // UNVERIFIED
  return {
    kind: 'codeartifact',
    server: 'AWS CodeArtifact (PyPI endpoint of a repository)',
    unverified: [
      'simple page shape (a plain PEP 503 page with sha256 and requires-python)',
      'status of an identical re-publish (docs: allowed; the double answers 200 and keeps the file)',
      'the 409 body (empty), the 401/403 answers and their headers',
      "unknown project: 404 (an upstream to PyPI would serve PyPI's files instead)",
      'trailing slash and non-normalised names: served',
    ],
    layout: {
      params: { repo: 'molecule' },
      upload: '/pypi/{repo}/',
      uploadOtherSlash: true, // UNVERIFIED
      simple: '/pypi/{repo}/simple/',
      pageSlash: true,
      otherSlash: 'serve',
      names: 'pep503',
      file: '/pypi/{repo}/simple/{normalized}/{version}/{file}', // UNVERIFIED
      hostNote: 'the real host is DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com (or codeartifact.REGION.on.aws): the loopback double keeps only the path',
    },
    page: {
      hrefs: 'relative',
      hash: 'sha256',
      sha256From: 'bytes',
      title: 'requested',
      contentType: 'text/html; charset=utf-8',
      escape: 'html',
      templates: GENERIC_PAGE,
      rootTemplates: GENERIC_ROOT,
    },
    projectFrom: 'form',
    auth: { missing: unauthorized, wrong: unauthorized, forbidden: { status: 403 }, readsNeedAuth: true, emptyIsAnonymous: false },
    // TWINE_USERNAME=aws, password = `aws codeartifact get-authorization-token …` (12 h default).
    users: [{ username: 'aws', password: 'codeartifact-authorization-token' }],
    success: { status: 200 }, // UNVERIFIED
    // Docs: a re-publish is allowed only when the checksums are identical; different content → 409 Conflict.
    duplicate: { identical: 'keep', different: { status: 409 } },
    unknownProject: { status: 404 },
    notFound: { status: 404 },
    missingContent: { status: 400 },
    checks: [],
    postToSimple: { root: { status: 404 }, project: { status: 404 } },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Azure Artifacts (closed source; study §9): uv Azure guide (https://docs.astral.sh/uv/guides/integration/azure),
// uv#8817, uv#7860, getmoto/moto#7113, twine#1097, MicrosoftDocs/azure-devops-docs#10376,
// https://learn.microsoft.com/azure/devops/artifacts/how-to/delete-and-recover-packages.
function azure(_o: KindProfileOptions): KindProfile {
  const unauthorized: Answer = { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="{origin}/"' } }; // UNVERIFIED
  // uv#8817 / uv#7860: 409 with this JSON body. Identical bytes: not distinguished in reports; versions stay
  // reserved even after delete → 409 too [infer].
  const exists: Answer = {
    status: 409,
    contentType: 'application/json; charset=utf-8',
    json: true,
    body:
      '{"$id":"1","innerException":null,"message":"The feed \'{feed}\' already contains file \'{file}\' in package \'{name} {version}\'.",' +
      '"typeName":"Microsoft.VisualStudio.Services.Packaging.Shared.WebApi.Exceptions.PackageAlreadyExistsException, Microsoft.VisualStudio.Services.Packaging.Shared.WebApi",' +
      '"typeKey":"PackageAlreadyExistsException","errorCode":0,"eventId":3000}',
  };
  return {
    kind: 'azure',
    server: 'Azure Artifacts (project-scoped feed, pkgs.dev.azure.com)',
    unverified: [
      'simple page shape (a plain PEP 503 page; hrefs to …/pypi/download/NAME/VERSION/FILE)',
      'identical bytes: 409 like different bytes (inferred from "versions are permanently reserved")',
      '401/403 answers and their headers; success status (200, empty)',
      'POST to the /simple/ URL (uv#7860: its answer unknown): 404',
      "unknown project: 404 (a feed with the PyPI upstream would serve PyPI's files instead)",
    ],
    layout: {
      params: { org: 'molecule-org', project: 'molecule', feed: 'molecule-feed' },
      upload: '/{org}/{project}/_packaging/{feed}/pypi/upload/',
      uploadOtherSlash: true, // the legacy ORG.pkgs.visualstudio.com URL has no trailing slash (azure-devops-docs#10376)
      simple: '/{org}/{project}/_packaging/{feed}/pypi/simple/',
      pageSlash: true,
      otherSlash: 'serve',
      names: 'pep503',
      file: '/{org}/{project}/_packaging/{feed}/pypi/download/{normalized}/{version}/{file}', // UNVERIFIED
      hostNote: 'the real host is pkgs.dev.azure.com (org-scoped feeds omit PROJECT/): the loopback double keeps only the path',
    },
    page: {
      hrefs: 'absolute',
      hash: 'sha256',
      sha256From: 'bytes',
      title: 'requested',
      contentType: 'text/html; charset=utf-8',
      escape: 'html',
      templates: GENERIC_PAGE,
      rootTemplates: GENERIC_ROOT,
    },
    projectFrom: 'form',
    auth: { missing: unauthorized, wrong: unauthorized, forbidden: { status: 403 }, readsNeedAuth: true, emptyIsAnonymous: false },
    // uv guide: "A username must be included as well, but can be any string" + a PAT.
    users: [{ username: '', anyUsername: true, password: 'azure-devops-pat' }],
    success: { status: 200 }, // UNVERIFIED
    duplicate: { identical: exists, different: exists },
    unknownProject: { status: 404 },
    notFound: { status: 404 },
    missingContent: { status: 400 },
    // getmoto/moto#7113, twine#1097: an author_email that is not a bare address → 400, message also in the reason.
    checks: [
      {
        field: 'author_email',
        rule: 'plain-email',
        answer: {
          status: 400,
          reason: "Bad Request - The email '{value}' is invalid. (DevOps Activity ID: 00000000-0000-0000-0000-000000000000)",
          contentType: 'application/json; charset=utf-8',
          json: true,
          body: '{"$id":"1","innerException":null,"message":"The email \'{value}\' is invalid.","typeName":"Microsoft.VisualStudio.Services.Packaging.Shared.WebApi.Exceptions.InvalidPackageException, Microsoft.VisualStudio.Services.Packaging.Shared.WebApi","typeKey":"InvalidPackageException","errorCode":0,"eventId":3000}',
        },
      },
    ],
    postToSimple: { root: { status: 404 }, project: { status: 404 } },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// devpi-server (study §4): devpi/devpi @4313e00 (server-6.19.1-6): server/devpi_server/views.py (submit,
// simple_list_project, _simple_list_project, abort, abort_submit), view_auth.py (project, verified_project),
// model.py (volatile default, create_linked_entry), filestore.py (make_splitdir); POST +simple/ fix f5c498ea (6.17.0).
function devpi(o: KindProfileOptions): KindProfile {
  const volatile = o.overwrite ?? true; // get_default_config_items: ("volatile", True)
  return {
    kind: 'devpi',
    server: `devpi-server ${o.devpiVersion === 'before-6.17' ? '< 6.17' : '≥ 6.17'} (a ${volatile ? 'volatile' : 'non-volatile'} index)`,
    unverified: [
      'POST to +simple/NAME/ answering the page (read from source, not run)',
      "the JSON/plain variants of pyramid's error pages",
      'the wording of the +simple/ root page (served to a POST before 6.17)',
    ],
    layout: {
      params: { user: 'molecule', index: 'dev' },
      // route "/{user}/{index}/" POST; without the slash also 200 (test_submit_without_trailing_slash).
      upload: '/{user}/{index}/',
      uploadOtherSlash: true,
      simple: '/{user}/{index}/+simple/',
      pageSlash: true,
      // `+simple/NAME` → 302 to the slash form, except installers (pip, uv, …) which are served directly.
      otherSlash: { redirect: 302, installersServed: true },
      // view_auth.py `project`: a GET of a non-normalised name → HTTPFound to the normalised route URL.
      names: { redirect: 302 },
      // model.py "{user}/{index}/+f/{hashdir_a}/{hashdir_b}/{filename}", filestore.make_splitdir: [:3], [3:16].
      file: '/{user}/{index}/+f/{sha256_a}/{sha256_b}/{file}',
    },
    page: {
      // _makeurl_factory: URL(path_info).relpath(…) unless --absolute-urls.
      hrefs: 'relative',
      hash: 'sha256',
      sha256From: 'bytes',
      title: 'requested',
      contentType: 'text/html; charset=UTF-8',
      escape: 'html',
      // _simple_list_project: the stage name before each link; data-requires-python when known.
      templates: {
        head: '<!DOCTYPE html><html lang="en"><head><title>{user}/{index}: links for {title}</title></head><body><h1>{user}/{index}: links for {title}</h1>\n',
        link: '{user}/{index} <a href="{href}"{rpattr}>{file}</a><br>\n',
        foot: '</body></html>',
      },
      rootTemplates: {
        head: '<!DOCTYPE html><html lang="en"><head><title>{user}/{index}: simple list (including inherited indices)</title></head><body><h1>{user}/{index}: simple list (including inherited indices)</h1>\n',
        link: '<a href="{href}">{file}</a><br>\n',
        foot: '</body></html>',
      },
    },
    projectFrom: 'form',
    auth: {
      // submit(): no authenticated user (none, or a wrong password: identity None) → HTTPUnauthorized + forget().
      missing: {
        status: 401,
        headers: { 'WWW-Authenticate': 'Basic realm="pypi"' },
        page: 'pyramid',
        body: 'This server could not verify that you are authorized to access the document you requested.  Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.',
      },
      wrong: {
        status: 401,
        headers: { 'WWW-Authenticate': 'Basic realm="pypi"' },
        page: 'pyramid',
        body: 'This server could not verify that you are authorized to access the document you requested.  Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.',
      },
      // abort_submit(request, 403, "no permission to submit"): the message is the reason phrase (title).
      forbidden: { status: 403, reason: 'no permission to submit', page: 'pyramid', body: '' },
      readsNeedAuth: false,
      emptyIsAnonymous: false,
    },
    // acl_upload default [USER]: the index owner uploads; another user is authenticated but refused.
    users: [
      { username: 'molecule', password: 'devpi-password' },
      { username: 'other', password: 'other-password', upload: false },
    ],
    // Response("") → 200, empty.
    success: { status: 200, contentType: 'text/html; charset=UTF-8' },
    // create_linked_entry / submit(): NonVolatile → identical hashes: abort_submit(200, …); else 409.
    duplicate: volatile
      ? { identical: 'replace', different: 'replace' }
      : {
          identical: { status: 200, reason: 'Upload of identical file to non volatile index.', page: 'pyramid', body: '' },
          different: { status: 409, reason: '{file} already exists in non-volatile index', page: 'pyramid', body: '' },
        },
    // verified_project: abort(404, "The project NAME does not exist.") (HTML for */*, JSON for application/json).
    unknownProject: { status: 404, page: 'pyramid', body: 'The project {normalized} does not exist.' },
    notFound: { status: 404, page: 'pyramid', body: 'The resource could not be found.' },
    missingContent: { status: 400, reason: 'content file field not found', page: 'pyramid', body: '' },
    missingField: { status: 400, reason: '{field} field not found', page: 'pyramid', body: '' }, // request.POST["name"] [infer]
    // version_in_filename.
    filenameCheck: {
      rule: 'contains-version',
      answer: { status: 400, reason: "filename '{file}' does not contain version '{version}'", page: 'pyramid', body: '' },
    },
    checks: [],
    actions: {
      missing: { status: 400, reason: ':action field not found', page: 'pyramid', body: '' },
      ignored: ['submit'],
      unsupported: { status: 400, reason: "action '{value}' not supported", page: 'pyramid', body: '' },
    },
    postToSimple: {
      // f5c498ea (6.17.0, "Fix #1097"): simple_list_all is GET-only → 404; older servers served the page.
      root: o.devpiVersion === 'before-6.17' ? 'page' : { status: 404, page: 'pyramid', body: 'The resource could not be found.' },
      // simple_list_project has no request-method predicate [infer from source].
      project: 'page',
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// pypiserver (study §3): pypiserver/pypiserver @d87ef03 (v2.4.1-19): pypiserver/_app.py (auth, file_upload,
// update, pep_503_redirects, simple), pkg_helpers.py, backend.py (exists: by filename), config.py
// (FALLBACK_URL), bundled bottle 0.12.25 (redirect: 303 on HTTP/1.1, 302 on 1.0; Router.match: 405;
// ERROR_PAGE_TEMPLATE); twine User-Agent rule e0591a3 (#662, v2.4.1).
function pypiserver(o: KindProfileOptions): KindProfile {
  const exists: Answer = {
    status: 409,
    page: 'bottle',
    body: "Package '{file}' already exists!\n  You may start server with `--overwrite` option.",
    ...(o.twineStatus400 === false ? {} : { statusForUserAgent: { contains: 'twine', status: 400 } }),
  };
  return {
    kind: 'pypiserver',
    server: `pypiserver ${o.twineStatus400 === false ? '< 2.4.1' : '≥ 2.4.1'}${o.overwrite ? ' --overwrite' : ''}${o.forwardUnknownToPypi === false ? ' --disable-fallback' : ''}`,
    unverified: ["303 vs 302 follows the request's HTTP version as bottle does (read, not run live)"],
    layout: {
      params: {},
      upload: '/',
      uploadOtherSlash: false,
      simple: '/simple/',
      pageSlash: true,
      // @app.route("/simple/:project") → pep_503_redirects: 301 to the path + "/".
      otherSlash: { redirect: 301 },
      // simple(): normalize_pkgname_for_url(project) != project → redirect("/simple/NORMALIZED/", 301).
      names: { redirect: 301 },
      file: '/packages/{file}',
    },
    page: {
      // urljoin(current_uri, "../../packages/" + fname_and_hash) → a root-relative path.
      hrefs: 'root-relative',
      hash: 'sha256', // --hash-algo default sha256 (config.py)
      sha256From: 'bytes',
      title: 'requested',
      contentType: 'text/html; charset=UTF-8',
      escape: 'html',
      // simple()'s template after bottle drops the `%` lines; no data-requires-python.
      templates: {
        head: '<!DOCTYPE html>\n<html lang="en">\n    <head>\n        <meta charset="utf-8">\n        <meta name="viewport" content="width=device-width, initial-scale=1">\n        <title>Links for {title}</title>\n    </head>\n    <body>\n        <h1>Links for {title}</h1>\n',
        link: '            <a href="{href}">{file}</a><br>\n',
        foot: '    </body>\n</html>\n    ',
      },
      rootTemplates: {
        head: '<!DOCTYPE html>\n<html lang="en">\n    <head>\n        <meta charset="utf-8">\n        <meta name="viewport" content="width=device-width, initial-scale=1">\n        <title>Simple Index</title>\n    </head>\n    <body>\n        <h1>Simple Index</h1>\n',
        link: '                <a href="{href}">{file}</a><br>\n',
        foot: '    </body>\n</html>\n    ',
      },
    },
    // file_upload(): name and version are guessed from the filename (guess_pkgname_and_version).
    projectFrom: 'filename',
    auth: {
      // auth.protector: no credentials → 401 with the challenge; rejected → bare 403 (no per-user permissions).
      missing: { status: 401, headers: { 'WWW-Authenticate': 'Basic realm="pypi"' }, page: 'bottle', body: '' },
      wrong: { status: 403, page: 'bottle', body: '' },
      forbidden: { status: 403, page: 'bottle', body: '' },
      readsNeedAuth: false, // -a update (default): only uploads are authenticated
      emptyIsAnonymous: false,
    },
    users: [{ username: 'molecule', password: 'pypiserver-password' }],
    // update() returns "" → 200, empty body (bottle's default text/html).
    success: { status: 200, contentType: 'text/html; charset=UTF-8' },
    // backend.exists(filename): by name only; --overwrite replaces.
    duplicate: o.overwrite ? { identical: 'replace', different: 'replace' } : { identical: exists, different: exists },
    // --disable-fallback: HTTPError(404, f"Not Found ({normalized} does not exist)\n\n").
    unknownProject: { status: 404, page: 'bottle', body: 'Not Found ({normalized} does not exist)\n\n' },
    // redirect(f"{fallback_url.rstrip('/')}/{project}/"), FALLBACK_URL = "https://pypi.org/simple/".
    forward: o.forwardUnknownToPypi === false ? undefined : { status: 303, statusHttp10: 302, location: PYPI_FORWARD },
    // bottle Router.match: HTTPError(404, "Not found: " + repr(path)).
    notFound: { status: 404, page: 'bottle', body: "Not found: '{path}'" },
    missingContent: { status: 400, page: 'bottle', body: "Missing 'content' file-field!" },
    filenameCheck: { rule: 'pypiserver', answer: { status: 400, page: 'bottle', body: 'Bad filename: {file}' } },
    checks: [],
    actions: {
      missing: { status: 400, page: 'bottle', body: "Missing ':action' field!" },
      ignored: ['verify', 'submit'],
      unsupported: { status: 400, page: 'bottle', body: "Unsupported ':action' field: {value}" },
    },
    // Router.match: a POST to a path only GET routes match → HTTPError(405, "Method not allowed.", Allow=GET);
    // route matching comes before auth, so this is answered without credentials (pypiserver#540).
    postToSimple: {
      root: { status: 405, headers: { Allow: 'GET' }, page: 'bottle', body: 'Method not allowed.' },
      project: { status: 405, headers: { Allow: 'GET' }, page: 'bottle', body: 'Method not allowed.' },
    },
    postToGetRoutes: {
      // The GET routes of _app.py: /favicon.ico, /simple, /simple/:project[/], /packages[/], /packages/…,
      // /:project/json, /:project[/].
      paths: ['^/simple/?$', '^/simple/[^/]+/?$', '^/packages/?$', '^/packages/.+$', '^/[^/]+/json$', '^/[^/]+/?$'],
      answer: { status: 405, headers: { Allow: 'GET' }, page: 'bottle', body: 'Method not allowed.' },
    },
  };
}

const BUILDERS: Record<RegistryKindName, (o: KindProfileOptions) => KindProfile> = { gitlab, artifactory, nexus, codeartifact, azure, devpi, pypiserver };

/** The profile of a kind with the options applied (a server configuration is just another profile). */
export function kindProfile(kind: RegistryKindName, options: KindProfileOptions = {}): KindProfile {
  const build = BUILDERS[kind];
  if (!build) throw new Error(`unknown registry kind: ${String(kind)}`);
  return build(options);
}

/** Every kind's profile with the default options. */
export const KIND_PROFILES: Readonly<Record<RegistryKindName, KindProfile>> = Object.fromEntries(REGISTRY_KINDS.map((k) => [k, kindProfile(k)])) as Record<
  RegistryKindName,
  KindProfile
>;
