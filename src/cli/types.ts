/** Types shared by the light command-line shell (main.ts) and the commands it loads on demand. */
import type { LogFormat } from '../log.js';
import type { GiteaProfile } from '../sandbox/profiles.js';

export interface GlobalFlags {
  verbose?: boolean;
  quiet?: boolean;
  logFormat?: LogFormat;
}

export interface CliIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** The real stderr stream when it is a terminal (progress bars), else undefined. */
  tty?: NodeJS.WriteStream | undefined;
  /** Aborted on SIGINT/SIGTERM: uploads in flight are cancelled and the report says `interrupted`. */
  signal?: AbortSignal;
  /** Which signal aborted the run, for the exit code (130 / 143). */
  interruptedBy?: () => 'SIGINT' | 'SIGTERM' | undefined;
}

export interface PublishFlags {
  dryRun?: boolean;
  giteaUrl?: string;
  giteaOwner?: string;
  giteaRepositoryUrl?: string;
  pypiUrl?: string;
  pypiIndexUrl?: string;
  pypi?: boolean;
  retries: number;
  concurrency: number;
  retryDelay: number;
  timeout: number;
  responseTimeout: number;
  rehearseGitea?: GiteaProfile;
  verify?: boolean;
  summary?: string;
  json?: boolean;
  allowHttp?: boolean;
  cert?: string;
  clientCert?: string;
  pyproject?: string;
  attestations?: boolean;
  rehearse?: boolean;
  only?: string;
  repository?: string;
  configFile?: string;
  /** Engine options given as flags (the others may come from the environment or pyproject.toml). */
  explicit?: readonly string[];
}

/** What main() needs to know after a command ran or threw. */
export interface RunState {
  exitCode: number;
  json: boolean;
  dryRun: boolean;
  summaryFile: string | undefined;
  /** Set once a command has opened its output (see commands.ts). */
  session: unknown;
  startedAt: Date;
}

/** Human output, through the logger (see console.ts). */
export interface Console {
  info(line: string, fields?: Record<string, unknown>): void;
  warn(line: string, fields?: Record<string, unknown>): void;
  error(line: string, fields?: Record<string, unknown>): void;
  debug(line: string, fields?: Record<string, unknown>): void;
}
