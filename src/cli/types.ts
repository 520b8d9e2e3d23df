/** Types shared by the light command-line shell (main.ts) and the commands it loads on demand. */
import type { RegistryKindName } from '../targets/kind-names.js';
import type { LogFormat, LogLines } from '../log.js';
import type { EngineSettings } from '../config/options.js';
import type { PublishRequest } from '../config/settings.js';
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

/** The flags publish and status share: where the targets are, how to reach them. */
export type TargetLocationFlags = Pick<
  PublishRequest,
  | 'giteaUrl'
  | 'giteaOwner'
  | 'giteaRepositoryUrl'
  | 'pypiUrl'
  | 'pypiIndexUrl'
  | 'pypi'
  | 'allowHttp'
  | 'cert'
  | 'clientCert'
  | 'only'
  | 'repository'
  | 'repositoryKind'
  | 'configFile'
>;

/** What commander parses for `publish`: the request's own fields, the engine options, and the CLI's. */
export interface PublishFlags extends TargetLocationFlags, Pick<PublishRequest, 'dryRun' | 'attestations' | 'linkRepository'>, Partial<EngineSettings> {
  pyproject?: string;
  offline?: boolean;
  /** false with --no-trusted-publishing (commander's default is true: the environment decides then). */
  trustedPublishing?: boolean;
  rehearseGitea?: GiteaProfile;
  rehearseRegistry?: Exclude<RegistryKindName, 'generic'>;
  summary?: string;
  json?: boolean;
  rehearse?: boolean;
  /** Engine options given as flags (the others may come from the environment or pyproject.toml). */
  explicit?: readonly string[];
}

/** What main() needs to know after a command ran or threw. */
export interface RunState {
  exitCode: number;
  json: boolean;
  dryRun: boolean;
  summaryFile: string | undefined;
  /** `status` publishes nothing: an error there writes no publish step outputs. */
  command?: 'publish' | 'status';
  /** Set once a command has opened its output (see commands.ts). */
  session: unknown;
  startedAt: Date;
}

/** Human output, through the log (src/log.ts; see console.ts). */
export type Console = LogLines;
