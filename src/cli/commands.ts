/**
 * What the commands do once commander has parsed the flags: loaded on demand by main.ts, so that
 * `--version` and `--help` do not pay for the core and the HTTP client (zod loads only for a
 * pyproject.toml table or --json).
 */
import { appendFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ExitCode, isMoleculeError } from '../errors.js';
import { loadPyprojectConfig } from '../config/pyproject.js';
import { engineSettings, resolveSettings, SECRET_ENV, type PublishRequest } from '../config/settings.js';
import { InvalidArtifactsError, prepare } from '../prepare.js';
import { publish } from '../publish.js';
import { cell, renderMarkdown, headline } from '../report/markdown.js';
import { eventPrinter, interruptedLine, printInspections, printTargets } from './console.js';
import { barProgress, lineProgress, noProgress, type ProgressDisplay } from './progress.js';
import { colorWanted, createLog, type LogFormat, type Verbosity } from '../log.js';
import { command, isActions, stepOutputs, stoppedOutputs, writeStepOutputs } from '../report/actions.js';
import { explicitEngine, targetFlags } from './request.js';
import type { CliIo, Console, GlobalFlags, PublishFlags, RunState } from './types.js';

function verbosity(flags: GlobalFlags): Verbosity {
  return flags.quiet ? 'quiet' : flags.verbose ? 'verbose' : 'normal';
}

/** Everything a command needs to talk to the user, made once from the global flags. */
export interface Session {
  out: Console;
  /** Workflow commands go to stdout, or to stderr when stdout is reserved for --json. */
  commands: (text: string) => void;
  actions: boolean;
  /** Values already masked with ::add-mask:: (each is masked once). */
  masked: Set<string>;
}

export async function openSession(io: CliIo, global: GlobalFlags, json: boolean): Promise<Session> {
  const format: LogFormat = global.logFormat ?? 'human';
  const out = await createLog({
    format,
    verbosity: verbosity(global),
    color: colorWanted(io.env, io.tty !== undefined),
    write: io.stderr,
  });
  const actions = isActions(io.env);
  const commands = json ? io.stderr : io.stdout;
  const masked = new Set<string>();
  if (actions) {
    // Before anything else is printed: the runner hides these values from every later log line.
    // As given and trimmed: a pasted newline is trimmed before the value is sent (config/resolve.ts).
    for (const value of SECRET_ENV.flatMap((name) => [io.env[name], io.env[name]?.trim()])) {
      if (value && !masked.has(value)) {
        commands(command('add-mask', value));
        masked.add(value);
      }
    }
  }
  return { out, commands, actions, masked };
}

async function progressFor(io: CliIo, session: Session, global: GlobalFlags, json: boolean): Promise<ProgressDisplay> {
  if (verbosity(global) === 'quiet') return noProgress;
  // A bar only for a person at a terminal; CI logs get one line per event instead.
  const ci = io.env.CI !== undefined && io.env.CI !== '' && io.env.CI !== 'false';
  if (io.tty && !ci && !json && (global.logFormat ?? 'human') === 'human') return barProgress(io.tty, colorWanted(io.env, true));
  return lineProgress(session.out);
}

/** The command line's flags as a publish request (engine options only where given as flags). */
function requestFrom(paths: string[], flags: PublishFlags, io: CliIo): PublishRequest {
  return {
    paths,
    cwd: io.cwd,
    env: io.env,
    dryRun: flags.dryRun === true,
    ...(flags.pypi === false ? { pypi: false } : {}),
    engine: explicitEngine(flags),
    allowHttp: flags.allowHttp === true,
    attestations: flags.attestations === true,
    ...(flags.trustedPublishing === false ? { trustedPublishing: false } : {}),
    ...(flags.offline === true ? { offline: true } : {}),
    ...targetFlags(flags),
  };
}

export async function runPublish(paths: string[], flags: PublishFlags, session: Session, io: CliIo, state: RunState, global: GlobalFlags): Promise<number> {
  const { out } = session;
  if (flags.rehearse) return runRehearsal(paths, flags, session, io, state, global);
  // Settings first: missing credentials stop the run before any file is read or request made.
  const settings = await resolveSettings(requestFrom(paths, flags, io));
  if (session.actions) {
    // Secrets named by the configuration: masked before anything else about this run is printed.
    for (const value of settings.secrets) {
      if (session.masked.has(value)) continue;
      session.commands(command('add-mask', value));
      session.masked.add(value);
    }
  }
  for (const note of settings.notes) out.warn(note);
  for (const blocker of settings.blockers) out.warn(`${blocker} (a real run would stop here with exit 2)`);

  const plan = await prepare(settings, {
    onToken: (token) => {
      if (session.actions) session.commands(command('add-mask', token));
    },
    note: (level, line) => (level === 'warn' ? out.warn(line) : out.info(line)),
    ...(io.signal ? { signal: io.signal } : {}),
  });
  for (const ignored of plan.discovery.ignored) out.debug(`ignored ${ignored} (not a distribution)`);
  for (const companion of plan.discovery.companions) out.debug(`found ${companion.kind} ${companion.path}`);
  out.info(`${plan.dryRun ? 'Dry run: checking' : 'Publishing'} ${plan.inspections.length} file(s) from ${plan.discovery.searched.join(', ')}`);
  printInspections(out, plan.inspections);

  const progress = await progressFor(io, session, global, state.json);
  const report = await publish(plan, { emit: eventPrinter(out, progress) });
  progress.stop();
  printTargets(out, report);
  const markdown = renderMarkdown(report);
  const line = headline(report);
  await writeSummary(state, session, markdown);
  // Gitea 1.22 does not render job summaries: the table also ends the log (stderr under --json).
  if (state.json) {
    io.stderr(`${markdown}\n`);
    const { toJsonReport } = await import('../report/json.js');
    io.stdout(`${JSON.stringify(toJsonReport(report, { headline: line, startedAt: state.startedAt }), null, 2)}\n`);
  } else {
    io.stdout(`${markdown}\n`);
  }
  const interrupted = io.interruptedBy?.();
  const exitCode = interrupted ? (interrupted === 'SIGINT' ? ExitCode.sigint : ExitCode.sigterm) : report.exitCode;
  await writeOutputs(io, session, stepOutputs(report, exitCode));
  if (session.actions) {
    for (const t of report.targets) {
      if (t.status === 'success' || t.status === 'dry_run' || t.status === 'skipped_no_token') continue;
      const text = `${t.label} ${t.status}${t.detail ? `: ${t.detail}` : ''}`;
      session.commands(command(t.policy === 'required' ? 'error' : 'warning', text));
    }
  }
  if (interrupted) {
    out.error(interruptedLine(interrupted, report));
    return exitCode;
  }
  if (report.exitCode === 0) out.info(line);
  else out.error(line);
  return report.exitCode;
}

/**
 * --rehearse: the whole publish against sandbox registries on 127.0.0.1 (no credentials, nothing
 * leaves the machine), then every file read back through the index and every wheel installed.
 */
async function runRehearsal(paths: string[], flags: PublishFlags, session: Session, io: CliIo, state: RunState, global: GlobalFlags): Promise<number> {
  const { out } = session;
  const [{ rehearse }, { renderRehearsalMarkdown, rehearsalHeadline }] = await Promise.all([
    import('../rehearse/rehearse.js'),
    import('../rehearse/markdown.js'),
  ]);
  // The user's engine settings (concurrency) apply; the targets are the sandboxes.
  const file = await loadPyprojectConfig(io.cwd, flags.pyproject);
  const engine = engineSettings(requestFrom(paths, flags, io).engine ?? {}, io.env, file.config);
  const progress = await progressFor(io, session, global, state.json);
  const report = await rehearse(
    { paths, cwd: io.cwd, attestations: flags.attestations === true },
    {
      concurrency: engine.concurrency,
      ...(flags.rehearseGitea ? { giteaProfile: flags.rehearseGitea } : {}),
      ...(flags.rehearseRegistry ? { registryKind: flags.rehearseRegistry } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
    },
    {
      emit: eventPrinter(out, progress),
      note: (line) => out.info(`rehearsal: ${line}`),
      onPlan: (plan) => {
        out.info(`Rehearsal: publishing ${plan.inspections.length} file(s) from ${plan.discovery.searched.join(', ')} to local sandbox registries`);
        printInspections(out, plan.inspections);
      },
    },
  );
  progress.stop();
  printTargets(out, report);
  const markdown = `${renderMarkdown(report, { rehearsal: true })}\n${renderRehearsalMarkdown(report.rehearsal)}`;
  await writeSummary(state, session, markdown);
  if (state.json) {
    io.stderr(`${markdown}\n`);
    const { toJsonReport } = await import('../report/json.js');
    io.stdout(
      `${JSON.stringify({ ...toJsonReport(report, { headline: headline(report), startedAt: state.startedAt }), rehearsal: report.rehearsal }, null, 2)}\n`,
    );
  } else {
    io.stdout(`${markdown}\n`);
  }
  const filesOk = report.rehearsal.files.every((f) => f.downloaded && f.sha256Matches && f.installed !== false);
  const ok = report.exitCode === 0 && filesOk;
  const line = `Rehearsal: ${headline(report)} ${rehearsalHeadline(report.rehearsal)}`;
  if (ok) out.info(line);
  else out.error(line);
  return ok ? ExitCode.ok : ExitCode.primaryFailed;
}

/** Step outputs on every exit once the arguments are parsed, so a later step can branch on them. */
async function writeOutputs(io: CliIo, session: Session, outputs: Record<string, string>): Promise<void> {
  if (!io.env.GITHUB_OUTPUT) return;
  await writeStepOutputs(resolve(io.cwd, io.env.GITHUB_OUTPUT), outputs).catch((err: NodeJS.ErrnoException) =>
    session.out.warn(`cannot write step outputs to ${io.env.GITHUB_OUTPUT}: ${err.code ?? err.message}`),
  );
}

async function writeSummary(state: RunState, session: Session, markdown: string): Promise<void> {
  if (!state.summaryFile) return;
  // Appended, never overwritten: earlier steps' summaries stay.
  await appendFile(state.summaryFile, `${markdown}\n`).catch((err: NodeJS.ErrnoException) =>
    session.out.warn(`cannot write the summary to ${state.summaryFile}: ${err.code ?? err.message}`),
  );
}

/** Prints an error that stopped a run, leaves its trace in the summary (and --json), returns the exit code. */
export async function reportError(err: unknown, io: CliIo, state: RunState, global: GlobalFlags): Promise<number> {
  const session = (state.session as Session | undefined) ?? (await openSession(io, global, state.json));
  const { out } = session;
  if (!isMoleculeError(err)) {
    out.error(`internal error: ${(err as Error)?.message ?? String(err)}`);
    if (global.verbose && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    else out.info('run again with --verbose for details, and please open an issue with them');
    return ExitCode.usage;
  }
  // Interrupted while reading the files: the exit code is the signal's (130 or 143).
  const signal = err.code === 'interrupted' ? io.interruptedBy?.() : undefined;
  const exitCode = signal === 'SIGINT' ? ExitCode.sigint : signal === 'SIGTERM' ? ExitCode.sigterm : err.exitCode;
  const lines = err.message.split('\n');
  for (const line of lines) out.error(line);
  if (err.hint) (err instanceof InvalidArtifactsError ? out.error : out.info)(err instanceof InvalidArtifactsError ? err.hint : `hint: ${err.hint}`);
  if (session.actions) session.commands(command('error', `molecule-publish: ${lines.join('; ')}`));
  // A failed run still leaves its trace in the job summary and, with --json, a report.
  const status = state.command === 'status';
  const heading = status
    ? [`### molecule-publish status`, '', `**The registries were not read** (exit ${exitCode}):`]
    : ['### molecule-publish', '', `**Nothing was published** (exit ${exitCode}):`];
  const summary = [...heading, '', ...lines.map((l) => `- ${cell(l)}`), ''].join('\n');
  await writeSummary(state, session, summary);
  if (!status) await writeOutputs(io, session, stoppedOutputs(exitCode, state.dryRun));
  if (state.json) {
    const { errorJsonReport } = await import('../report/json.js');
    io.stdout(`${JSON.stringify(errorJsonReport(lines, exitCode, state.startedAt, state.dryRun), null, 2)}\n`);
  }
  return exitCode;
}
