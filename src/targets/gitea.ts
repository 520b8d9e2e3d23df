/**
 * Gitea's PyPI registry (read from go-gitea/gitea 1.22 `routers/api/packages/pypi/pypi.go`; see
 * ../shared/spec/gitea-pypi.md §3a for the versions in the field, 1.17 to 1.22 and Forgejo). Answers:
 * 201 stored; 409 `package file already exists` for any repeat of a file name in a version, identical
 * or not (400 in Gitea ≤1.21); 401 for bad credentials AND for missing permission (told apart by the
 * body); 403 for quotas (Forgejo: 413). The simple index writes `#sha256-HEX` up to 1.21.
 */
import type { Artifact } from '../artifacts/artifact.js';
import { genericVerdict, headerValue, oneLine, type Refusal, type ServerAnswer, type TargetKind, type Verdict } from './target.js';

// Gitea 1.22's patterns, applied to the name after `.`/`_` -> `-` and to the version verbatim.
// Case-sensitive, as in Go's RE2 there: `1.0RC1` is refused.
const NAME = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9.\-_]*[a-zA-Z0-9])$/;
const VERSION =
  /^v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?(?:[-_.]?dev[-_.]?[0-9]*)?(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$/;

/**
 * The name we send to Gitea, and so the key it stores. Gitea keys the form's `name` with every `.`
 * and `_` replaced by `-`, case kept and runs NOT collapsed (routers/api/packages/pypi/pypi.go
 * UploadPackageFile, `normalizer.Replace`), and applies the same replacement to `/simple/{name}`.
 * pip asks for the PEP 503 name (runs collapsed), so a name sent as `demo__pkg` (stored `demo--pkg`)
 * could never be installed, and twine's safe name still keeps `a._b` as `a.-b` (stored `a--b`).
 * Sending runs of separators as one `-` makes Gitea's key, pip's look-up and ours the same string,
 * up to case (Gitea matches names case-insensitively).
 */
export function giteaName(name: string): string {
  return name.replace(/[-_.]+/g, '-');
}

/** `https://host[/sub]/api/packages/{owner}/pypi` → the management API's files of one version. */
export function giteaFileListUrl(uploadUrl: string, name: string, version: string): string | undefined {
  const match = /^(.*)\/api\/packages\/([^/]+)\/pypi\/?$/.exec(uploadUrl);
  if (!match) return undefined;
  const [, base, owner] = match;
  return `${base}/api/v1/packages/${owner}/pypi/${encodeURIComponent(name)}/${encodeURIComponent(version)}/files`;
}

/**
 * `https://host[/sub]/api/packages/{owner}/pypi` → Gitea 1.24's link of a package to a repository of the
 * same owner (routers/api/v1/packages/package.go LinkPackage): the repository is named without its owner.
 */
export function giteaPackageLinkUrl(uploadUrl: string, name: string, repository: string): string | undefined {
  const match = /^(.*)\/api\/packages\/([^/]+)\/pypi\/?$/.exec(uploadUrl);
  const [repoOwner, repoName, ...rest] = repository.split('/');
  if (!match || !repoOwner || !repoName || rest.length > 0) return undefined;
  const [, base, owner = ''] = match;
  // LinkToRepository: the package's owner must own the repository.
  if (repoOwner.toLowerCase() !== owner.toLowerCase()) return undefined;
  return `${base}/api/v1/packages/${owner}/pypi/${encodeURIComponent(giteaName(name).toLowerCase())}/-/link/${encodeURIComponent(repoName)}`;
}

export const giteaKind: TargetKind = {
  label: 'Gitea',
  // Gitea ignores the field: not sent.
  attestations: false,

  formName: giteaName,
  indexProjectName: (name) => giteaName(name).toLowerCase(),
  // The management API matches the stored (hyphenated) name and the version case-insensitively.
  fileListUrl: (uploadUrl, name, version) => giteaFileListUrl(uploadUrl, giteaName(name).toLowerCase(), version),
  packageLinkUrl: giteaPackageLinkUrl,

  refusals(artifacts: readonly Artifact[]) {
    const refused = new Map<string, Refusal>();
    for (const a of artifacts) {
      if (!NAME.test(giteaName(a.name))) refused.set(a.filename, { reason: `Gitea refuses the project name '${a.name}' (invalid name or version)` });
      else if (!VERSION.test(a.version)) {
        refused.set(a.filename, {
          reason: `Gitea refuses the version '${a.version}' (its pattern is case-sensitive and stricter than PEP 440)`,
          fix: 'write the version in its normalised PEP 440 form (lower case, e.g. 1.0rc1)',
        });
      }
    }
    return refused;
  },

  warnings: () => [],

  // Gitea answers 401 to any request with wrong credentials, its simple index included (#25701, 1.20).
  authHint: (source) => `check ${source}: the user name, and that the token exists and has not expired`,

  readAnswer(answer: ServerAnswer, context): Verdict {
    const { status } = answer;
    const body = oneLine(answer.body);
    if (status === 201 || (status === 200 && body === '')) return { kind: 'uploaded' };
    const message = body || `HTTP ${status}`;
    if (status === 200) {
      // Gitea answers 201 with an empty body: a 200 page comes from something else (a proxy, a login page).
      return {
        kind: 'failed',
        message: `unexpected HTTP 200 with a page (${message}): not Gitea's answer to an upload, so nothing was stored`,
        hint: `check that ${context.uploadUrl} reaches Gitea's package API and not a proxy or login page`,
      };
    }
    // A repeated file name: 409 since 1.22 (go-gitea/gitea#27480) and in Forgejo; 400 before, with the
    // text `package file already exists` in 1.19–1.21 and `Package file does exist already` in 1.17–1.18
    // (models/packages/package_file.go ErrDuplicatePackageFile, reworded by #22268).
    if (status === 409 || (status === 400 && /package file (already exists|does exist already)/i.test(body))) return { kind: 'exists', message };
    if (status === 401) {
      const permission = /reqPackageAccess/.test(body) || headerValue(answer.headers, 'www-authenticate') !== undefined;
      if (permission) {
        return {
          kind: 'failed',
          message: `Gitea refused write access to the package registry (${message})`,
          hint:
            'the token needs the write:package scope AND its user must own the package owner, or be in a team of the owner ' +
            'organisation with write access to Packages (the scope alone is not enough)',
        };
      }
      return {
        kind: 'failed',
        message: `Gitea rejected the credentials (${message})`,
        hint: `check ${context.credentialSource}: the user name, and that the token exists and has not expired`,
      };
    }
    if (status === 403) {
      if (/reqToken/.test(body)) {
        return {
          kind: 'failed',
          message: `Gitea refused the token for this owner (${message})`,
          hint: 'the token is limited to public resources but the owner is private: create a token without that limit',
        };
      }
      if (/maximum allowed/i.test(body)) {
        return {
          kind: 'failed',
          message: `Gitea package quota exceeded: ${message}`,
          hint: 'ask the Gitea administrator to raise the package quota, or delete old versions',
        };
      }
      return { kind: 'failed', message };
    }
    if (status === 413 && /quota/i.test(body)) {
      // Forgejo (9.0+) answers its package quota with 413 and the body `enforcePackagesQuota`
      // (routers/api/packages/api.go); a proxy's 413 (nginx client_max_body_size) is about size.
      return {
        kind: 'failed',
        message: `Forgejo package quota exceeded: ${message}`,
        hint: "the owner's package quota is used up: ask the administrator to raise it, or delete old versions",
      };
    }
    if (status === 404) {
      return { kind: 'failed', message: `Gitea says not found (${message})`, hint: `check the owner in the upload URL ${context.uploadUrl}` };
    }
    return genericVerdict(answer, message) ?? { kind: 'failed', message };
  },
};
