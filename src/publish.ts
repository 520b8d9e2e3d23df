/**
 * Plan → Report: publish to each target in order (required first). No printing, no process exit:
 * what happened is a PublishReport; only problems found before any request are MoleculeErrors
 * (see prepare.ts). A required target that fails leaves the ones after it `not_attempted`.
 */
import type { Artifact, Inspection } from './artifacts/artifact.js';
import { ExitCode } from './errors.js';
import type { FileInfo, FileResult, PublishReport, TargetReport } from './outcome/model.js';
import { defaultDeps, type Plan } from './prepare.js';
import { planAgainstIndex } from './upload/plan-view.js';
import { fileResult } from './upload/context.js';
import { linkPackages } from './upload/link.js';
import { baseReport, publishToTarget, unsent, type EngineDeps, type EngineEvent, type EngineOptions, type TargetPlan } from './upload/engine.js';

export function fileInfo(inspection: Inspection & { artifact: Artifact }, extraWarnings: string[] = [], sha256 = inspection.artifact.sha256): FileInfo {
  const a = inspection.artifact;
  const info: FileInfo = {
    filename: a.filename,
    path: inspection.path,
    name: a.name,
    version: a.version,
    filetype: a.filetype,
    size: a.size,
    warnings: [...inspection.warnings, ...extraWarnings],
  };
  if (sha256 !== undefined) info.sha256 = sha256;
  return info;
}

export async function publish(plan: Plan, deps: Partial<EngineDeps> = {}): Promise<PublishReport> {
  const d: EngineDeps = { ...defaultDeps, ...deps };
  const started = d.now();
  const { artifacts } = plan;
  const signal = plan.engine.signal;

  const targets: TargetReport[] = [];
  // What the run learns of each file's sha256 (the plan is not changed): shared by the targets.
  const digests = new Map<string, string>();
  let requiredFailed = false;
  for (const target of plan.targets) {
    if (plan.dryRun) {
      targets.push(await dryRunReport(target, artifacts, plan, d));
      continue;
    }
    if (requiredFailed || signal?.aborted) {
      // A target that never started is not_attempted, whatever stopped the run before it.
      const status = 'not_attempted';
      const detail = signal?.aborted ? 'not attempted: the run was interrupted before it started' : 'not attempted because a required target failed';
      targets.push({
        ...baseReport(target.target),
        status,
        detail,
        files: artifacts.map((a) => fileResult(a, status, { detail })),
        durationMs: 0,
      });
      continue;
    }
    const report = await publishToTarget(target, artifacts, plan.engine, d, digests);
    if (target.target.linkRepository && (report.status === 'success' || report.status === 'partial')) {
      const links = await linkPackages(target.target, report, artifacts, plan.engine);
      if (links.length > 0) report.links = links;
      // One warning per cause (a Gitea without the API answers every package alike), naming the packages.
      const failed = new Map<string, typeof links>();
      for (const link of links) {
        if (link.status !== 'failed') continue;
        const cause = `${link.repository} (${link.detail ?? 'failed'})${link.hint ? `; hint: ${link.hint}` : ''}`;
        failed.set(cause, [...(failed.get(cause) ?? []), link]);
      }
      for (const [cause, group] of failed) {
        d.emit({ type: 'warning', target: target.target.id, message: `could not link ${group.map((l) => l.package).join(', ')} to ${cause}` });
      }
    }
    targets.push(report);
    if (target.target.policy === 'required' && report.status !== 'success') requiredFailed = true;
  }

  // Built last: the sha256 of each file is known once it has been sent (or hashed for a dry run).
  const inspected = plan.inspections.filter((i): i is Inspection & { artifact: Artifact } => i.artifact !== undefined);
  const files = inspected.map((i) =>
    fileInfo(
      i,
      plan.targets.flatMap((t) => t.target.kind.warnings(i.artifact)),
      i.artifact.sha256 ?? digests.get(i.artifact.filename),
    ),
  );
  const requiredOk = targets.filter((t) => t.policy === 'required').every((t) => t.status === 'success' || t.status === 'dry_run');
  return { dryRun: plan.dryRun, files, targets, exitCode: requiredOk ? ExitCode.ok : ExitCode.primaryFailed, durationMs: d.now() - started };
}

/** What a real run would do at this target, with its index read (GET only) where it can be. */
async function dryRunReport(targetPlan: TargetPlan, artifacts: readonly Artifact[], plan: Plan, deps: EngineDeps): Promise<TargetReport> {
  const { target, refusals } = targetPlan;
  const blockers = plan.blockers;
  const seen = plan.offline ? { files: new Map<string, FileResult>() } : await planAgainstIndex(targetPlan, artifacts, plan.engine, deps);
  const files = (
    target.credentials ? unsent(artifacts, refusals, 'would_upload') : unsent(artifacts, refusals, 'not_attempted', `${target.credentialNames} not set`)
  ).map((r) => seen.files.get(r.filename) ?? r);
  const report: TargetReport = {
    ...baseReport(target),
    status: target.credentials ? 'dry_run' : target.policy === 'required' ? 'dry_run' : 'skipped_no_token',
    files,
    durationMs: 0,
  };
  const notes: string[] = [];
  if (target.policy === 'required' && blockers.length > 0) notes.push(`a real run would stop (exit 2): ${blockers.join('; ')}`);
  else if (!target.credentials) notes.push(`${target.credentialNames} not set: a real run would skip this target`);
  if (seen.unreadable) notes.push(`could not read its index (${seen.unreadable}): the plan assumes none of the files is there`);
  const conflicts = files.filter((f) => f.status === 'conflict').length;
  if (conflicts > 0) notes.push(`${conflicts} file(s) differ from what it already has under the same name: a real run would stop there`);
  if (notes.length > 0) report.detail = notes.join('; ');
  return report;
}

export type { EngineEvent, EngineOptions, Plan };
