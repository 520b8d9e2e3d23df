/**
 * PyPI's legacy upload API (Warehouse `forklift/legacy.py`; see ../shared/spec/pypi-upload.md).
 * Answers: 200 stored, and 200 again for a byte-identical re-upload (nothing stored); 400 `File
 * already exists …` for a different file under a used name; 403 for any authentication problem.
 * The message travels in the reason phrase and in the body; we ask for JSON and read its `code`.
 */
import type { Artifact } from '../artifacts/artifact.js';
import { fileNameComponent } from '../artifacts/filename.js';
import { normalizeName } from '../artifacts/filename.js';
import { normalizeVersion, parseVersion } from '../artifacts/pep440.js';
import { genericVerdict, oneLine, type ServerAnswer, type TargetKind, type Verdict } from './target.js';

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

  indexProjectName: (name) => normalizeName(name),

  refusals(artifacts: readonly Artifact[]) {
    const refused = new Map<string, string>();
    const sdistsPerRelease = new Map<string, Artifact[]>();
    for (const a of artifacts) {
      const reason = pypiRefusal(a);
      if (reason) {
        refused.set(a.filename, reason);
        continue;
      }
      if (a.dist.kind === 'sdist') {
        const key = `${normalizeName(a.name)} ${normalizeVersion(a.version) ?? a.version}`;
        sdistsPerRelease.set(key, [...(sdistsPerRelease.get(key) ?? []), a]);
      }
    }
    for (const sdists of sdistsPerRelease.values()) {
      for (const extra of sdists.slice(1)) {
        refused.set(extra.filename, `PyPI allows one sdist per release (${sdists[0]?.filename} is already in this set)`);
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
    if (status === 409 || (status === 400 && /already exists?/i.test(message))) return { kind: 'exists', message };
    if (status === 403) {
      return {
        kind: 'failed',
        message,
        hint: `the token in ${context.credentialSource} is invalid, expired, or not scoped to this project`,
      };
    }
    if (status === 405) {
      return { kind: 'failed', message, hint: `${context.uploadUrl} does not take uploads: use https://upload.pypi.org/legacy/ (or TestPyPI's)` };
    }
    return genericVerdict(answer, message) ?? { kind: 'failed', message };
  },
};

/** What PyPI refuses by file name and version alone. */
function pypiRefusal(a: Artifact): string | undefined {
  const parsed = parseVersion(a.version);
  if (parsed?.local !== undefined) return `PyPI refuses local versions ('${a.version}')`;
  if (a.dist.kind === 'sdist') {
    if (a.dist.format === 'zip') return 'PyPI refuses .zip source distributions (PEP 527/625: use .tar.gz)';
    const expected = `${fileNameComponent(a.name)}-${normalizeVersion(a.version) ?? a.version}.tar.gz`;
    if (a.filename !== expected) return `PyPI refuses this sdist file name: it should be '${expected}' (PEP 625)`;
  } else {
    const expected = fileNameComponent(a.name);
    if (a.dist.namePart !== expected) {
      return `PyPI refuses this wheel file name: it should contain the normalized project name '${expected}', not '${a.dist.namePart}'`;
    }
  }
  return undefined;
}
