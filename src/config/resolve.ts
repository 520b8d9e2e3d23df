/**
 * Flags, environment and pyproject.toml -> the list of targets, validated before anything else runs.
 * Credentials come only from the environment; their values are never shown, only their names.
 */
import { UsageError } from '../errors.js';
import { giteaKind } from '../targets/gitea.js';
import { pypiKind } from '../targets/pypi.js';
import type { Target, TargetKind } from '../targets/target.js';
import { recogniseRegistry, REGISTRY_SPECS, registryKind, type TargetKindName } from '../targets/registries.js';
import { oidcAvailable } from '../targets/trusted-publishing.js';
import type { FileConfig, TargetEntry } from './pyproject.js';
import type { PypircRepository } from './pypirc.js';
import { isHttpUrl, isLoopbackUrl, sameOrigin, sanitizeUrl, withTrailingSlash, withoutTrailingSlash } from '../util/url.js';

export { ENV } from './env.js';
import { ENV } from './env.js';

export const PYPI_UPLOAD_URL = 'https://upload.pypi.org/legacy/';

export interface TargetFlags {
  giteaUrl?: string | undefined;
  giteaOwner?: string | undefined;
  giteaRepositoryUrl?: string | undefined;
  pypiUrl?: string | undefined;
  pypiIndexUrl?: string | undefined;
  /** false with --no-pypi. */
  pypi?: boolean | undefined;
  /** OWNER/REPO to link Gitea packages to; false with --no-link-repository; default $GITHUB_REPOSITORY. */
  linkRepository?: string | false | undefined;
}

/**
 * The repository a Gitea target links its packages to: --link-repository, else in Actions the job's own
 * repository when it belongs to the package owner (a package can be linked only to its owner's).
 */
function linkRepositoryFor(uploadUrl: string, flags: TargetFlags, env: NodeJS.ProcessEnv): string | undefined {
  if (flags.linkRepository === false) return undefined;
  const owner = giteaOwnerOf(uploadUrl);
  const sameOwner = (repository: string) => owner !== undefined && repository.split('/')[0]?.toLowerCase() === owner.toLowerCase();
  if (typeof flags.linkRepository === 'string' && flags.linkRepository !== '') {
    if (!/^[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+$/.test(flags.linkRepository)) {
      throw new UsageError(`--link-repository: '${flags.linkRepository}' is not OWNER/REPO`, { code: 'usage' });
    }
    // services/packages LinkToRepository: a package links only to a repository of its own owner.
    if (!sameOwner(flags.linkRepository)) {
      throw new UsageError(`--link-repository: ${flags.linkRepository} is not a repository of the package owner '${owner ?? '?'}'`, { code: 'usage' });
    }
    return flags.linkRepository;
  }
  const job = env.GITHUB_REPOSITORY;
  return job && sameOwner(job) ? job : undefined;
}

/** An http(s) URL with a host, or undefined. (Plain URL checks: zod is loaded only for pyproject.toml and --json.) */
function httpUrl(value: string): string | undefined {
  const trimmed = value.trim();
  return isHttpUrl(trimmed) ? trimmed : undefined;
}

/** The PyPI simple index that goes with an upload URL (PyPI, TestPyPI, else legacy/ -> simple/). */
export function defaultPypiIndexUrl(uploadUrl: string): string {
  const url = new URL(uploadUrl);
  if (url.hostname === 'upload.pypi.org') return 'https://pypi.org/simple/';
  if (url.hostname === 'test.pypi.org') return 'https://test.pypi.org/simple/';
  const base = withTrailingSlash(uploadUrl);
  return base.endsWith('/legacy/') ? `${base.slice(0, -'legacy/'.length)}simple/` : `${base}simple/`;
}

export interface ResolveOptions {
  /** A dry run reports missing configuration instead of stopping. */
  dryRun: boolean;
  /** The pyproject.toml layer (below flags and environment, above the Actions defaults). */
  file?: FileConfig;
  fileSource?: string;
  /** --only NAME: that target alone, made required. */
  only?: string;
  /** --repository NAME: a .pypirc section alone, as `twine upload -r NAME`. */
  repository?: PypircRepository;
}

export interface ResolvedTargets {
  targets: Target[];
  /** Problems that stop a real run but not a dry run (missing credentials or URL of a required target). */
  blockers: string[];
  /** What was corrected on the way, for a warning each (credentials with surrounding whitespace). */
  notes: string[];
  /**
   * Configured targets this run does not publish to (--only): their indexes are read, anonymously
   * where they allow it, so that no target gets bytes that differ from theirs under the same name.
   */
  others: Target[];
}

/**
 * A token pasted with a trailing newline is sent as is and refused (401/403) with no clue why: the
 * credential variables are trimmed, with a note naming the variable (never its value).
 */
function trimCredentials(env: NodeJS.ProcessEnv, names: readonly string[]): { env: NodeJS.ProcessEnv; notes: string[] } {
  const clean: NodeJS.ProcessEnv = { ...env };
  const notes: string[] = [];
  for (const name of new Set(names)) {
    const value = env[name];
    if (value === undefined || value === value.trim()) continue;
    clean[name] = value.trim();
    notes.push(`${name} had whitespace around it (a pasted newline?): trimmed`);
  }
  return { env: clean, notes };
}

/**
 * An upload URL that is a simple index (what pip reads) would answer uploads with 404 or 405, or, at
 * devpi's `+simple/`, with 200 and nothing stored (devpi#1097; 404 from devpi-server 6.17).
 */
function refuseIndexAsUpload(url: string, source: string): void {
  if (/\/\+?simple(\/[^/]*)?\/?$/.test(new URL(url).pathname)) {
    throw new UsageError(
      `${source}: ${sanitizeUrl(url)} is a simple index (what pip reads), not an upload URL: Gitea's is https://HOST/api/packages/OWNER/pypi, PyPI's https://upload.pypi.org/legacy/, devpi's https://HOST/USER/INDEX/`,
      { code: 'config' },
    );
  }
}

/** A target on its way to being resolved: what is wrong with it stops the run only if it is required. */
interface Candidate {
  target: Target;
  problems: string[];
}

function parseUrl(value: string, what: string, source: string): string {
  const valid = httpUrl(value);
  if (valid === undefined) {
    throw new UsageError(`${source}: ${what} must be an http(s) URL (got '${sanitizeUrl(value)}')`, { code: 'config' });
  }
  const url = new URL(valid);
  if (url.username || url.password) {
    throw new UsageError(`${source}: credentials in the URL are not accepted; use ${ENV.giteaUser}/${ENV.giteaToken} or ${ENV.pypiToken}`, { code: 'config' });
  }
  return valid;
}

/**
 * Which server's rules and answers apply, from the upload URL: Gitea's package API, PyPI (its hosts,
 * or a Warehouse's /legacy/), a registry recognised by its URL shape (targets/registries.ts), else a
 * generic registry. `kind = "…"` (or --repository-kind) overrides the guess.
 */
export function kindForUrl(uploadUrl: string): TargetKindName {
  let url: URL;
  try {
    url = new URL(uploadUrl);
  } catch {
    return 'generic';
  }
  if (/\/api\/packages\/[^/]+\/pypi\/?$/.test(url.pathname)) return 'gitea';
  if (url.hostname === 'upload.pypi.org' || url.hostname === 'test.pypi.org' || /\/legacy\/?$/.test(url.pathname)) return 'pypi';
  return recogniseRegistry(uploadUrl) ?? 'generic';
}

function targetKind(name: TargetKindName): TargetKind {
  return name === 'gitea' ? giteaKind : name === 'pypi' ? pypiKind : registryKind(name);
}

/** The user name a kind takes with a token when none is configured (twine 6: __token__ for PyPI). */
function defaultUser(name: TargetKindName): string | undefined {
  if (name === 'pypi') return '__token__';
  return name === 'gitea' ? undefined : REGISTRY_SPECS[name].tokenUser;
}

/** The package owner of a Gitea upload URL (…/api/packages/OWNER/pypi). */
function giteaOwnerOf(uploadUrl: string): string | undefined {
  return /\/api\/packages\/([^/]+)\/pypi\/?$/.exec(new URL(uploadUrl).pathname)?.[1];
}

function whereOf(uploadUrl: string): string {
  const owner = giteaOwnerOf(uploadUrl);
  const { host } = new URL(uploadUrl);
  return owner ? `${host} (${owner})` : host;
}

/** The simple index of a target, from its upload URL; a URL whose index cannot be derived asks for index-url. */
function indexFor(kind: TargetKindName, uploadUrl: string, source: string): string {
  if (kind === 'gitea') return `${withoutTrailingSlash(uploadUrl)}/simple/`;
  if (kind === 'pypi') return defaultPypiIndexUrl(uploadUrl);
  const derived = REGISTRY_SPECS[kind].indexFor(uploadUrl);
  if (derived === undefined) {
    throw new UsageError(
      `${source}: the ${REGISTRY_SPECS[kind].label} index cannot be derived from ${sanitizeUrl(uploadUrl)}: give its simple index as index-url`,
      { code: 'config' },
    );
  }
  return derived;
}

export function resolveTargets(flags: TargetFlags, rawEnv: NodeJS.ProcessEnv, options: ResolveOptions): ResolvedTargets {
  const file = options.file ?? {};
  const credentialNames = [
    ENV.giteaUser,
    ENV.giteaToken,
    ENV.pypiToken,
    'TWINE_USERNAME',
    'TWINE_PASSWORD',
    ...(file.targets ?? []).flatMap((t) => [t['username-env'], t['password-env']].filter((n): n is string => n !== undefined)),
  ];
  const { env, notes } = trimCredentials(rawEnv, credentialNames);
  const fileSource = options.fileSource ?? 'pyproject.toml [tool.molecule-publish]';
  let candidates: Candidate[];
  let others: Target[] = [];
  if (options.repository) candidates = [fromPypirc(options.repository, env)];
  else if (file.targets) candidates = file.targets.map((entry) => fromEntry(entry, env, fileSource));
  else candidates = defaultTargets(flags, env, file, fileSource, options.dryRun);

  if (options.only !== undefined) {
    const chosen = candidates.find((c) => c.target.id === options.only);
    if (!chosen) {
      throw new UsageError(`--only ${options.only}: no such target (known: ${candidates.map((c) => c.target.id).join(', ')})`, { code: 'usage' });
    }
    // The operator's tool for finishing a release on one registry: it must succeed there.
    chosen.target.policy = 'required';
    others = candidates.filter((c) => c !== chosen && c.target.indexUrl !== '').map((c) => c.target);
    candidates = [chosen];
  }

  for (const c of candidates) {
    if (c.target.kind !== giteaKind || !c.target.uploadUrl) continue;
    const link = linkRepositoryFor(c.target.uploadUrl, flags, env);
    if (link) c.target.linkRepository = link;
  }
  const blockers = candidates.filter((c) => c.target.policy === 'required').flatMap((c) => c.problems);
  if (!options.dryRun && blockers.length > 0) {
    throw new UsageError(blockers.join('\n'), { code: blockers.some((b) => /credentials missing/.test(b)) ? 'missing_credentials' : 'config' });
  }
  for (const c of candidates) if (c.target.uploadUrl) refuseIndexAsUpload(c.target.uploadUrl, c.target.label ?? c.target.kind.label);
  return { targets: candidates.map((c) => c.target), blockers, notes, others };
}

function defaultTargets(flags: TargetFlags, env: NodeJS.ProcessEnv, file: FileConfig, fileSource: string, dryRun: boolean): Candidate[] {
  const candidates: Candidate[] = [];
  // Precedence: flag > environment > pyproject.toml > the Actions defaults.
  const pick = (flag: string | undefined, flagName: string, envName: string, fileValue: string | undefined, fileKey: string): [string, string] | undefined => {
    if (flag !== undefined && flag !== '') return [flag, flagName];
    const value = env[envName];
    if (value !== undefined && value !== '') return [value, envName];
    return fileValue !== undefined ? [fileValue, `${fileSource} ${fileKey}`] : undefined;
  };

  // --- Gitea (required) -------------------------------------------------------------------
  const problems: string[] = [];
  let giteaUpload: string | undefined;
  const repository = pick(flags.giteaRepositoryUrl, '--gitea-repository-url', ENV.giteaRepositoryUrl, file['gitea-repository-url'], 'gitea-repository-url');
  if (repository) {
    giteaUpload = withoutTrailingSlash(parseUrl(repository[0], 'the Gitea repository URL', repository[1]));
  } else {
    // Inside Gitea/GitHub Actions the server and owner of the running job are the defaults.
    const base = pick(flags.giteaUrl, '--gitea-url', ENV.giteaUrl, file['gitea-url'], 'gitea-url') ?? pick(undefined, '', 'GITHUB_SERVER_URL', undefined, '');
    const owner =
      pick(flags.giteaOwner, '--gitea-owner', ENV.giteaOwner, file['gitea-owner'], 'gitea-owner') ??
      pick(undefined, '', 'GITHUB_REPOSITORY_OWNER', undefined, '');
    if (base && owner) {
      const baseUrl = withoutTrailingSlash(parseUrl(base[0], 'the Gitea URL', base[1] || 'GITHUB_SERVER_URL'));
      // The whole upload URL given as the base would become …/api/packages/o/pypi/api/packages/o/pypi (a 404).
      if (/\/api\/packages\//.test(new URL(baseUrl).pathname)) {
        throw new UsageError(
          `${base[1] || 'GITHUB_SERVER_URL'}: ${sanitizeUrl(baseUrl)} is a package URL, not Gitea's base URL: give --gitea-url https://HOST with --gitea-owner OWNER, or the whole upload URL as --gitea-repository-url`,
          { code: 'config' },
        );
      }
      if (!/^[A-Za-z0-9._-]+$/.test(owner[0])) {
        throw new UsageError(`${owner[1] || 'GITHUB_REPOSITORY_OWNER'}: '${owner[0]}' is not a valid Gitea owner name`, { code: 'config' });
      }
      giteaUpload = `${baseUrl}/api/packages/${owner[0]}/pypi`;
    } else {
      problems.push(
        `the Gitea registry is not configured: give --gitea-url URL and --gitea-owner OWNER (or ${ENV.giteaUrl}/${ENV.giteaOwner}, ` +
          `or --gitea-repository-url); in Gitea Actions they default to GITHUB_SERVER_URL and GITHUB_REPOSITORY_OWNER`,
      );
    }
  }
  const giteaUser = env[ENV.giteaUser];
  const giteaToken = env[ENV.giteaToken];
  const giteaCredentialNames = `${ENV.giteaUser} and ${ENV.giteaToken}`;
  if (!giteaUser || !giteaToken) {
    const missing = [!giteaUser ? ENV.giteaUser : undefined, !giteaToken ? ENV.giteaToken : undefined].filter(Boolean).join(' and ');
    let message = `Gitea credentials missing: set ${missing} (a Gitea user and a token with the write:package scope)`;
    if (env[ENV.legacyGiteaUser] || env[ENV.legacyGiteaToken]) {
      message += `; ${ENV.legacyGiteaUser}/${ENV.legacyGiteaToken} are set, but Gitea reserves the GITEA_ prefix for secret names, so rename those secrets to ${ENV.giteaUser}/${ENV.giteaToken}`;
    }
    problems.push(message);
  }
  if (giteaUpload || dryRun) {
    // A dry run still shows the required target, so the plan says what is missing.
    candidates.push({
      target: {
        id: 'gitea',
        kind: giteaKind,
        policy: 'required',
        // A dry run still shows an unconfigured Gitea, with no URL (a real run stops first).
        uploadUrl: giteaUpload ?? '',
        indexUrl: giteaUpload ? `${giteaUpload}/simple/` : '',
        credentials: giteaUser && giteaToken ? { username: giteaUser, password: giteaToken, source: giteaCredentialNames } : undefined,
        credentialNames: giteaCredentialNames,
        where: giteaUpload ? whereOf(giteaUpload) : 'not configured',
      },
      problems,
    });
  } else {
    candidates.push({ target: placeholder(), problems });
  }

  // --- PyPI (best-effort) -----------------------------------------------------------------
  const pypiOn = flags.pypi !== false && file.pypi !== false;
  if (pypiOn) {
    const upload = pick(flags.pypiUrl, '--pypi-url', ENV.pypiUrl, file['pypi-url'], 'pypi-url');
    const uploadUrl = upload ? parseUrl(upload[0], 'the PyPI upload URL', upload[1]) : PYPI_UPLOAD_URL;
    const index = pick(flags.pypiIndexUrl, '--pypi-index-url', ENV.pypiIndexUrl, file['pypi-index-url'], 'pypi-index-url');
    const indexUrl = withTrailingSlash(index ? parseUrl(index[0], 'the PyPI index URL', index[1]) : defaultPypiIndexUrl(uploadUrl));
    const token = env[ENV.pypiToken];
    candidates.push({
      target: {
        id: 'pypi',
        kind: pypiKind,
        policy: 'best-effort',
        uploadUrl,
        indexUrl,
        credentials: token ? { username: '__token__', password: token, source: ENV.pypiToken } : undefined,
        credentialNames: ENV.pypiToken,
        where: new URL(uploadUrl).host,
      },
      // Without a token, Trusted Publishing may provide one (tried before uploading, see commands.ts).
      problems: token || oidcAvailable(env) ? [] : [`PyPI credentials missing: set ${ENV.pypiToken}`],
    });
  }
  return candidates;
}

/** Stands in for an unconfigured Gitea in a real run: never published to (the run stops first). */
function placeholder(): Target {
  return {
    id: 'gitea',
    kind: giteaKind,
    policy: 'required',
    uploadUrl: '',
    indexUrl: '',
    credentials: undefined,
    credentialNames: `${ENV.giteaUser} and ${ENV.giteaToken}`,
    where: 'not configured',
  };
}

function fromEntry(entry: TargetEntry, env: NodeJS.ProcessEnv, source: string): Candidate {
  const kind = entry.kind ?? kindForUrl(entry['upload-url']);
  // An empty user name is a value (Artifactory's tokens), not "not set".
  const username = entry.username ?? (entry['username-env'] ? env[entry['username-env']] : defaultUser(kind));
  const password = env[entry['password-env']];
  const names = [entry['username-env'], entry['password-env']].filter(Boolean).join(' and ');
  const problems: string[] = [];
  if (username === undefined || !password) problems.push(`${entry.name}: credentials missing: set ${names} (target '${entry.name}' in ${source})`);
  return {
    target: {
      id: entry.name,
      // "gitea" and "pypi" read as the defaults do; other targets are shown by their own name.
      ...(entry.name === 'gitea' || entry.name === 'pypi' ? {} : { label: entry.name }),
      kind: targetKind(kind),
      policy: entry.policy,
      uploadUrl: entry['upload-url'],
      indexUrl: withTrailingSlash(entry['index-url'] ?? indexFor(kind, entry['upload-url'], `target '${entry.name}' in ${source}`)),
      credentials: username !== undefined && password ? { username, password, source: names } : undefined,
      credentialNames: names,
      where: whereOf(entry['upload-url']),
    },
    problems,
  };
}

/** `twine upload -r NAME`: TWINE_REPOSITORY_URL, TWINE_USERNAME and TWINE_PASSWORD win over the section, as in twine. */
function fromPypirc(repo: PypircRepository, env: NodeJS.ProcessEnv): Candidate {
  const urlValue = env.TWINE_REPOSITORY_URL || repo.url;
  const uploadUrl = parseUrl(urlValue, 'the repository URL', env.TWINE_REPOSITORY_URL ? 'TWINE_REPOSITORY_URL' : repo.source);
  const kind = repo.kind ?? kindForUrl(uploadUrl);
  const fromEnvUser = env.TWINE_USERNAME;
  const fromEnvPassword = env.TWINE_PASSWORD;
  // twine 6+: the user name defaults to __token__ for PyPI and TestPyPI. `username =` (empty) in the
  // section is a value: what an Artifactory token takes.
  const username = fromEnvUser || (repo.username ?? defaultUser(kind));
  const password = fromEnvPassword || repo.password;
  const source = [fromEnvUser ? 'TWINE_USERNAME' : undefined, fromEnvPassword ? 'TWINE_PASSWORD' : repo.password ? repo.source : undefined]
    .filter(Boolean)
    .join(' and ');
  return {
    target: {
      id: repo.name,
      label: repo.name,
      kind: targetKind(kind),
      policy: 'required',
      uploadUrl,
      indexUrl: withTrailingSlash(repo.indexUrl ?? indexFor(kind, uploadUrl, repo.source)),
      credentials: username !== undefined && password ? { username, password, source: source || repo.source } : undefined,
      credentialNames: `TWINE_USERNAME/TWINE_PASSWORD or the username/password of ${repo.source}`,
      where: whereOf(uploadUrl),
    },
    problems:
      username !== undefined && password ? [] : [`credentials missing for ${repo.source}: set its username and password, or TWINE_USERNAME and TWINE_PASSWORD`],
  };
}

/** Credentials in clear text to a non-loopback host: allowed only when the user says so. */
export function insecureTargets(targets: readonly Target[]): Target[] {
  const clear = (url: string) => url.startsWith('http:') && !isLoopbackUrl(url);
  // The index gets the credentials too when it is on the upload host (see index-reader.ts).
  return targets.filter((t) => t.credentials !== undefined && (clear(t.uploadUrl) || (clear(t.indexUrl) && sameOrigin(t.indexUrl, t.uploadUrl))));
}
