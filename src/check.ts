/**
 * `check` as values: each distribution read and checked as twine check does, and weighed against the
 * default targets' rules (Gitea required, PyPI best-effort). A file fails when it has errors or the
 * required target refuses it; what only a best-effort target refuses fails only `strict`, as warnings do.
 */
import type { Inspection } from './artifacts/artifact.js';
import { inspectSet } from './artifacts/inspect-set.js';
import { giteaKind } from './targets/gitea.js';
import { pypiKind } from './targets/pypi.js';
import type { Policy, Refusal } from './targets/target.js';

export interface FileCheck {
  path: string;
  filename: string;
  /** What no target can use: the file fails. */
  errors: string[];
  warnings: string[];
  /** Which targets would refuse it, and why. */
  refusedBy: Array<{ target: string; policy: Policy; refusal: Refusal }>;
  verdict: 'PASSED' | 'PASSED with warnings' | 'PASSED, refused by a best-effort target' | 'FAILED' | 'FAILED due to warnings';
}

export interface CheckReport {
  files: FileCheck[];
  /** Directory entries that are not distributions (left out). */
  ignored: string[];
  passed: number;
  failed: number;
}

const CHECK_TARGETS = [
  { kind: giteaKind, policy: 'required' },
  { kind: pypiKind, policy: 'best-effort' },
] as const;

export async function check(
  paths: readonly string[],
  options: { cwd?: string; strict?: boolean /** Told how many files were found, before any is read. */; onDiscovered?: (files: number) => void } = {},
): Promise<CheckReport> {
  // Nothing is sent: each file's metadata is dropped once it is checked (peak memory flat in the number of files).
  const { inspections, discovery } = await inspectSet(paths, options.cwd ?? process.cwd(), {
    keepMetadata: false,
    ...(options.onDiscovered ? { onDiscovered: options.onDiscovered } : {}),
  });
  const artifacts = inspections.flatMap((i) => (i.errors.length === 0 && i.artifact ? [i.artifact] : []));
  const refusals = CHECK_TARGETS.map((t) => ({ ...t, refused: t.kind.refusals(artifacts) }));
  const files = inspections.map((i): FileCheck => {
    const refusedBy = refusals.flatMap((t) => {
      const refusal = t.refused.get(i.filename);
      return refusal ? [{ target: t.kind.label, policy: t.policy, refusal }] : [];
    });
    return { path: i.path, filename: i.filename, errors: i.errors, warnings: i.warnings, refusedBy, verdict: verdictOf(i, refusedBy, options.strict === true) };
  });
  const failed = files.filter((f) => f.verdict.startsWith('FAILED')).length;
  return { files, ignored: discovery.ignored, passed: files.length - failed, failed };
}

function verdictOf(i: Inspection, refusedBy: FileCheck['refusedBy'], strict: boolean): FileCheck['verdict'] {
  if (i.errors.length > 0 || refusedBy.some((r) => r.policy === 'required')) return 'FAILED';
  if (i.warnings.length === 0 && refusedBy.length === 0) return 'PASSED';
  if (strict) return 'FAILED due to warnings';
  return refusedBy.length > 0 ? 'PASSED, refused by a best-effort target' : 'PASSED with warnings';
}
