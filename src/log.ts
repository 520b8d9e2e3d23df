/**
 * The logger: pino on stderr (stdout is kept for the report). Two formats:
 * - human (default, terminal and CI alike): one short line per event, via pino-pretty as a
 *   synchronous stream; `info` lines carry no prefix, others say their level;
 * - json (`--log-format json`): pino's JSON lines, for log collectors.
 * Nothing secret is ever put in a message; `redact` also covers object fields as a second guard.
 */
import { pino, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';

export type LogFormat = 'human' | 'json';
export type Verbosity = 'quiet' | 'normal' | 'verbose';

export interface LogOptions {
  format: LogFormat;
  verbosity: Verbosity;
  /** Colour on: stderr is a terminal and NO_COLOR is not set, or FORCE_COLOR is. */
  color: boolean;
  /** Where lines go (stderr by default); called synchronously, one whole line at a time. */
  write?: (line: string) => void;
}

const REDACT = ['authorization', 'password', 'token', '*.authorization', '*.password', '*.token', 'headers.authorization', 'credentials'];

const LEVEL_PREFIX: Record<number, string> = { 10: 'trace: ', 20: 'debug: ', 30: '', 40: 'warning: ', 50: 'error: ', 60: 'fatal: ' };

export function levelFor(verbosity: Verbosity): 'error' | 'info' | 'debug' {
  return verbosity === 'quiet' ? 'error' : verbosity === 'verbose' ? 'debug' : 'info';
}

export function createLogger(options: LogOptions): Logger {
  const base = {
    level: levelFor(options.verbosity),
    base: undefined,
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  if (options.format === 'json') return pino(base, { write });
  // prettyFactory formats one record synchronously: no transport thread, no stream plumbing, and
  // log lines stay in order with everything else written to stderr.
  const prettify = prettyFactory({
    colorize: options.color,
    ignore: 'pid,hostname,time,level',
    hideObject: true,
    // "warning: …", "error: …", and plain text for info: what a release manager reads in a CI log.
    messageFormat: (log, messageKey) => `${LEVEL_PREFIX[Number(log.level)] ?? ''}${String(log[messageKey] ?? '')}`,
  });
  return pino({ ...base, timestamp: false }, { write: (line: string) => write(prettify(line)) });
}

/** NO_COLOR wins, then FORCE_COLOR, then whether stderr is a terminal. */
export function colorWanted(env: NodeJS.ProcessEnv, isTty: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTty;
}
