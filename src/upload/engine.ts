/**
 * The upload engine for one target: files the target refuses are skipped, the rest go in the order
 * order.ts guarantees (attempt.ts sends each), uploads stop after the first failure of the target (a
 * best-effort target goes on past refusals of single files), and at the end
 * the index must list every file with our sha256 (index-view.ts). Everything that happens becomes a
 * FileResult, and the target's report is made from them.
 */
import type { Artifact } from '../artifacts/artifact.js';
import type { IndexLookup } from '../http/index-reader.js';
import { failedHttp, isFileOk, type FileResult, type TargetReport, type TargetStatus } from '../outcome/model.js';
import type { Refusal, Target } from '../targets/target.js';
import { limiter, mapLimited } from '../util/concurrency.js';
import { sanitizeUrl } from '../util/url.js';
import { publishFile } from './attempt.js';
import { fileResult, poolFor, type Context, type EngineDeps, type EngineOptions, type TargetPlan } from './context.js';
import { confirmAccepted, conflictResult, lookup } from './index-view.js';
import { runInOrder } from './order.js';

export { DEFAULT_RESPONSE_TIMEOUT_MS, type EngineDeps, type EngineEvent, type EngineOptions, type TargetPlan } from './context.js';

export function baseReport(target: Target): Omit<TargetReport, 'status' | 'files' | 'durationMs'> {
  return {
    id: target.id,
    label: target.label ?? target.kind.label,
    where: target.where,
    policy: target.policy,
    uploadUrl: sanitizeUrl(target.uploadUrl),
    indexUrl: sanitizeUrl(target.indexUrl),
    credentials: target.credentials ? 'present' : 'missing',
  };
}

/** A file this target refuses: never sent there, with the reason and the fix. */
export function skippedResult(artifact: Artifact, refusal: Refusal): FileResult {
  return fileResult(artifact, 'skipped_unsupported', { detail: refusal.reason, hint: refusal.fix });
}

/** Results for files a target does not send: the refused ones say why, the others get `status`. */
export function unsent(
  artifacts: readonly Artifact[],
  refusals: ReadonlyMap<string, Refusal>,
  status: 'not_attempted' | 'would_upload',
  detail?: string,
): FileResult[] {
  return artifacts.map((a) => {
    const refusal = refusals.get(a.filename);
    return refusal ? skippedResult(a, refusal) : fileResult(a, status, { detail });
  });
}

export async function publishToTarget(
  plan: TargetPlan,
  artifacts: readonly Artifact[],
  options: EngineOptions,
  deps: EngineDeps,
  /** The run's record of sha256 per file name, shared by its targets (see Context.digests). */
  digests: Map<string, string> = new Map(),
): Promise<TargetReport> {
  const { target, refusals } = plan;
  const started = deps.now();
  deps.emit({ type: 'target-start', target: target.id, files: artifacts.length });
  if (!target.credentials) {
    // Trusted Publishing tried and refused is a failure of this target; no token at all is a skip.
    const failure = target.credentialFailure;
    const status: TargetStatus = failure
      ? failure.status !== undefined && failure.status >= 300
        ? failedHttp(failure.status)
        : 'failed_network'
      : 'skipped_no_token';
    const detail = failure ? `Trusted Publishing failed: ${failure.detail}` : `${target.credentialNames} not set`;
    deps.emit({ type: 'target-done', target: target.id, status });
    return { ...baseReport(target), status, detail, files: unsent(artifacts, refusals, 'not_attempted', failure ? 'no upload token' : detail), durationMs: 0 };
  }

  const pool = poolFor(options);
  const ctx: Context = {
    target,
    artifacts,
    sendAttestations: plan.sendAttestations,
    pool,
    options,
    deps,
    index: new Map(),
    digests,
    references: plan.references ?? [],
    referencePages: new Map(),
  };
  const results = new Map<string, FileResult>();
  let stopped: FileResult | undefined;
  const slot = limiter(options.concurrency);

  const run = (artifact: Artifact) =>
    slot(async () => {
      // Stop starting uploads after the first failure of the target (see stopsTarget), like twine: the
      // rest would most likely fail the same way, and a re-run finishes a partial publish.
      if (stopped || options.signal?.aborted) {
        const interrupted = options.signal?.aborted === true;
        results.set(
          artifact.filename,
          fileResult(artifact, interrupted ? 'interrupted' : 'not_attempted', {
            detail: interrupted ? 'interrupted' : `stopped after ${stopped?.filename} failed`,
          }),
        );
        return;
      }
      const result = await publishFile(ctx, artifact);
      results.set(artifact.filename, result);
      deps.emit({ type: 'file-done', target: target.id, result });
      if (!isFileOk(result.status) && stopsTarget(target, result)) stopped ??= result;
    });

  try {
    const pending: Artifact[] = [];
    for (const artifact of artifacts) {
      const refusal = refusals.get(artifact.filename);
      if (refusal) results.set(artifact.filename, skippedResult(artifact, refusal));
      else pending.push(artifact);
    }
    // Every other project's page is read ahead, side by side (bounded like the uploads), so no upload
    // slot waits for its pre-check's round trip: as soon as the first project's page has been read
    // with the credentials (a 200 or a 404, not a refusal), while the first file uploads; else once
    // the first file has proven them.
    let readingAhead = false;
    const readAhead = () => {
      if (readingAhead || stopped || options.signal?.aborted) return;
      readingAhead = true;
      const projects = new Map(pending.map((a) => [target.kind.indexProjectName(a.name), a]));
      mapLimited([...projects.values()], options.concurrency, (a) => lookup(ctx, a, false)).catch(() => undefined);
    };
    const first = pending[0];
    if (first) {
      lookup(ctx, first, false).then(
        (page) => page.kind !== 'error' && readAhead(),
        () => undefined,
      );
    }
    // Each package's page is checked as soon as its files are done, while other packages still upload.
    const verifying = target.policy === 'required' || options.verify || target.kind.alwaysVerify === true;
    const confirmed: FileResult[] = [];
    const afterPackage = async (files: readonly Artifact[]) => {
      if (verifying && !stopped && !options.signal?.aborted) confirmed.push(...(await verifyListed(ctx, files, results)));
    };
    await runInOrder(pending, run, { afterFirst: readAhead, afterPackage });
    // A failure stops the run: what it did not reach is not confirmed (as before any failure).
    if (!stopped && !options.signal?.aborted) for (const result of confirmed) results.set(result.filename, result);
  } finally {
    pool.close();
  }
  const ordered = artifacts.map((a) => results.get(a.filename) ?? fileResult(a, 'not_attempted'));
  const bad = ordered.filter((r) => !isFileOk(r.status));
  const firstBad = bad[0];
  const skipped = ordered.filter((r) => r.status === 'skipped_unsupported');
  const landed = ordered.filter((r) => r.status === 'uploaded' || r.status === 'already_present').length;
  // A best-effort target that went on past refusals of single files has the rest: `partial`, never
  // `success` (which says the target has every file it was given).
  // A conflict (other bytes under a used name) stays the target's status: the worst state a release can end in.
  const refusedOnly = firstBad !== undefined && landed > 0 && bad.every((r) => r.status !== 'conflict' && !stopsTarget(target, r));
  const status: TargetStatus = firstBad
    ? refusedOnly
      ? 'partial'
      : targetStatusFor(firstBad)
    : skipped.length === 0
      ? 'success'
      : skipped.length === ordered.length
        ? 'skipped_unsupported'
        : 'partial';
  deps.emit({ type: 'target-done', target: target.id, status });
  const report: TargetReport = { ...baseReport(target), status, files: ordered, durationMs: deps.now() - started };
  const explained = firstBad ?? skipped[0];
  if (explained?.detail) {
    report.detail = refusedOnly
      ? `${bad.length} of ${ordered.length} file(s) refused by the server, ${landed} there${skipped.length > 0 ? `, ${skipped.length} refused by its rules` : ''}; first: ${explained.filename}: ${explained.detail}`
      : firstBad
        ? `${firstBad.filename}: ${firstBad.detail}`
        : `${skipped.length} file(s) refused by its rules, never sent; first: ${explained.filename}: ${explained.detail}`;
  }
  if (explained?.hint) report.hint = explained.hint;
  return report;
}

/** HTTP statuses a server gives about one file (its metadata or name: 400; its project's name: 409; its size: 413; 422). */
const FILE_SPECIFIC_STATUSES: ReadonlySet<number> = new Set([400, 409, 413, 422]);

/**
 * Whether a file's failure stops the target. A required target stops at any failure (its failure
 * fails the run; a re-run finishes it). A best-effort one goes on past a refusal of that one file (a
 * 4xx about it, other bytes already there under its name), which says nothing about the next file;
 * it stops at what is the target's: credentials (401/403/407), an outage (5xx or the network after
 * the retries), a redirect, a rate limit, an interruption.
 */
function stopsTarget(target: Target, result: FileResult): boolean {
  if (target.policy === 'required') return true;
  if (result.status === 'conflict') return false;
  return !(result.status.startsWith('failed_http_') && result.httpStatus !== undefined && FILE_SPECIFIC_STATUSES.has(result.httpStatus));
}

function targetStatusFor(result: FileResult): TargetStatus {
  switch (result.status) {
    case 'conflict':
    case 'failed_network':
    case 'interrupted':
    case 'missing_from_index':
      return result.status;
    case 'not_attempted':
      return 'failed_network';
    default:
      return result.status.startsWith('failed_http_') ? (result.status as TargetStatus) : 'failed_network';
  }
}

/**
 * How long a required target's index may lag behind its 2xx (a cache in front of Gitea, a database
 * replica behind its primary): a file it does not list yet is looked for again after each of these
 * waits, 3.5 s in all, before it counts as missing_from_index.
 */
export const INDEX_LAG_WAITS_MS: readonly number[] = [500, 1_000, 2_000];

/**
 * "Published" means a pip client can see it: every sent file in the index, with our sha256. Returns
 * the results that change (missing, or a conflict found late); the others stand as they are.
 */
async function verifyListed(ctx: Context, artifacts: readonly Artifact[], results: ReadonlyMap<string, FileResult>): Promise<FileResult[]> {
  const { options } = ctx;
  // A best-effort index (PyPI's CDN) gets the retry backoff, as many rounds as verifyAttempts.
  const waits =
    ctx.target.policy === 'required'
      ? INDEX_LAG_WAITS_MS
      : Array.from({ length: Math.max(1, options.verifyAttempts) - 1 }, (_, i) => Math.min(options.retryDelayMs * 2 ** i, options.maxRetryDelayMs));
  const rounds = waits.length + 1;
  let toConfirm = artifacts.filter((a) => {
    const status = results.get(a.filename)?.status;
    return status === 'uploaded' || status === 'already_present';
  });
  const conflicts: FileResult[] = [];
  let missing: FileResult[] = [];
  for (let round = 1; round <= rounds && toConfirm.length > 0; round++) {
    if (round > 1) await ctx.deps.sleep(waits[round - 2] ?? 0, options.signal);
    if (options.signal?.aborted) break;
    // One read of each project's page, side by side (a release of many projects is many pages): a fresh
    // one where this run uploaded something; where every file was already there (a re-run), the page the
    // pre-check read already lists them, and reading it again would only cost a round trip.
    const pages = new Map<string, IndexLookup>();
    const firstOfProject = new Map(toConfirm.map((a) => [ctx.target.kind.indexProjectName(a.name), a]));
    const changed = new Set(
      toConfirm.filter((a) => round > 1 || results.get(a.filename)?.status !== 'already_present').map((a) => ctx.target.kind.indexProjectName(a.name)),
    );
    await mapLimited([...firstOfProject], ctx.options.concurrency, async ([project, artifact]) => {
      pages.set(project, await lookup(ctx, artifact, changed.has(project)));
    });
    missing = [];
    const again: Artifact[] = [];
    for (const artifact of toConfirm) {
      const before = results.get(artifact.filename) as FileResult;
      const page = pages.get(ctx.target.kind.indexProjectName(artifact.name)) ?? { kind: 'error', message: 'not read' };
      const { outcome, state } = await confirmAccepted(ctx, artifact, page);
      if (state === 'same') continue;
      if (state === 'different') {
        conflicts.push(conflictResult(ctx, artifact, outcome, before.attempts, before.durationMs));
        continue;
      }
      const waited = rounds > 1 ? ` (looked ${rounds} times over ${waits.reduce((a, b) => a + b, 0) / 1000} s)` : '';
      const detail =
        outcome.kind === 'error'
          ? `could not confirm in the index: ${outcome.message}`
          : state === 'no-hash'
            ? 'the index lists the file without a sha256'
            : `accepted by the server but not listed in ${sanitizeUrl(ctx.target.indexUrl)}${waited}`;
      missing.push(fileResult(artifact, 'missing_from_index', { detail, attempts: before.attempts, durationMs: before.durationMs }));
      again.push(artifact);
    }
    // A lagging index (a cache, a replica, PyPI's CDN) gets another look at what it did not list yet.
    toConfirm = again;
  }
  return [...conflicts, ...missing];
}
