/**
 * PyPI's legacy upload API (Warehouse `forklift/legacy.py`; see ../shared/spec/pypi-upload.md).
 * Answers: 200 stored, and 200 again for a byte-identical re-upload (nothing stored); 400 `File
 * already exists …` for a different file under a used name; 403 for any authentication problem.
 * The message travels in the reason phrase and in the body; we ask for JSON and read its `code`.
 */
import type { Artifact } from '../artifacts/artifact.js';
import { fileNameComponent } from '../artifacts/filename.js';
import { normalizeName, safeName } from '../artifacts/filename.js';
import { normalizeVersion, parseVersion } from '../artifacts/pep440.js';
import { validPlatformTag } from '../warehouse/platform-tags.js';
import { genericVerdict, headerValue, oneLine, type Refusal, type ServerAnswer, type TargetKind, type Verdict } from './target.js';

export const PYPI_DEFAULT_SIZE_LIMIT = 100 * 1024 * 1024;

/** The message of a Warehouse error body: JSON `code` ("400 File already exists …"), else the text. */
export function warehouseMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { code?: unknown; message?: unknown };
    if (typeof parsed.code === 'string') return parsed.code.replace(/^\d{3}\s+/, '').trim();
  } catch {
    // not JSON: HTML or plain text
  }
  const title = /<title>([\s\S]*?)<\/title>/i.exec(body)?.[1];
  const text = oneLine(title ?? body);
  return text.replace(/^\d{3}\s+/, '');
}

export const pypiKind: TargetKind = {
  label: 'PyPI',
  attestations: true,
  // #19727 (2026-07): "Uploading new files to releases older than 14 days is not allowed." (400), checked
  // after the duplicate check (#20260), so an identical re-upload still succeeds.
  newFilesWithinDays: 14,

  // twine's safe name; Warehouse canonicalises it (PEP 503), as its simple index does.
  formName: safeName,
  indexProjectName: (name) => normalizeName(name),

  refusals(artifacts: readonly Artifact[]) {
    const refused = new Map<string, Refusal>();
    const sdistsPerRelease = new Map<string, Artifact[]>();
    for (const a of artifacts) {
      const reasons = pypiRefusals(a);
      if (reasons.length > 0) {
        refused.set(a.filename, combine(reasons));
        continue;
      }
      if (a.dist.kind === 'sdist') {
        const key = `${normalizeName(a.name)} ${normalizeVersion(a.version) ?? a.version}`;
        sdistsPerRelease.set(key, [...(sdistsPerRelease.get(key) ?? []), a]);
      }
    }
    for (const sdists of sdistsPerRelease.values()) {
      for (const extra of sdists.slice(1)) {
        refused.set(extra.filename, {
          reason: `PyPI allows one sdist per release (${sdists[0]?.filename} is already in this set)`,
          fix: 'keep one .tar.gz sdist per version',
        });
      }
    }
    return refused;
  },

  warnings(artifact) {
    return artifact.size > PYPI_DEFAULT_SIZE_LIMIT
      ? [`${artifact.filename} is over PyPI's default 100 MiB limit: it uploads only if the project's limit was raised`]
      : [];
  },

  readAnswer(answer: ServerAnswer, context): Verdict {
    const { status } = answer;
    if (status === 200 || status === 201) return { kind: 'uploaded' };
    const message = warehouseMessage(answer.body) || `HTTP ${status}`;
    // Warehouse's 409 is about the project's NAME (forklift/legacy.py, project creation: "The name 'x'
    // conflicts with an existing project."); a used file name is a 400 "File already exists". Other
    // servers of this kind (pypiserver, devpi) answer a duplicate file with 409.
    if (status === 409 && /conflicts with an existing project/i.test(message)) {
      return {
        kind: 'failed',
        message,
        hint: 'PyPI already has a project whose name is the same once normalised (case, "-", "_", "."): rename the project, or ask for the name (https://pypi.org/help/#project-name)',
      };
    }
    if (status === 409 || (status === 400 && /already exists?/i.test(message))) return { kind: 'exists', message };
    if (status === 403) return { kind: 'failed', message, hint: forbiddenHint(message, context.credentialSource) };
    // forklift/legacy.py: a Trusted Publishing identity cannot create a project, except through a
    // pending publisher whose name matches the metadata's (the project is made when the token is minted).
    if (status === 400 && /Non-user identities cannot create new projects/i.test(message)) {
      return {
        kind: 'failed',
        message,
        hint: 'PyPI has no project of this name, and Trusted Publishing cannot create one: register a pending publisher for exactly this name (https://docs.pypi.org/trusted-publishers/creating-a-project-through-oidc/), or publish the first release with an API token',
      };
    }
    if (status === 429 && headerValue(answer.headers, 'retry-after') === undefined) {
      // Warehouse's only upload 429 is its new-project rate limit (20 per hour per user, 40 per IP),
      // sent without Retry-After: a retry within this run cannot succeed.
      return { kind: 'failed', message, hint: 'PyPI limits how many new projects one account or address creates per hour: publish again in an hour' };
    }
    if (status === 405) {
      return { kind: 'failed', message, hint: `${context.uploadUrl} does not take uploads: use https://upload.pypi.org/legacy/ (or TestPyPI's)` };
    }
    return genericVerdict(answer, message) ?? { kind: 'failed', message };
  },
};

// Warehouse answers 403 for many causes (forklift/legacy.py, accounts/security_policy.py,
// macaroons/caveats): the hint follows its message.
const FORBIDDEN_HINTS: ReadonlyArray<readonly [RegExp, (source: string) => string]> = [
  [/Username\/Password authentication is no longer supported/i, (s) => `PyPI takes API tokens only: put a token (pypi-…) in ${s}; the user name is __token__`],
  [/Invalid or non-existent authentication/i, (s) => `the token in ${s} is not a valid PyPI token (mistyped, revoked, or for TestPyPI)`],
  [/token is expired/i, (s) => `the token in ${s} has expired: create a new one, or use Trusted Publishing`],
  [/project-scoped token is not valid for project/i, (s) => `the token in ${s} is scoped to another project: create one for this project`],
  [
    // macaroons/caveats OIDCPublisher: a minted token uploads only to its publisher's project(s).
    /OIDC scoped token is not valid for project/i,
    () =>
      'the Trusted Publishing token is scoped to the project(s) its publisher is registered for, and this is another one: add this workflow as a Trusted Publisher of this project on PyPI (one per project), or publish it with an API token',
  ],
  [/given token isn't allowed to upload/i, () => "the Trusted Publisher is not configured for this project: check the project's publishing settings on PyPI"],
  [/does not match user restriction/i, (s) => `the token in ${s} belongs to another user`],
  [
    /isn't allowed to upload to project/i,
    () => "the token's user is not an owner or maintainer of this project on PyPI (or the name is someone else's): ask an owner to add you",
  ],
  [/verified primary email/i, () => "verify the primary e-mail address of the token's PyPI account, then publish again"],
  [/two-factor authentication/i, () => "enable two-factor authentication on the token's PyPI account, then publish again"],
  [
    /Read-only mode|temporarily disabled/i,
    () => 'PyPI is not taking uploads right now (maintenance or an incident): see https://status.python.org and publish again later',
  ],
];

function forbiddenHint(message: string, source: string): string {
  const found = FORBIDDEN_HINTS.find(([pattern]) => pattern.test(message));
  return found ? found[1](source) : `PyPI refused the upload: check the token in ${source} and its scope`;
}

/** Several reasons for one file: all of them, in one line; the first fix. */
function combine(reasons: readonly Refusal[]): Refusal {
  const reason = reasons.map((r) => r.reason).join('; ');
  const fix = reasons.find((r) => r.fix !== undefined)?.fix;
  return fix === undefined ? { reason } : { reason, fix };
}

/**
 * What Warehouse refuses in this file (forklift/legacy.py file_upload; spec pypi-upload.md §1.3):
 * by version, file name, platform tags and archive, plus the metadata rules found at inspection.
 */
function pypiRefusals(a: Artifact): Refusal[] {
  const out: Refusal[] = [...a.pypiMetadataRefusals];
  const parsed = parseVersion(a.version);
  if (parsed?.local !== undefined) {
    out.push({ reason: `PyPI refuses local versions ('${a.version}')`, fix: "drop the '+local' part of the version for PyPI releases" });
  }
  if (a.dist.kind === 'sdist') {
    if (a.dist.format === 'zip') {
      out.push({ reason: 'PyPI refuses .zip source distributions (PEP 527/625)', fix: 'build the sdist as .tar.gz (python -m build --sdist)' });
    } else {
      const expected = `${fileNameComponent(a.name)}-${normalizeVersion(a.version) ?? a.version}.tar.gz`;
      if (a.filename !== expected) {
        out.push({
          reason: `PyPI refuses this sdist file name: it should be '${expected}' (PEP 625)`,
          fix: 'build with setuptools 69.3+, hatchling or flit, which name sdists per PEP 625',
        });
      }
    }
  } else {
    const expected = fileNameComponent(a.name);
    if (a.dist.namePart !== expected) {
      out.push({ reason: `PyPI refuses this wheel file name: it should contain the normalized project name '${expected}', not '${a.dist.namePart}'` });
    }
    const bad = a.dist.platformTags.filter((tag) => !pypiPlatformTag(tag));
    if (bad.length > 0) {
      out.push({
        reason: `PyPI refuses the platform tag${bad.length > 1 ? 's' : ''} ${bad.map((t) => `'${t}'`).join(', ')} (unsupported platform tag)`,
        fix: platformFix(bad),
      });
    }
    const wheel = a.zip?.wheelFileAsNamed;
    if (wheel && !wheel.present) {
      out.push({
        reason: `PyPI refuses a wheel without ${wheel.path} (the .dist-info folder must be spelled as in the file name)`,
        fix: 'rebuild the wheel with a current build backend',
      });
    }
  }
  // warehouse/utils/zipfiles.py (shared with the PyPI double: src/warehouse/zip-framing.ts).
  if (a.zip?.framing) {
    out.push({
      reason: `ZIP archive not accepted: ${a.zip.framing} (PyPI requires the local headers and the central directory to agree)`,
      fix:
        a.zip.framing === 'ZIP contains a data descriptor'
          ? 'rebuild the archive with a tool that writes sizes in the local headers (python -m build, wheel pack; not a zip written to a pipe)'
          : 'rebuild the archive with python -m build',
    });
  }
  const methods = a.zip?.otherCompressionMethods ?? [];
  if (methods.length > 0) {
    out.push({
      reason: `PyPI refuses zip members compressed with method ${methods.join(', ')} (File does not use a supported compression type: only stored and deflate)`,
      fix: 'rebuild the archive with deflate compression',
    });
  }
  return out;
}

/** What to do about refused platform tags, by kind. */
function platformFix(tags: readonly string[]): string {
  const macMinor = (t: string) => /^macosx_(\d+)_(\d+)_/.exec(t);
  if (tags.some((t) => Number(macMinor(t)?.[1]) >= 11 && macMinor(t)?.[2] !== '0')) {
    // #18959: macOS 11+ wheels name the major version only (pip generates no other tags for them).
    return 'tag macOS 11+ wheels with minor version 0 (MACOSX_DEPLOYMENT_TARGET=14.0 gives macosx_14_0_arm64); pip never asks for macosx_14_2';
  }
  if (tags.some((t) => t.startsWith('linux_'))) return 'repair Linux wheels with auditwheel to a manylinux/musllinux tag; PyPI takes no plain linux_* wheels';
  return 'build for a platform PyPI lists (see warehouse/forklift/legacy.py _valid_platform_tag)';
}

/** Warehouse's `_valid_platform_tag` (shared with the PyPI double: src/warehouse/platform-tags.ts), on packaging's lowercased tag. */
export function pypiPlatformTag(tag: string): boolean {
  return validPlatformTag(tag.toLowerCase());
}
