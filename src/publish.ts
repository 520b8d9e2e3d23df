/**
 * The core's entry points: inspect a set of distributions, and publish it to a list of targets in
 * order (required first). No printing, no process exit: the result is a PublishReport, and problems
 * that stop a run before any request are MoleculeErrors with their exit code.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { inspectArtifact, type Artifact, type Inspection } from './artifacts/artifact.js';
import { discoverDistributions, type Discovery } from './artifacts/discover.js';
import { mapLimited } from './util/concurrency.js';
import { ExitCode, MoleculeError } from './errors.js';
import { baseReport, publishToTarget, unsent, type EngineDeps, type EngineEvent, type EngineOptions } from './upload/engine.js';
import type { FileInfo, PublishReport, TargetReport } from './report/model.js';
import type { Refusal, Target } from './targets/target.js';

/** Some files of the set cannot be published: nothing is sent. Carries every finding. */
export class InvalidArtifactsError extends MoleculeError {
  readonly inspections: Inspection[];
  constructor(inspections: Inspection[]) {
    const bad = inspections.filter((i) => i.errors.length > 0);
    super('invalid_artifact', ExitCode.invalidArtifact, bad.flatMap((i) => i.errors.map((e) => `${i.path}: ${e}`)).join('\n'), {
      hint: `${bad.length} of ${inspections.length} file(s) invalid; nothing was uploaded`,
    });
    this.inspections = inspections;
  }
}

export interface InspectedSet {
  discovery: Discovery;
  inspections: Inspection[];
}

/** Find and inspect every distribution. Inspection reads each file twice at most, in parallel. */
export async function inspectSet(paths: readonly string[], cwd = process.cwd(), options: { digest?: boolean } = {}): Promise<InspectedSet> {
  const discovery = await discoverDistributions(paths, cwd);
  // Reading a wheel's metadata is a few small reads: more in flight than cores keeps the disk busy.
  const inspections = await mapLimited(discovery.files, 8, (f) => inspectArtifact(f.path, { digest: options.digest === true }));
  return { discovery, inspections };
}

export interface PublishOptions {
  targets: Target[];
  dryRun: boolean;
  /** Configuration problems a dry run reports instead of failing on (see resolveTargets). */
  blockers?: string[];
  engine: EngineOptions;
}

export const defaultDeps: EngineDeps = {
  sleep: async (ms, signal) => {
    await delay(ms, undefined, signal ? { signal } : undefined).catch(() => undefined);
  },
  now: () => Date.now(),
  random: Math.random,
  emit: () => undefined,
};

export function fileInfo(inspection: Inspection & { artifact: Artifact }, extraWarnings: string[] = []): FileInfo {
  const a = inspection.artifact;
  const info: FileInfo = { filename: a.filename, path: a.path, name: a.name, version: a.version, filetype: a.filetype, size: a.size, warnings: [...inspection.warnings, ...extraWarnings] };
  if (a.sha256 !== undefined) info.sha256 = a.sha256;
  return info;
}

/** Refusals per target; a file the required target refuses stops the run (exit 3) before any request. */
export function planRefusals(targets: readonly Target[], artifacts: readonly Artifact[]): Map<string, Map<string, Refusal>> {
  const plan = new Map<string, Map<string, Refusal>>();
  const fatal: string[] = [];
  for (const target of targets) {
    const refusals = target.kind.refusals(artifacts);
    plan.set(target.id, refusals);
    if (target.policy === 'required') {
      for (const [file, refusal] of refusals) fatal.push(`${file}: ${refusal.reason}${refusal.fix ? ` (${refusal.fix})` : ''}`);
    }
  }
  if (fatal.length > 0) {
    throw new MoleculeError('unsupported_by_required_target', ExitCode.invalidArtifact, fatal.join('\n'), {
      hint: 'the required target would refuse these files; nothing was uploaded',
    });
  }
  return plan;
}

export async function publish(set: InspectedSet, options: PublishOptions, deps: Partial<EngineDeps> = {}): Promise<PublishReport> {
  const d: EngineDeps = { ...defaultDeps, ...deps };
  const started = d.now();
  if (set.inspections.some((i) => i.errors.length > 0 || !i.artifact)) throw new InvalidArtifactsError(set.inspections);
  const inspections = set.inspections as Array<Inspection & { artifact: Artifact }>;
  const artifacts = inspections.map((i) => i.artifact);
  const refusals = planRefusals(options.targets, artifacts);

  const targets: TargetReport[] = [];
  let requiredFailed = false;
  for (const target of options.targets) {
    const targetRefusals = refusals.get(target.id) ?? new Map<string, Refusal>();
    if (options.dryRun) {
      targets.push(dryRunReport(target, artifacts, targetRefusals, options.blockers ?? []));
      continue;
    }
    if (requiredFailed || options.engine.signal?.aborted) {
      const status = options.engine.signal?.aborted ? 'interrupted' : 'not_attempted';
      const detail = status === 'interrupted' ? 'interrupted' : 'not attempted because a required target failed';
      targets.push({
        ...baseReport(target),
        status,
        detail,
        files: artifacts.map((a) => ({ filename: a.filename, status, detail, attempts: 0, durationMs: 0 })),
        durationMs: 0,
      });
      continue;
    }
    const report = await publishToTarget(target, artifacts, targetRefusals, options.engine, d);
    targets.push(report);
    if (target.policy === 'required' && report.status !== 'success') requiredFailed = true;
  }

  // Built last: the sha256 of each file is known once it has been sent (or hashed for a dry run).
  const files = inspections.map((i) => fileInfo(i, options.targets.flatMap((t) => t.kind.warnings(i.artifact))));
  const requiredOk = targets.filter((t) => t.policy === 'required').every((t) => t.status === 'success' || t.status === 'dry_run');
  return { dryRun: options.dryRun, files, targets, exitCode: requiredOk ? ExitCode.ok : ExitCode.primaryFailed, durationMs: d.now() - started };
}

function dryRunReport(target: Target, artifacts: readonly Artifact[], refusals: ReadonlyMap<string, Refusal>, blockers: string[]): TargetReport {
  const files = target.credentials
    ? unsent(artifacts, refusals, 'would_upload')
    : unsent(artifacts, refusals, 'not_attempted', `${target.credentialNames} not set`);
  const report: TargetReport = {
    ...baseReport(target),
    status: target.credentials ? 'dry_run' : target.policy === 'required' ? 'dry_run' : 'skipped_no_token',
    files,
    durationMs: 0,
  };
  if (target.policy === 'required' && blockers.length > 0) {
    report.detail = `a real run would stop (exit 2): ${blockers.join('; ')}`;
  } else if (!target.credentials) {
    report.detail = `${target.credentialNames} not set: a real run would skip this target`;
  }
  return report;
}

export type { EngineEvent, EngineOptions };

