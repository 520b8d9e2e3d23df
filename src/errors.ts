/**
 * The error model. Every error a user can act on is a MoleculeError: a stable `code`, a one-line
 * message that names the file or URL involved, an optional `hint` (how to fix it) and the exit code
 * the CLI should use. Anything else reaching the top level is a bug in molecule-publish.
 */

/** Exit codes, documented in the README and in --help. */
export const ExitCode = {
  /** The required target (Gitea) has every file. */
  ok: 0,
  /** An upload to the required target failed. */
  primaryFailed: 1,
  /** Usage or configuration error (bad flag, missing credentials), before any request. */
  usage: 2,
  /** Invalid artifacts, or a file the required target would refuse, before any request. */
  invalidArtifact: 3,
  /** Interrupted by SIGINT (128 + 2). */
  sigint: 130,
  /** Interrupted by SIGTERM (128 + 15). */
  sigterm: 143,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export type ErrorCode =
  | 'usage'
  | 'config'
  | 'missing_credentials'
  | 'not_found'
  | 'no_distributions'
  | 'invalid_artifact'
  | 'unsupported_by_required_target'
  | 'interrupted';

export interface MoleculeErrorOptions {
  hint?: string;
  cause?: unknown;
}

export class MoleculeError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, exitCode: ExitCodeValue, message: string, options: MoleculeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hint = options.hint;
  }
}

/** Bad flags, bad paths, bad configuration: exit 2. */
export class UsageError extends MoleculeError {
  constructor(message: string, options: MoleculeErrorOptions & { code?: ErrorCode } = {}) {
    super(options.code ?? 'usage', ExitCode.usage, message, options);
  }
}

/** A distribution file that cannot be published as it is: exit 3. The message starts with the file name. */
export class ArtifactError extends MoleculeError {
  readonly file: string;
  readonly problem: string;

  constructor(file: string, problem: string, options: MoleculeErrorOptions = {}) {
    super('invalid_artifact', ExitCode.invalidArtifact, `${file}: ${problem}`, options);
    this.file = file;
    this.problem = problem;
  }
}

export function isMoleculeError(error: unknown): error is MoleculeError {
  return error instanceof MoleculeError;
}
