/**
 * One file at one target: skip it if the index already has it, else send it, read the answer, and
 * retry what can be retried (asking the index first whether the last attempt landed). The answer is
 * read by the target's kind (targets/); what it means for the file is decided here, once.
 */
import type { Artifact } from '../artifacts/artifact.js';
import { sendUpload, type SendOutcome } from '../http/send.js';
import { failedHttp, type FileResult } from '../outcome/model.js';
import type { Verdict } from '../targets/target.js';
import { RENEW_MARGIN_MS } from '../targets/trusted-publishing.js';
import { sameOrigin, sanitizeUrl } from '../util/url.js';
import { DEFAULT_RESPONSE_TIMEOUT_MS, fileResult, type Context } from './context.js';
import { buildUploadForm } from './form.js';
import { compare, confirmAccepted, conflictResult, lookup, referenceConflict, releaseTooOld } from './index-view.js';

/** A file's detail when the run was interrupted while an index was read for it (cli/console.ts says the phase from it). */
const INTERRUPTED_READING_INDEX = 'interrupted while reading the index';

export async function publishFile(ctx: Context, artifact: Artifact): Promise<FileResult> {
  const { target, options, deps } = ctx;
  const started = deps.now();
  const at = (attempts: number) => ({ attempts, durationMs: deps.now() - started });
  const before = await lookup(ctx, artifact, false);
  // An index that refuses the credentials is a failure of the target, never "not there yet": an
  // upload now could replace what it would have shown (uv#16073: Artifactory overwrote a release).
  // Only where the index got them (it is on the upload host): elsewhere a 401/403 is a CDN's or a
  // firewall's, said as an unreadable index, and the upload goes on.
  const sentCredentials = target.credentials !== undefined && sameOrigin(target.indexUrl, target.uploadUrl);
  if (sentCredentials && before.kind === 'error' && (before.status === 401 || before.status === 403)) {
    return fileResult(artifact, failedHttp(before.status), {
      detail: `${target.label ?? target.kind.label} rejected the credentials (${before.message}): nothing was sent`,
      hint: target.kind.authHint?.(target.credentials?.source ?? target.credentialNames) ?? `check ${target.credentialNames}`,
      httpStatus: before.status,
      ...at(0),
    });
  }
  const seen = await compare(ctx, before, artifact);
  if (seen === 'same') return fileResult(artifact, 'already_present', { detail: 'identical file already in the index', ...at(0) });
  if (seen === 'different') return conflictResult(ctx, artifact, before, 0, deps.now() - started);
  // Interrupted while the page was read: no upload had started, and the report says so.
  if (options.signal?.aborted) return fileResult(artifact, 'interrupted', { detail: INTERRUPTED_READING_INDEX, ...at(0) });
  const tooOld = releaseTooOld(ctx, before, artifact);
  if (tooOld) return fileResult(artifact, 'skipped_unsupported', { detail: tooOld.reason, hint: tooOld.fix, ...at(0) });

  const elsewhere = await referenceConflict(ctx, artifact);
  if (elsewhere) return elsewhere;
  if (options.signal?.aborted) return fileResult(artifact, 'interrupted', { detail: INTERRUPTED_READING_INDEX, ...at(0) });

  // The engine sends only to targets with credentials; a renewal updates these in place.
  const credentials = target.credentials;
  if (!credentials) return fileResult(artifact, 'not_attempted', { detail: `${target.credentialNames} not set` });
  const renewal = await renewIfExpiring(ctx);
  if (renewal)
    return fileResult(artifact, renewal.status !== undefined && renewal.status >= 300 ? failedHttp(renewal.status) : 'failed_network', {
      detail: renewal.detail,
      ...at(0),
    });

  const fields = buildUploadForm(artifact, { attestations: ctx.sendAttestations && target.kind.attestations, formName: target.kind.formName });
  for (let attempt = 1; ; attempt++) {
    deps.emit({ type: 'file-start', target: target.id, filename: artifact.filename, size: artifact.size, attempt });
    const sent = await sendUpload({
      url: target.uploadUrl,
      fields,
      file: artifact,
      ...(known(ctx, artifact) !== undefined ? { sha256: known(ctx, artifact) } : {}),
      credentials,
      pool: ctx.pool,
      stallTimeoutMs: options.timeoutMs,
      responseTimeoutMs: options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS,
      ...(options.signal ? { signal: options.signal } : {}),
      onBytes: (bytes, total) => deps.emit({ type: 'progress', target: target.id, filename: artifact.filename, sent: bytes, total }),
    });
    // The sha256 computed while streaming is the file's: kept for the index checks and the report.
    if (sent.sha256 !== undefined && known(ctx, artifact) === undefined) ctx.digests.set(artifact.filename, sent.sha256);
    if (options.signal?.aborted) return fileResult(artifact, 'interrupted', { detail: 'interrupted during upload', ...at(attempt) });

    const httpStatus = sent.outcome.kind === 'answer' ? sent.outcome.answer.status : undefined;
    const verdict = verdictOf(ctx, sent.outcome, credentials.source);
    // A failure as this attempt's answer makes it: an HTTP status, or a network error.
    const failed = (detail: string, hint?: string) =>
      fileResult(artifact, httpStatus === undefined ? 'failed_network' : failedHttp(httpStatus), { detail, hint, httpStatus, ...at(attempt) });

    switch (verdict.kind) {
      case 'uploaded':
        return fileResult(artifact, 'uploaded', { httpStatus: httpStatus ?? 0, ...at(attempt) });
      case 'exists': {
        // Gitea answers 409 whether the stored bytes are ours or not; only the index can tell.
        const { outcome, state } = await confirmAccepted(ctx, artifact, await lookup(ctx, artifact, true));
        if (options.signal?.aborted && state !== 'same' && state !== 'different')
          return fileResult(artifact, 'interrupted', { detail: INTERRUPTED_READING_INDEX, ...at(attempt) });
        if (state === 'same') return fileResult(artifact, 'already_present', { detail: 'the server already had this exact file', ...at(attempt) });
        if (state === 'different') return conflictResult(ctx, artifact, outcome, attempt, deps.now() - started);
        return failed(
          `the server says the file exists (${verdict.message}) but its index does not confirm it is this file`,
          `compare the file at ${sanitizeUrl(target.indexUrl)} by hand`,
        );
      }
      case 'redirect': {
        const trailing = verdict.location === `${target.uploadUrl}/` || verdict.location.endsWith(`${new URL(target.uploadUrl).pathname}/`);
        return failed(
          `${sanitizeUrl(target.uploadUrl)} redirected (HTTP ${httpStatus}) to ${sanitizeUrl(verdict.location)}; uploads never follow redirects`,
          trailing ? 'the upload URL is missing its trailing slash: add it' : `if you trust ${sanitizeUrl(verdict.location)}, use it as the upload URL`,
        );
      }
      case 'failed':
        return failed(verdict.message, verdict.hint);
      case 'retry': {
        if (attempt > options.retries) return failed(`${verdict.message} (gave up after ${attempt} attempts)`);
        const backoff = options.retryDelayMs * 2 ** (attempt - 1) * (0.5 + deps.random() / 2);
        const delayMs = Math.min(verdict.retryAfterMs ?? backoff, options.maxRetryDelayMs);
        // The status first: "HTTP 503: Service Unavailable" says more than the message alone.
        const named = httpStatus === undefined || verdict.message.startsWith(`HTTP ${httpStatus}`) || verdict.message.startsWith(`${httpStatus} `);
        const reason = named ? verdict.message : `HTTP ${httpStatus}: ${verdict.message}`;
        deps.emit({ type: 'retry', target: target.id, filename: artifact.filename, attempt, delayMs, reason });
        await deps.sleep(delayMs, options.signal);
        if (options.signal?.aborted) return fileResult(artifact, 'interrupted', { detail: 'interrupted while waiting to retry', ...at(attempt) });
        // The failed attempt may have landed (a 5xx after storing, a reset after the body): ask first.
        const landed = await lookup(ctx, artifact, true);
        if (options.signal?.aborted) return fileResult(artifact, 'interrupted', { detail: INTERRUPTED_READING_INDEX, ...at(attempt) });
        const state = await compare(ctx, landed, artifact);
        if (state === 'same') return fileResult(artifact, 'uploaded', { detail: 'stored by an earlier attempt', ...at(attempt) });
        if (state === 'different') return conflictResult(ctx, artifact, landed, attempt, deps.now() - started);
        break;
      }
    }
  }
}

function known(ctx: Context, artifact: Artifact): string | undefined {
  return artifact.sha256 ?? ctx.digests.get(artifact.filename);
}

/** A transport failure is retried unless a retry cannot help (a certificate); an answer is read by the target's kind. */
function verdictOf(ctx: Context, outcome: SendOutcome, credentialSource: string): Verdict {
  if (outcome.kind === 'network') return outcome.retryable ? { kind: 'retry', message: outcome.message } : { kind: 'failed', message: outcome.message };
  return ctx.target.kind.readAnswer(outcome.answer, { credentialSource, uploadUrl: sanitizeUrl(ctx.target.uploadUrl) });
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
