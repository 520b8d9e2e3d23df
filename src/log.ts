/**
 * The log, on stderr (stdout is kept for the report). Two formats:
 * - human (default, terminal and CI alike): one short line per event; `info` lines carry no prefix,
 *   others say their level. Written directly: the fields are not shown, so there is nothing for a
 *   logging library to do, and loading one (pino and pino-pretty) cost ~15 ms of every run.
 * - json (`--log-format json`): pino's JSON lines with every field, for log collectors; pino is
 *   loaded only then. Nothing secret is ever put in a message; pino's `redact` also covers object
 *   fields as a second guard.
 */
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

/** One line per event, with the fields a JSON log record carries. */
export interface LogLines {
  info(line: string, fields?: Record<string, unknown>): void;
  warn(line: string, fields?: Record<string, unknown>): void;
  error(line: string, fields?: Record<string, unknown>): void;
  debug(line: string, fields?: Record<string, unknown>): void;
}

const REDACT = ['authorization', 'password', 'token', '*.authorization', '*.password', '*.token', 'headers.authorization', 'credentials'];

type Level = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<Level, number> = { debug: 20, info: 30, warn: 40, error: 50 };
const PREFIX: Record<Level, string> = { debug: 'debug: ', info: '', warn: 'warning: ', error: 'error: ' };
// SGR colours: problems stand out, the rest reads as before (cyan, as pino-pretty wrote messages).
const COLOUR: Record<Level, string> = { debug: '\u001b[90m', info: '\u001b[36m', warn: '\u001b[33m', error: '\u001b[31m' };

export function levelFor(verbosity: Verbosity): 'error' | 'info' | 'debug' {
  return verbosity === 'quiet' ? 'error' : verbosity === 'verbose' ? 'debug' : 'info';
}

export async function createLog(options: LogOptions): Promise<LogLines> {
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const threshold = RANK[levelFor(options.verbosity)];
  if (options.format === 'json') {
    // (The default export: pino is CommonJS, and a bundled dynamic import has no named exports.)
    const pino = (await import('pino')).default;
    const logger = pino({ level: levelFor(options.verbosity), base: undefined, redact: { paths: REDACT, censor: '[redacted]' } }, { write });
    const at =
      (level: Level) =>
      (line: string, fields?: Record<string, unknown>): void =>
        fields ? logger[level](fields, line) : logger[level](line);
    return { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
  }
  const at =
    (level: Level) =>
    (line: string): void => {
      if (RANK[level] < threshold) return;
      const text = `${PREFIX[level]}${line}`;
      write(options.color ? `${COLOUR[level]}${text}\u001b[39m\n` : `${text}\n`);
    };
  return { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

/** NO_COLOR wins, then FORCE_COLOR, then whether stderr is a terminal. */
export function colorWanted(env: NodeJS.ProcessEnv, isTty: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTty;
}
