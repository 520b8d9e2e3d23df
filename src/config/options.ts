/**
 * Every engine option, declared once: its flag, environment variable, pyproject.toml key, default and
 * help. The command line builds its flags and help from this table and the settings resolve each with
 * the one precedence (flag > environment > pyproject.toml > default). No imports: --help reads it.
 */

export interface EngineOptionSpec {
  /** The key in Settings.engine. */
  key: 'retries' | 'retryDelay' | 'timeout' | 'responseTimeout' | 'indexTimeout' | 'concurrency' | 'verify';
  /** The flag as commander declares it. */
  flag: string;
  env: string;
  /** The key in [tool.molecule-publish]. */
  file: 'retries' | 'retry-delay' | 'timeout' | 'response-timeout' | 'index-timeout' | 'concurrency' | 'verify';
  help: string;
  kind: 'whole' | 'number' | 'boolean';
  default: number | boolean;
  /** Smallest accepted value (numbers). */
  min?: number;
}

export const ENGINE_OPTIONS: readonly EngineOptionSpec[] = [
  {
    key: 'retries',
    flag: '--retries <n>',
    env: 'MOLECULE_PUBLISH_RETRIES',
    file: 'retries',
    kind: 'whole',
    default: 3,
    min: 0,
    help: 'retries for network errors, timeouts, 5xx and 429',
  },
  {
    key: 'retryDelay',
    flag: '--retry-delay <seconds>',
    env: 'MOLECULE_PUBLISH_RETRY_DELAY',
    file: 'retry-delay',
    kind: 'number',
    default: 1,
    min: 0,
    help: 'first retry delay (doubles each time, with jitter)',
  },
  {
    key: 'timeout',
    flag: '--timeout <seconds>',
    env: 'MOLECULE_PUBLISH_TIMEOUT',
    file: 'timeout',
    kind: 'number',
    default: 60,
    min: 0.001,
    help: 'connect timeout, and longest stall while sending or reading',
  },
  {
    key: 'responseTimeout',
    flag: '--response-timeout <seconds>',
    env: 'MOLECULE_PUBLISH_RESPONSE_TIMEOUT',
    file: 'response-timeout',
    kind: 'number',
    default: 600,
    min: 0.001,
    help: "longest wait for a server's answer once a file is sent (PyPI checks big files before answering)",
  },
  {
    key: 'indexTimeout',
    flag: '--index-timeout <seconds>',
    env: 'MOLECULE_PUBLISH_INDEX_TIMEOUT',
    file: 'index-timeout',
    kind: 'number',
    default: 120,
    min: 0.001,
    help: "longest read of one registry's index page, from asking to its last byte (a page sent too slowly is given up)",
  },
  {
    key: 'concurrency',
    flag: '--concurrency <n>',
    env: 'MOLECULE_PUBLISH_CONCURRENCY',
    file: 'concurrency',
    kind: 'whole',
    default: 8,
    min: 1,
    help: 'uploads in flight at once per target (the first file, and the first of each release, go alone)',
  },
  {
    key: 'verify',
    flag: '--verify',
    env: 'MOLECULE_PUBLISH_VERIFY',
    file: 'verify',
    kind: 'boolean',
    default: false,
    help: 'also confirm best-effort targets list every file in their index',
  },
];

export type EngineSettings = { [K in EngineOptionSpec['key']]: K extends 'verify' ? boolean : number };

/** Parses a number option's text; undefined when it is not acceptable (the caller names the source). */
export function parseOptionNumber(spec: EngineOptionSpec, text: string): number | undefined {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < (spec.min ?? -Infinity) || (spec.kind === 'whole' && !Number.isInteger(n))) return undefined;
  return n;
}

/** What a number option accepts, for messages. */
export function optionRule(spec: EngineOptionSpec): string {
  return `${spec.kind === 'whole' ? 'a whole number' : 'a number'} ≥ ${spec.min ?? 0}`;
}
