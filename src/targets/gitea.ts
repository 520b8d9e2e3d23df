/**
 * Gitea's PyPI registry (read from go-gitea/gitea 1.22 `routers/api/packages/pypi/pypi.go`; see
 * ../shared/spec/gitea-pypi.md). Answers: 201 stored; 409 `package file already exists` for any
 * repeat of a file name in a version, identical or not (400 in Gitea ≤1.21); 401 for bad
 * credentials AND for missing permission (told apart by the body); 403 for quotas.
 */
import type { Artifact } from '../artifacts/artifact.js';
import { genericVerdict, headerValue, oneLine, type ServerAnswer, type TargetKind, type Verdict } from './target.js';

// Gitea 1.22's patterns, applied to the name after `.`/`_` -> `-` and to the version verbatim.
// Case-sensitive, as in Go's RE2 there: `1.0RC1` is refused.
const NAME = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9.\-_]*[a-zA-Z0-9])$/;
const VERSION =
  /^v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?(?:[-_.]?dev[-_.]?[0-9]*)?(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$/;

/** Gitea replaces every `.` and `_` with `-` (no collapsing of runs, unlike PEP 503). */
export function giteaName(name: string): string {
  return name.replace(/[._]/g, '-');
}

export const giteaKind: TargetKind = {
  label: 'Gitea',
  // Gitea ignores the field: not sent.
  attestations: false,

  indexProjectName: (name) => giteaName(name).toLowerCase(),

  refusals(artifacts: readonly Artifact[]) {
    const refused = new Map<string, string>();
    for (const a of artifacts) {
      if (!NAME.test(giteaName(a.name))) refused.set(a.filename, `Gitea refuses the project name '${a.name}' (invalid name or version)`);
      else if (!VERSION.test(a.version)) {
        refused.set(a.filename, `Gitea refuses the version '${a.version}' (its pattern is case-sensitive and stricter than PEP 440)`);
      }
    }
    return refused;
  },

  warnings: () => [],

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
    if (status === 409 || (status === 400 && /package file already exists/i.test(body))) return { kind: 'exists', message };
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
        return { kind: 'failed', message: `Gitea package quota exceeded: ${message}`, hint: 'ask the Gitea administrator to raise the package quota, or delete old versions' };
      }
      return { kind: 'failed', message };
    }
    if (status === 404) {
      return { kind: 'failed', message: `Gitea says not found (${message})`, hint: `check the owner in the upload URL ${context.uploadUrl}` };
    }
    return genericVerdict(answer, message) ?? { kind: 'failed', message };
  },
};
