/**
 * What one target's publish shares between its parts (order.ts, index-view.ts, attempt.ts): the
 * target, one HTTP pool, the options, the collaborators, and the index pages read so far.
 */
import type { Artifact } from '../artifacts/artifact.js';
import { ConnectionPool, type HttpOptions } from '../http/client.js';
import type { IndexLookup } from '../http/index-reader.js';
import type { FileResult, FileStatus, TargetStatus } from '../outcome/model.js';
import type { Refusal, Target } from '../targets/target.js';

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
  /** How long one index page's read may take, start to end (see index-reader.ts DEFAULT_INDEX_TIMEOUT_MS). */
  indexTimeoutMs?: number;
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
  /** Something the user should read, once (an index that could not be read, …). */
  | { type: 'warning'; target: string; message: string }
  | { type: 'target-done'; target: string; status: TargetStatus };

/** One target as the engine publishes to it: the target, what it refuses of this set, and whether it gets attestations. */
export interface TargetPlan {
  readonly target: Target;
  readonly refusals: ReadonlyMap<string, Refusal>;
  readonly sendAttestations: boolean;
  /** Other registries whose index must not list other bytes under a file's name (see attempt.ts). */
  readonly references?: readonly Target[];
}

export interface EngineDeps {
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  now: () => number;
  random: () => number;
  emit: (event: EngineEvent) => void;
}

export interface Context {
  target: Target;
  /** The run's files (for this target): what an index read keeps of a page that may list millions. */
  artifacts: readonly Artifact[];
  sendAttestations: boolean;
  references: readonly Target[];
  /** Pages of the references, per reference and project (read once each). */
  referencePages: Map<string, Promise<IndexLookup>>;
  pool: ConnectionPool;
  options: EngineOptions;
  deps: EngineDeps;
  /** One look-up per project, shared by the uploads running at the same time. */
  index: Map<string, Promise<IndexLookup>>;
  /** A token renewal in progress, shared by concurrent uploads. */
  renewing?: Promise<void> | undefined;
  /**
   * The files' sha256, as learnt during this run (hashed while sending, or when an index listed the
   * name): the run's own record, shared by its targets, so the plan's artifacts are never changed.
   */
  digests: Map<string, string>;
}

/** Every FileResult is made here: what happened to one file, at one target. */
export function fileResult(
  artifact: Pick<Artifact, 'filename'>,
  status: FileStatus,
  extra: { detail?: string | undefined; hint?: string | undefined; httpStatus?: number | undefined; attempts?: number; durationMs?: number } = {},
): FileResult {
  const result: FileResult = { filename: artifact.filename, status, attempts: extra.attempts ?? 0, durationMs: extra.durationMs ?? 0 };
  if (extra.detail !== undefined) result.detail = extra.detail;
  if (extra.hint !== undefined) result.hint = extra.hint;
  if (extra.httpStatus !== undefined) result.httpStatus = extra.httpStatus;
  return result;
}

/** One target's keep-alive connections: as many as uploads run at once, with the run's bounds and TLS. */
export function poolFor(options: EngineOptions): ConnectionPool {
  return new ConnectionPool({ timeoutMs: options.timeoutMs, connections: options.concurrency, ...options.http });
}
