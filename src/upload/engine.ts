/**
 * The upload engine for one target: check the index, upload what is missing (retrying what can be
 * retried), read "already exists" answers against the index, and confirm at the end that the index
 * lists every file with the right sha256. Everything that happens becomes a FileResult.
 */
import type { Dispatcher } from 'undici';
import type { Artifact } from '../artifacts/artifact.js';
import type { Refusal, Target, Verdict } from '../targets/target.js';
import { failedHttp, isFileOk, type FileResult, type TargetReport, type TargetStatus } from '../outcome/model.js';
import { buildUploadForm } from './form.js';
import { RENEW_MARGIN_MS } from '../targets/trusted-publishing.js';
import { mapLimited } from '../util/concurrency.js';
import { ensureSha256 } from '../artifacts/artifact.js';
import { normalizeName } from '../artifacts/filename.js';
import { versionKey } from '../artifacts/pep440.js';
import { readFileList, readIndex, type IndexLookup } from '../http/index-reader.js';
import { createDispatcher, sendUpload, type HttpOptions } from '../http/send.js';
import { sanitizeUrl } from '../util/url.js';

/** The default wait for an upload's answer once its body is sent (see EngineOptions.responseTimeoutMs). */
export const DEFAULT_RESPONSE_TIMEOUT_MS = 10 * 60 * 1000;

export interface EngineOptions {
  /** Uploads in flight at once per target (after the first, which goes alone). */
  concurrency: number;
  retries: number;
  /** First retry delay; doubles each time, with jitter. */
  retryDelayMs: number;
  /** Cap on any single wait, Retry-After included. */
  maxRetryDelayMs: number;
  /** Bounds connecting, and any stall while sending a body or reading an answer. */
  timeoutMs: number;
  /**
   * How long to wait for the answer once an upload's body is sent: Warehouse scans and stores a big
   * file before it answers (uv waits up to 15 minutes), so this is apart from, and longer than, timeoutMs.
   */
  responseTimeoutMs?: number;
  /** Confirm files in the index after uploading (always done for required targets). */
  verify: boolean;
  /** How long a best-effort index may lag before a file counts as missing (PyPI's CDN). */
  verifyAttempts: number;
  signal?: AbortSignal;
  http?: Partial<HttpOptions>;
}

export type EngineEvent =
  | { type: 'target-start'; target: string; files: number }
  | { type: 'file-start'; target: string; filename: string; size: number; attempt: number }
  | { type: 'progress'; target: string; filename: string; sent: number; total: number }
  | { type: 'file-done'; target: string; result: FileResult }
  | { type: 'retry'; target: string; filename: string; attempt: number; delayMs: number; reason: string }
  | { type: 'index'; target: string; project: string; outcome: string }
  | { type: 'target-done'; target: string; status: TargetStatus };

/** One target as the engine publishes to it: the target, what it refuses of this set, and whether it gets attestations. */
export interface TargetPlan {
  readonly target: Target;
  readonly refusals: ReadonlyMap<string, Refusal>;
  readonly sendAttestations: boolean;
}

export interface EngineDeps {
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  random: () => number;
  emit: (event: EngineEvent) => void;
}

interface Context {
  target: Target;
  sendAttestations: boolean;
  dispatcher: Dispatcher;
  options: EngineOptions;
  deps: EngineDeps;
  /** One look-up per project, shared by the uploads running at the same time. */
  index: Map<string, Promise<IndexLookup>>;
  /** A token renewal in progress, shared by concurrent uploads. */
  renewing?: Promise<void> | undefined;
}

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

/** Results for files a target does not send: the refused ones say why, the others get `status`. */
export function unsent(artifacts: readonly Artifact[], refusals: ReadonlyMap<string, Refusal>, status: 'not_attempted' | 'would_upload', detail?: string): FileResult[] {
  return artifacts.map((a): FileResult => {
    const refusal = refusals.get(a.filename);
    if (refusal) return skippedResult(a, refusal);
    return detail === undefined ? { filename: a.filename, status, attempts: 0, durationMs: 0 } : { filename: a.filename, status, detail, attempts: 0, durationMs: 0 };
  });
}

/** A file this target refuses: never sent there, with the reason and the fix. */
export function skippedResult(artifact: Artifact, refusal: Refusal): FileResult {
  const result: FileResult = { filename: artifact.filename, status: 'skipped_unsupported', detail: refusal.reason, attempts: 0, durationMs: 0 };
  if (refusal.fix !== undefined) result.hint = refusal.fix;
  return result;
}

export async function publishToTarget(plan: TargetPlan, artifacts: readonly Artifact[], options: EngineOptions, deps: EngineDeps): Promise<TargetReport> {
  const { target, refusals } = plan;
  const started = deps.now();
  deps.emit({ type: 'target-start', target: target.id, files: artifacts.length });
  const credentials = target.credentials;
  if (!credentials && target.credentialFailure) {
    // Trusted Publishing was tried and refused: a failure of this target, not a missing token.
    const failure = target.credentialFailure;
    const status: TargetStatus = failure.status !== undefined && failure.status >= 300 ? failedHttp(failure.status) : 'failed_network';
    const files = unsent(artifacts, refusals, 'not_attempted', 'no upload token');
    deps.emit({ type: 'target-done', target: target.id, status });
    return { ...baseReport(target), status, detail: `Trusted Publishing failed: ${failure.detail}`, files, durationMs: 0 };
  }
  if (!credentials) {
    const files = unsent(artifacts, refusals, 'not_attempted', `${target.credentialNames} not set`);
    deps.emit({ type: 'target-done', target: target.id, status: 'skipped_no_token' });
    return { ...baseReport(target), status: 'skipped_no_token', detail: `${target.credentialNames} not set`, files, durationMs: 0 };
  }

  const dispatcher = createDispatcher({ timeoutMs: options.timeoutMs, connections: options.concurrency, ...options.http });
  const ctx: Context = { target, sendAttestations: plan.sendAttestations, dispatcher, options, deps, index: new Map() };
  const results = new Map<string, FileResult>();
  let stopped: FileResult | undefined;
  const slots = semaphore(Math.max(1, options.concurrency));

  const run = async (artifact: Artifact): Promise<void> => {
    const release = await slots.acquire();
    try {
      // Stop starting uploads after the first failure, like twine: the rest would most likely fail
      // the same way (credentials, permissions, an outage), and a re-run finishes a partial publish.
      if (stopped || options.signal?.aborted) {
        const interrupted = options.signal?.aborted === true;
        const detail = interrupted ? 'interrupted' : `stopped after ${stopped?.filename} failed`;
        results.set(artifact.filename, { filename: artifact.filename, status: interrupted ? 'interrupted' : 'not_attempted', detail, attempts: 0, durationMs: 0 });
        return;
      }
      const result = await publishFile(ctx, artifact);
      results.set(artifact.filename, result);
      deps.emit({ type: 'file-done', target: target.id, result });
      if (!isFileOk(result.status)) stopped ??= result;
    } finally {
      release();
    }
  };

  try {
    const pending: Artifact[] = [];
    for (const artifact of artifacts) {
      const refusal = refusals.get(artifact.filename);
      if (refusal) results.set(artifact.filename, skippedResult(artifact, refusal));
      else pending.push(artifact);
    }
    await runInOrder(pending, run);
    if (!stopped && !options.signal?.aborted && (target.policy === 'required' || options.verify)) {
      await verifyListed(ctx, artifacts, [...results.values()]);
    }
  } finally {
    await dispatcher.close().catch(() => undefined);
  }
  const ordered = artifacts.map((a) => results.get(a.filename) ?? { filename: a.filename, status: 'not_attempted' as const, attempts: 0, durationMs: 0 });
  const firstBad = ordered.find((r) => !isFileOk(r.status));
  const status: TargetStatus = firstBad ? targetStatusFor(firstBad) : 'success';
  deps.emit({ type: 'target-done', target: target.id, status });
  const report: TargetReport = { ...baseReport(target), status, files: ordered, durationMs: deps.now() - started };
  if (firstBad?.detail) report.detail = `${firstBad.filename}: ${firstBad.detail}`;
  if (firstBad?.hint) report.hint = firstBad.hint;
  return report;
}

/**
 * The order guarantees, with as much in parallel as they allow:
 * 1. the very first file alone: it proves credentials, permissions and the connection before more
 *    requests go out (a wrong token costs one request, not one per slot);
 * 2. per release (project and version): its first file alone, since on Gitea (and PyPI) the first
 *    upload creates the version and concurrent creations race; then its other wheels together;
 *    then its sdists (wheels before the sdist of each project, as twine and uv order them);
 * 3. releases side by side, bounded by the concurrency.
 */
export async function runInOrder(artifacts: readonly Artifact[], run: (a: Artifact) => Promise<void>): Promise<void> {
  const [first, ...rest] = artifacts;
  if (!first) return;
  await run(first);
  const releases = new Map<string, Artifact[]>();
  const key = (a: Artifact) => `${normalizeName(a.name)} ${versionKey(a.version) ?? a.version}`;
  for (const a of rest) releases.set(key(a), [...(releases.get(key(a)) ?? []), a]);
  await Promise.all(
    [...releases.entries()].map(async ([release, files]) => {
      let queue = files;
      if (release !== key(first) && queue[0]) {
        await run(queue[0]);
        queue = queue.slice(1);
      }
      await Promise.all(queue.filter((a) => a.filetype === 'bdist_wheel').map(run));
      await Promise.all(queue.filter((a) => a.filetype !== 'bdist_wheel').map(run));
    }),
  );
}

function semaphore(size: number): { acquire(): Promise<() => void> } {
  let free = size;
  const waiting: Array<() => void> = [];
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  return {
    acquire: () =>
      new Promise((resolve) => {
        if (free > 0) {
          free--;
          resolve(release);
        } else waiting.push(() => resolve(release));
      }),
  };
}

function targetStatusFor(result: FileResult): TargetStatus {
  switch (result.status) {
    case 'conflict':
    case 'failed_network':
    case 'interrupted':
      return result.status;
    case 'missing_from_index':
      return 'missing_from_index';
    case 'not_attempted':
      return 'failed_network';
    default:
      return result.status.startsWith('failed_http_') ? (result.status as TargetStatus) : 'failed_network';
  }
}

async function lookup(ctx: Context, artifact: Artifact, fresh: boolean): Promise<IndexLookup> {
  const project = ctx.target.kind.indexProjectName(artifact.name);
  const cached = ctx.index.get(project);
  if (cached && !fresh) return cached;
  const pending = readIndex({
    indexUrl: ctx.target.indexUrl,
    project,
    uploadUrl: ctx.target.uploadUrl,
    credentials: ctx.target.credentials,
    dispatcher: ctx.dispatcher,
    ...(ctx.options.signal ? { signal: ctx.options.signal } : {}),
  });
  ctx.index.set(project, pending);
  const outcome = await pending;
  ctx.deps.emit({
    type: 'index',
    target: ctx.target.id,
    project,
    outcome: outcome.kind === 'found' ? `${outcome.files.size} file(s) listed` : outcome.kind === 'absent' ? 'not there yet' : outcome.message,
  });
  return outcome;
}

/**
 * What the index says of this file: there with our bytes, there with other bytes, or not there.
 * Our sha256 is computed here only if the index lists the name (a re-run): otherwise the upload
 * computes it while sending.
 */
async function compare(outcome: IndexLookup, artifact: Artifact): Promise<'same' | 'different' | 'no-hash' | 'absent' | 'unknown'> {
  if (outcome.kind === 'error') return 'unknown';
  if (outcome.kind === 'absent') return 'absent';
  const entry = outcome.files.get(artifact.filename);
  if (!entry) return 'absent';
  if (!entry.sha256) return 'no-hash';
  return entry.sha256 === (await ensureSha256(artifact)) ? 'same' : 'different';
}

/**
 * What the server holds under this file's name, once it has accepted (or says it has) the file: the
 * simple page first; when the page cannot confirm it (not listed, no hash, unreadable), the server's
 * own list of the version's files where it has one (Gitea's management API).
 */
async function confirmAccepted(ctx: Context, artifact: Artifact, page: IndexLookup): Promise<{ outcome: IndexLookup; state: Awaited<ReturnType<typeof compare>> }> {
  const state = await compare(page, artifact);
  if (state === 'same' || state === 'different') return { outcome: page, state };
  const url = ctx.target.kind.fileListUrl?.(ctx.target.uploadUrl, artifact.name, artifact.version);
  if (!url) return { outcome: page, state };
  const list = await readFileList({
    url,
    uploadUrl: ctx.target.uploadUrl,
    credentials: ctx.target.credentials,
    dispatcher: ctx.dispatcher,
    ...(ctx.options.signal ? { signal: ctx.options.signal } : {}),
  });
  ctx.deps.emit({
    type: 'index',
    target: ctx.target.id,
    project: `${artifact.name} ${artifact.version} (file list)`,
    outcome: list.kind === 'found' ? `${list.files.size} file(s) listed` : list.kind === 'absent' ? 'not there' : list.message,
  });
  const listed = await compare(list, artifact);
  // Only a definite answer replaces the page's: an unreadable list leaves the page's reason standing.
  return listed === 'same' || listed === 'different' ? { outcome: list, state: listed } : { outcome: page, state };
}

function conflictResult(artifact: Artifact, outcome: IndexLookup, attempts: number, durationMs: number): FileResult {
  const remote = outcome.kind === 'found' ? outcome.files.get(artifact.filename)?.sha256 : undefined;
  return {
    filename: artifact.filename,
    status: 'conflict',
    detail: `a different file with this name is already published (local sha256 ${artifact.sha256?.slice(0, 12) ?? '?'}…, remote ${remote?.slice(0, 12) ?? '?'}…)`,
    hint: 'published files cannot be replaced: bump the version (or delete that version on the server) and rebuild',
    attempts,
    durationMs,
  };
}

async function publishFile(ctx: Context, artifact: Artifact): Promise<FileResult> {
  const { target, options, deps } = ctx;
  const started = deps.now();
  const elapsed = () => deps.now() - started;
  const before = await lookup(ctx, artifact, false);
  const seen = await compare(before, artifact);
  if (seen === 'same') {
    return { filename: artifact.filename, status: 'already_present', detail: 'identical file already in the index', attempts: 0, durationMs: elapsed() };
  }
  if (seen === 'different') return conflictResult(artifact, before, 0, elapsed());

  const renewal = await renewIfExpiring(ctx);
  if (renewal) {
    return { filename: artifact.filename, status: renewal.status !== undefined && renewal.status >= 300 ? failedHttp(renewal.status) : 'failed_network', detail: renewal.detail, attempts: 0, durationMs: elapsed() };
  }
  const fields = buildUploadForm(artifact, { attestations: ctx.sendAttestations && target.kind.attestations, formName: target.kind.formName });
  let attempt = 0;
  for (;;) {
    attempt++;
    deps.emit({ type: 'file-start', target: target.id, filename: artifact.filename, size: artifact.size, attempt });
    const sent = await sendUpload({
      url: target.uploadUrl,
      fields,
      file: artifact,
      ...(artifact.sha256 !== undefined ? { sha256: artifact.sha256 } : {}),
      credentials: target.credentials!,
      dispatcher: ctx.dispatcher,
      stallTimeoutMs: options.timeoutMs,
      responseTimeoutMs: options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS,
      ...(options.signal ? { signal: options.signal } : {}),
      onBytes: (bytes, total) => deps.emit({ type: 'progress', target: target.id, filename: artifact.filename, sent: bytes, total }),
    });
    const outcome = sent.outcome;
    if (sent.sha256 !== undefined) artifact.sha256 ??= sent.sha256;
    if (options.signal?.aborted) {
      return { filename: artifact.filename, status: 'interrupted', detail: 'interrupted during upload', attempts: attempt, durationMs: elapsed() };
    }

    let verdict: Verdict;
    let httpStatus: number | undefined;
    if (outcome.kind === 'network') {
      verdict = outcome.retryable ? { kind: 'retry', message: outcome.message } : { kind: 'failed', message: outcome.message };
    } else {
      httpStatus = outcome.answer.status;
      verdict = target.kind.readAnswer(outcome.answer, { credentialSource: target.credentials!.source, uploadUrl: sanitizeUrl(target.uploadUrl) });
    }

    switch (verdict.kind) {
      case 'uploaded':
        return { filename: artifact.filename, status: 'uploaded', httpStatus: httpStatus ?? 0, attempts: attempt, durationMs: elapsed() };
      case 'exists': {
        // Gitea answers 409 whether the stored bytes are ours or not; only the index can tell.
        const { outcome: after, state } = await confirmAccepted(ctx, artifact, await lookup(ctx, artifact, true));
        if (state === 'same') {
          return { filename: artifact.filename, status: 'already_present', detail: 'the server already had this exact file', attempts: attempt, durationMs: elapsed() };
        }
        if (state === 'different') return conflictResult(artifact, after, attempt, elapsed());
        return {
          filename: artifact.filename,
          status: failedHttp(httpStatus ?? 0),
          httpStatus: httpStatus ?? 0,
          detail: `the server says the file exists (${verdict.message}) but its index does not confirm it is this file`,
          hint: `compare the file at ${sanitizeUrl(target.indexUrl)} by hand`,
          attempts: attempt,
          durationMs: elapsed(),
        };
      }
      case 'redirect': {
        const trailing = verdict.location === `${target.uploadUrl}/` || verdict.location.endsWith(`${new URL(target.uploadUrl).pathname}/`);
        return {
          filename: artifact.filename,
          status: failedHttp(httpStatus ?? 0),
          httpStatus: httpStatus ?? 0,
          detail: `${sanitizeUrl(target.uploadUrl)} redirected (HTTP ${httpStatus}) to ${sanitizeUrl(verdict.location)}; uploads never follow redirects`,
          hint: trailing ? 'the upload URL is missing its trailing slash: add it' : `if you trust ${sanitizeUrl(verdict.location)}, use it as the upload URL`,
          attempts: attempt,
          durationMs: elapsed(),
        };
      }
      case 'failed': {
        const result: FileResult =
          httpStatus === undefined
            ? { filename: artifact.filename, status: 'failed_network', detail: verdict.message, attempts: attempt, durationMs: elapsed() }
            : { filename: artifact.filename, status: failedHttp(httpStatus), httpStatus, detail: verdict.message, attempts: attempt, durationMs: elapsed() };
        if (verdict.hint) result.hint = verdict.hint;
        return result;
      }
      case 'retry': {
        const failure: FileResult =
          outcome.kind === 'network'
            ? { filename: artifact.filename, status: 'failed_network', detail: verdict.message, attempts: attempt, durationMs: elapsed() }
            : {
                filename: artifact.filename,
                status: failedHttp(httpStatus ?? 0),
                httpStatus: httpStatus ?? 0,
                detail: verdict.message,
                attempts: attempt,
                durationMs: elapsed(),
              };
        if (attempt > options.retries) {
          failure.detail = `${failure.detail} (gave up after ${attempt} attempts)`;
          return failure;
        }
        const backoff = options.retryDelayMs * 2 ** (attempt - 1) * (0.5 + deps.random() / 2);
        const delayMs = Math.min(verdict.retryAfterMs ?? backoff, options.maxRetryDelayMs);
        deps.emit({ type: 'retry', target: target.id, filename: artifact.filename, attempt, delayMs, reason: verdict.message });
        await deps.sleep(delayMs, options.signal);
        if (options.signal?.aborted) {
          return { filename: artifact.filename, status: 'interrupted', detail: 'interrupted while waiting to retry', attempts: attempt, durationMs: elapsed() };
        }
        // The failed attempt may have landed (a 5xx after storing, a reset after the body): ask first.
        const landed = await lookup(ctx, artifact, true);
        const state = await compare(landed, artifact);
        if (state === 'same') {
          return { filename: artifact.filename, status: 'uploaded', detail: 'stored by an earlier attempt', attempts: attempt, durationMs: elapsed() };
        }
        if (state === 'different') return conflictResult(artifact, landed, attempt, elapsed());
        break;
      }
    }
  }
}

/** A short-lived Trusted Publishing token close to its end is minted again before the next upload. */
async function renewIfExpiring(ctx: Context): Promise<{ status: number | undefined; detail: string } | undefined> {
  const credentials = ctx.target.credentials;
  if (!credentials?.renew || credentials.expiresAt === undefined) return undefined;
  if (credentials.expiresAt - ctx.deps.now() > RENEW_MARGIN_MS) return undefined;
  ctx.renewing ??= credentials.renew().finally(() => {
    ctx.renewing = undefined;
  });
  try {
    await ctx.renewing;
    return undefined;
  } catch (err) {
    const e = err as Error & { status?: number };
    return { status: e.status, detail: `could not renew the Trusted Publishing token: ${e.message}` };
  }
}

/** "Published" means a pip client can see it: every file in the index, with our sha256. */
async function verifyListed(ctx: Context, artifacts: readonly Artifact[], results: FileResult[]): Promise<void> {
  const attempts = ctx.target.policy === 'required' ? 1 : Math.max(1, ctx.options.verifyAttempts);
  for (let round = 1; round <= attempts; round++) {
    const pending = results.filter((r) => r.status === 'uploaded' || r.status === 'already_present' || r.status === 'missing_from_index');
    const stillMissing: FileResult[] = [];
    // One fresh read of each project's page, side by side (a release of many projects is many pages).
    const byName = new Map(artifacts.map((a) => [a.filename, a]));
    const projects = [...new Set(pending.map((r) => byName.get(r.filename)).filter((a): a is Artifact => a !== undefined).map((a) => ctx.target.kind.indexProjectName(a.name)))];
    const pages = new Map<string, IndexLookup>();
    await mapLimited(projects, Math.max(1, ctx.options.concurrency), async (project) => {
      const first = artifacts.find((a) => ctx.target.kind.indexProjectName(a.name) === project);
      if (first) pages.set(project, await lookup(ctx, first, true));
    });
    for (const result of pending) {
      const artifact = byName.get(result.filename);
      if (!artifact) continue;
      const page = pages.get(ctx.target.kind.indexProjectName(artifact.name)) ?? { kind: 'error', message: 'not read' };
      const { outcome, state } = await confirmAccepted(ctx, artifact, page);
      if (state === 'same') {
        if (result.status === 'missing_from_index') {
          result.status = 'uploaded';
          delete result.detail;
        }
        continue;
      }
      if (state === 'different') {
        Object.assign(result, conflictResult(artifact, outcome, result.attempts, result.durationMs));
        continue;
      }
      result.status = 'missing_from_index';
      result.detail =
        outcome.kind === 'error'
          ? `could not confirm in the index: ${outcome.message}`
          : state === 'no-hash'
            ? 'the index lists the file without a sha256'
            : `accepted by the server but not listed in ${sanitizeUrl(ctx.target.indexUrl)}`;
      stillMissing.push(result);
    }
    if (stillMissing.length === 0 || round === attempts) return;
    await ctx.deps.sleep(Math.min(ctx.options.retryDelayMs * 2 ** (round - 1), ctx.options.maxRetryDelayMs), ctx.options.signal);
  }
}
