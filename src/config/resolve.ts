/**
 * Flags and environment -> the list of targets, validated once (zod) before anything else runs.
 * Credentials come only from the environment; their values are never shown, only their names.
 */
import { z } from 'zod';
import { UsageError } from '../errors.js';
import { giteaKind } from '../targets/gitea.js';
import { pypiKind } from '../targets/pypi.js';
import type { Target } from '../targets/target.js';
import { isLoopbackUrl, sameOrigin, sanitizeUrl, withTrailingSlash, withoutTrailingSlash } from '../util/url.js';

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
}

const httpUrl = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== '';
      } catch {
        return false;
      }
    }, `${what} must be an http(s) URL`);

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
}

export interface ResolvedTargets {
  targets: Target[];
  /** Problems that stop a real run but not a dry run (missing Gitea credentials or URL). */
  blockers: string[];
}

function parseUrl(value: string, what: string, source: string): string {
  const result = httpUrl(what).safeParse(value);
  if (!result.success) {
    throw new UsageError(`${source}: ${result.error.issues[0]?.message ?? `invalid ${what}`} (got '${sanitizeUrl(value)}')`, { code: 'config' });
  }
  const url = new URL(result.data);
  if (url.username || url.password) {
    throw new UsageError(`${source}: credentials in the URL are not accepted; use ${ENV.giteaUser}/${ENV.giteaToken} or ${ENV.pypiToken}`, { code: 'config' });
  }
  return result.data;
}

export function resolveTargets(flags: TargetFlags, env: NodeJS.ProcessEnv, options: ResolveOptions): ResolvedTargets {
  const blockers: string[] = [];
  const targets: Target[] = [];
  const pick = (flag: string | undefined, flagName: string, envName: string): [string, string] | undefined => {
    if (flag !== undefined && flag !== '') return [flag, flagName];
    const value = env[envName];
    return value !== undefined && value !== '' ? [value, envName] : undefined;
  };

  // --- Gitea (required) -------------------------------------------------------------------
  let giteaUpload: string | undefined;
  const repository = pick(flags.giteaRepositoryUrl, '--gitea-repository-url', ENV.giteaRepositoryUrl);
  if (repository) {
    giteaUpload = withoutTrailingSlash(parseUrl(repository[0], 'the Gitea repository URL', repository[1]));
  } else {
    // Inside Gitea/GitHub Actions the server and owner of the running job are the defaults.
    const base = pick(flags.giteaUrl, '--gitea-url', ENV.giteaUrl) ?? pick(undefined, '', 'GITHUB_SERVER_URL');
    const owner = pick(flags.giteaOwner, '--gitea-owner', ENV.giteaOwner) ?? pick(undefined, '', 'GITHUB_REPOSITORY_OWNER');
    if (base && owner) {
      const baseUrl = withoutTrailingSlash(parseUrl(base[0], 'the Gitea URL', base[1] || 'GITHUB_SERVER_URL'));
      if (!/^[A-Za-z0-9._-]+$/.test(owner[0])) {
        throw new UsageError(`${owner[1] || 'GITHUB_REPOSITORY_OWNER'}: '${owner[0]}' is not a valid Gitea owner name`, { code: 'config' });
      }
      giteaUpload = `${baseUrl}/api/packages/${owner[0]}/pypi`;
    } else {
      blockers.push(
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
    blockers.push(message);
  }
  if (!giteaUpload && options.dryRun) {
    // A dry run still shows the required target, so the plan says what is missing.
    targets.push({
      id: 'gitea',
      kind: giteaKind,
      policy: 'required',
      uploadUrl: '(not configured)',
      indexUrl: '(not configured)',
      credentials: undefined,
      credentialNames: giteaCredentialNames,
      where: '(not configured)',
    });
  }
  if (giteaUpload) {
    const url = new URL(giteaUpload);
    targets.push({
      id: 'gitea',
      kind: giteaKind,
      policy: 'required',
      uploadUrl: giteaUpload,
      indexUrl: `${giteaUpload}/simple/`,
      credentials: giteaUser && giteaToken ? { username: giteaUser, password: giteaToken, source: giteaCredentialNames } : undefined,
      credentialNames: giteaCredentialNames,
      where: `${url.host} (${/\/api\/packages\/([^/]+)\/pypi$/.exec(url.pathname)?.[1] ?? url.pathname})`,
    });
  }

  // --- PyPI (best-effort) -----------------------------------------------------------------
  if (flags.pypi !== false) {
    const upload = pick(flags.pypiUrl, '--pypi-url', ENV.pypiUrl);
    const uploadUrl = upload ? parseUrl(upload[0], 'the PyPI upload URL', upload[1]) : PYPI_UPLOAD_URL;
    const index = pick(flags.pypiIndexUrl, '--pypi-index-url', ENV.pypiIndexUrl);
    const indexUrl = withTrailingSlash(index ? parseUrl(index[0], 'the PyPI index URL', index[1]) : defaultPypiIndexUrl(uploadUrl));
    const token = env[ENV.pypiToken];
    targets.push({
      id: 'pypi',
      kind: pypiKind,
      policy: 'best-effort',
      uploadUrl,
      indexUrl,
      credentials: token ? { username: '__token__', password: token, source: ENV.pypiToken } : undefined,
      credentialNames: ENV.pypiToken,
      where: new URL(uploadUrl).host,
    });
  }

  if (!options.dryRun && blockers.length > 0) {
    throw new UsageError(blockers.join('\n'), { code: blockers.some((b) => b.startsWith('Gitea credentials')) ? 'missing_credentials' : 'config' });
  }
  return { targets, blockers };
}

/** Credentials in clear text to a non-loopback host: allowed only when the user says so. */
export function insecureTargets(targets: readonly Target[]): Target[] {
  const clear = (url: string) => url.startsWith('http:') && !isLoopbackUrl(url);
  // The index gets the credentials too when it is on the upload host (see index-reader.ts).
  return targets.filter((t) => t.credentials !== undefined && (clear(t.uploadUrl) || (clear(t.indexUrl) && sameOrigin(t.indexUrl, t.uploadUrl))));
}
