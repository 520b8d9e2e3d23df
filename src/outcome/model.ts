/**
 * The result of a run, as values: what happened to each file at each target. The CLI prints it,
 * the summary and the JSON report are made from it; nothing in the core throws for an upload failure.
 */
import type { Policy } from '../targets/target.js';

export type FileStatus =
  | 'uploaded'
  | 'already_present'
  | 'conflict'
  | `failed_http_${number}`
  | 'failed_network'
  | 'not_attempted'
  | 'skipped_unsupported'
  | 'would_upload'
  /** Accepted by the server, but its index does not list it (with our sha256). */
  | 'missing_from_index'
  | 'interrupted';

export type TargetStatus =
  /** The target has every file of the set. */
  | 'success'
  /**
   * Some files are there, not all: the target refuses the others by its rules (skipped_unsupported),
   * or, at a best-effort target, the server refused some files about themselves (a 400 for one
   * file's metadata) and the others went on.
   */
  | 'partial'
  /** The target refuses every file of the set: nothing was sent. */
  | 'skipped_unsupported'
  | 'skipped_no_token'
  | `failed_http_${number}`
  | 'failed_network'
  | 'conflict'
  | 'not_attempted'
  | 'dry_run'
  /** A file was accepted but the index does not list it (with our sha256). */
  | 'missing_from_index'
  | 'interrupted';

export interface FileResult {
  filename: string;
  status: FileStatus;
  /** One line: why (refusal reason, server message, network error). */
  detail?: string;
  hint?: string;
  httpStatus?: number;
  attempts: number;
  durationMs: number;
}

/** A package linked (or not) to a repository after the publish (Gitea 1.24+, upload/link.ts). */
export interface PackageLink {
  package: string;
  repository: string;
  status: 'linked' | 'already_linked' | 'failed';
  detail?: string;
  hint?: string;
}

export interface TargetReport {
  id: string;
  label: string;
  where: string;
  policy: Policy;
  uploadUrl: string;
  indexUrl: string;
  credentials: 'present' | 'missing';
  status: TargetStatus;
  detail?: string;
  hint?: string;
  files: FileResult[];
  durationMs: number;
  /** Packages linked to a repository after the publish (never a failure of the target). */
  links?: PackageLink[];
}

export interface FileInfo {
  filename: string;
  path: string;
  name: string;
  version: string;
  filetype: 'bdist_wheel' | 'sdist';
  size: number;
  /** Known once the file was hashed (dry run, or read while uploading). */
  sha256?: string;
  warnings: string[];
}

export interface PublishReport {
  dryRun: boolean;
  files: FileInfo[];
  targets: TargetReport[];
  /** 0 when the required target has every file, else 1 (see ExitCode). */
  exitCode: number;
  durationMs: number;
}

export const OK_FILE_STATUSES: ReadonlySet<FileStatus> = new Set(['uploaded', 'already_present', 'skipped_unsupported', 'would_upload']);

/** Nothing went wrong with this file at this target (it is there, or it was never meant to go). */
export function isFileOk(status: FileStatus): boolean {
  return OK_FILE_STATUSES.has(status);
}

/**
 * The target should have this file and does not (or has other bytes): the one definition of a
 * failed file, for the counts, the JSON report's errors and the step outputs. `not_attempted` and
 * `interrupted` are neither ok nor failed: nothing was tried.
 */
export function isFailure(status: FileStatus): boolean {
  return status.startsWith('failed_') || status === 'conflict' || status === 'missing_from_index';
}

export function failedHttp(status: number): `failed_http_${number}` {
  return `failed_http_${status}`;
}

/** Files per outcome at one target, for the summary, the JSON report and the step outputs. */
export function targetCounts(files: readonly FileResult[]) {
  const count = (pred: (s: string) => boolean) => files.filter((f) => pred(f.status)).length;
  return {
    uploaded: count((s) => s === 'uploaded'),
    alreadyPresent: count((s) => s === 'already_present'),
    failed: count((s) => isFailure(s as FileStatus)),
    /** Refused by the target's rules, never sent (not_attempted files are not counted here). */
    skipped: count((s) => s === 'skipped_unsupported'),
  };
}
