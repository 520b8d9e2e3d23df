/**
 * The PyPI-compatible registries besides Gitea and PyPI, as data: the upload URL each is recognised
 * by, where its simple index is, what it answers to a file name it already has, what its index
 * answers for a project it has not got, how it authenticates, and the hint for each. One reading of
 * answers (registryKind) serves them all; what differs is here. Every row comes from the server's
 * source where it is public, else its documentation and users' reports (../shared/spec/other-
 * registries.md, corrected by a reading of the sources: see each entry).
 *
 * Whatever a registry answers to a duplicate, "already there" is decided by its index (sha256, or md5
 * where it lists only that): a 2xx does not prove storage (devpi's +simple, Artifactory's wrong URL),
 * and a refusal does not say whose bytes are there.
 */
import { normalizeName, safeName } from '../artifacts/filename.js';
import { genericVerdict, oneLine, type ServerAnswer, type TargetKind, type Verdict } from './target.js';

import type { RegistryKindName } from './kind-names.js';

export { REGISTRY_KIND_NAMES, TARGET_KIND_NAMES, type RegistryKindName, type TargetKindName } from './kind-names.js';

export interface RegistrySpec {
  readonly name: RegistryKindName;
  readonly label: string;
  /** Recognises an upload URL of this registry (path and host shapes); never for `generic`. */
  readonly recognise: (url: URL) => boolean;
  /** The simple index that goes with an upload URL (ending in '/'), or undefined where it cannot be derived. */
  readonly indexFor: (uploadUrl: string) => string | undefined;
  /** A duplicate file name, as this server says it (the index then decides identical or not). */
  readonly duplicate: (status: number, message: string) => boolean;
  /**
   * Its index answers a project it has not got with a redirect to pypi.org (pypiserver's fallback,
   * GitLab's package forwarding): such a redirect means "not here", and is never followed.
   */
  readonly redirectsUnknownProjects?: boolean;
  /** The user name it expects with a token, when it has one ('' for Artifactory's tokens). */
  readonly tokenUser?: string;
  /** What to check when it refuses the credentials (401/403). */
  readonly authHint: (source: string) => string;
}

const path = (url: URL) => url.pathname;
const base = (uploadUrl: string) => (uploadUrl.endsWith('/') ? uploadUrl : `${uploadUrl}/`);

export const REGISTRY_SPECS: Readonly<Record<RegistryKindName, RegistrySpec>> = {
  // gitlab-org/gitlab lib/api/pypi_packages.rb: POST /api/v4/projects/:id/packages/pypi; the simple page
  // is …/simple/NAME; a repeated file name is 400 "Validation failed: File name has already been taken"
  // (packages/package_file.rb uniqueness, identical or not); unknown project 404 text/plain, or 302 to
  // pypi.org with package forwarding; 401 with WWW-Authenticate for bad credentials.
  gitlab: {
    name: 'gitlab',
    label: 'GitLab',
    recognise: (url) => /\/api\/v4\/projects\/[^/]+\/packages\/pypi\/?$/.test(path(url)),
    indexFor: (uploadUrl) => `${base(uploadUrl)}simple/`,
    duplicate: (status, message) => status === 400 && /already been taken/i.test(message),
    redirectsUnknownProjects: true,
    authHint: (source) =>
      `GitLab takes a CI job token as user gitlab-ci-token with $CI_JOB_TOKEN, a deploy token (its user name), or a personal access token with the api scope: check ${source}`,
  },
  // JFrog (closed): upload …/artifactory/api/pypi/REPO, index …/api/pypi/REPO/simple/ (uv's JFrog guide);
  // a duplicate is 403 "Not enough permissions to (delete/)overwrite artifact …" (twine#1251, #332), and
  // a user with delete rights overwrites silently (uv#16073): the index is read first, so we never send one.
  artifactory: {
    name: 'artifactory',
    label: 'Artifactory',
    recognise: (url) => /\/api\/pypi\/[^/]+\/?$/.test(path(url)) && !/\/simple\/?$/.test(path(url)),
    indexFor: (uploadUrl) => `${base(uploadUrl)}simple/`,
    duplicate: (status, message) => status === 403 && /overwrite/i.test(message),
    tokenUser: '',
    authHint: (source) =>
      `Artifactory takes an access token with an EMPTY user name (username = "" in the configuration; __token__ is refused), or a user name and password or API key: check ${source}`,
  },
  // sonatype/nexus-public release-3.30.1-01 PyPiHostedFacet: POST /repository/REPO/, index
  // …/repository/REPO/simple/NAME/ (md5 fragments in 3.30); a repeated file is 400 "Repository does not
  // allow updating assets: REPO" (OrientDB) or "REPO/… cannot be updated" (H2/PostgreSQL), identical or not.
  nexus: {
    name: 'nexus',
    label: 'Nexus',
    recognise: (url) => /^\/(?:[^/]+\/)*repository\/[^/]+\/?$/.test(path(url)),
    indexFor: (uploadUrl) => `${base(uploadUrl)}simple/`,
    duplicate: (status, message) => status === 400 && /does not allow updating assets|cannot be updated/i.test(message),
    authHint: (source) => `Nexus takes a user name and password (or a user token pair): check ${source} and the user's privileges on the repository`,
  },
  // AWS (closed): https://DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com/pypi/REPO/, index …/simple/;
  // 409 for other bytes under a used name, identical bytes accepted (its documentation); user `aws`.
  codeartifact: {
    name: 'codeartifact',
    label: 'CodeArtifact',
    recognise: (url) => /\.codeartifact\.[^.]+\.(amazonaws\.com|on\.aws)$/.test(url.hostname) && /^\/pypi\/[^/]+\/?$/.test(path(url)),
    indexFor: (uploadUrl) => `${base(uploadUrl)}simple/`,
    duplicate: (status) => status === 409,
    tokenUser: 'aws',
    authHint: (source) =>
      `CodeArtifact takes the user name aws and a token from 'aws codeartifact get-authorization-token' (valid 12 hours by default: an expired one is refused): check ${source}`,
  },
  // Azure DevOps (closed): upload …/_packaging/FEED/pypi/upload/, the index its sibling …/pypi/simple/
  // (uv's Azure guide); 409 "The feed 'F' already contains file 'X' …" (uv#8817); any user name + a PAT.
  azure: {
    name: 'azure',
    label: 'Azure Artifacts',
    recognise: (url) => /\/_packaging\/[^/]+\/pypi\/upload\/?$/.test(path(url)),
    indexFor: (uploadUrl) => {
      const url = new URL(uploadUrl);
      if (!/\/pypi\/upload\/?$/.test(url.pathname)) return undefined;
      url.pathname = url.pathname.replace(/\/pypi\/upload\/?$/, '/pypi/simple/');
      return url.href;
    },
    duplicate: (status, message) => status === 409 || /already contains file/i.test(message),
    authHint: (source) => `Azure Artifacts takes any user name with a personal access token that has Packaging (read & write): check ${source}`,
  },
  // devpi/devpi server/devpi_server/views.py: POST /USER/INDEX/, index …/USER/INDEX/+simple/NAME/; on a
  // non-volatile index identical bytes answer 200 and other bytes 409 "… already exists in non-volatile
  // index"; a volatile index (the default) replaces the file with 200; 401 for missing or wrong credentials.
  devpi: {
    name: 'devpi',
    label: 'devpi',
    // Its URLs (/USER/INDEX/) have no shape of their own: devpi is chosen with kind = "devpi".
    recognise: () => false,
    indexFor: (uploadUrl) => `${base(uploadUrl)}+simple/`,
    duplicate: (status, message) => status === 409 && /already exists/i.test(message),
    authHint: (source) =>
      `devpi takes the user name and password of its user (devpi login's), and the index must allow that user to upload (acl_upload): check ${source}`,
  },
  // pypiserver/pypiserver pypiserver/_app.py: POST /, index /simple/NAME/ (root-relative links with
  // #sha256=); a used file name is 409, or 400 when the User-Agent says twine (v2.4.1+); an unknown
  // project's page redirects to https://pypi.org/simple/NAME/ (303) unless --disable-fallback; no
  // credentials is 401, wrong ones 403.
  pypiserver: {
    name: 'pypiserver',
    label: 'pypiserver',
    // Its upload URL is the server's root: chosen with kind = "pypiserver".
    recognise: () => false,
    indexFor: (uploadUrl) => `${base(uploadUrl)}simple/`,
    duplicate: (status, message) => status === 409 || (status === 400 && /already exists/i.test(message)),
    redirectsUnknownProjects: true,
    authHint: (source) => `pypiserver checks the user name and password against its htpasswd file (-P): check ${source}`,
  },
  // Any other server that speaks the upload API: its index is taken to be …/simple/ beside the upload URL.
  generic: {
    name: 'generic',
    label: 'registry',
    recognise: () => false,
    indexFor: (uploadUrl) => `${base(uploadUrl)}simple/`,
    duplicate: (status, message) => status === 409 || (status === 400 && /already exists?|already been taken/i.test(message)),
    authHint: (source) => `the registry refused the credentials: check ${source}`,
  },
};

/** Which registry an upload URL looks like (Gitea and PyPI are recognised before, in config/resolve.ts). */
export function recogniseRegistry(uploadUrl: string): RegistryKindName | undefined {
  let url: URL;
  try {
    url = new URL(uploadUrl);
  } catch {
    return undefined;
  }
  return (Object.values(REGISTRY_SPECS) as RegistrySpec[]).find((spec) => spec.recognise(url))?.name;
}

const KINDS = new Map<RegistryKindName, TargetKind>();

/** The TargetKind of a registry: its answers read by its spec; no rules of its own (it stores what pip installs). */
export function registryKind(name: RegistryKindName): TargetKind {
  const cached = KINDS.get(name);
  if (cached) return cached;
  const spec = REGISTRY_SPECS[name];
  const kind: TargetKind = {
    label: spec.label,
    attestations: false,
    formName: safeName,
    indexProjectName: (project) => normalizeName(project),
    alwaysVerify: true,
    authHint: spec.authHint,
    ...(spec.redirectsUnknownProjects ? { redirectMeansAbsent: true } : {}),
    refusals: () => new Map(),
    warnings: () => [],
    readAnswer(answer: ServerAnswer, context): Verdict {
      const { status } = answer;
      const message = oneLine(answer.body) || answer.reason || `HTTP ${status}`;
      // Any 2xx: the index, read afterwards, says whether it stored the file (204 from a wrong URL does not).
      if (status >= 200 && status < 300) return { kind: 'uploaded' };
      if (spec.duplicate(status, `${answer.reason ?? ''} ${message}`)) return { kind: 'exists', message };
      if (status === 401 || status === 403) return { kind: 'failed', message, hint: spec.authHint(context.credentialSource) };
      if (status === 405 && /\/simple\/?$/.test(context.uploadUrl)) {
        return { kind: 'failed', message, hint: `${context.uploadUrl} is the index pip reads, not the upload URL` };
      }
      return genericVerdict(answer, message) ?? { kind: 'failed', message };
    },
  };
  KINDS.set(name, kind);
  return kind;
}
