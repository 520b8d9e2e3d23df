/**
 * The command line: flags and environment in, exit code out. A thin shell around the core
 * (inspectSet, publish): it prints, writes the summary, and maps errors to exit codes.
 */
import { appendFile } from 'node:fs/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ExitCode, MoleculeError, isMoleculeError } from '../errors.js';
import { VERSION } from '../version.js';
import { ENV, resolveTargets } from '../config/resolve.js';
import { inspectSet, publish, InvalidArtifactsError } from '../publish.js';
import { renderMarkdown, headline } from '../report/markdown.js';
import { createConsole, eventPrinter, printInspections, printTargets, type Console, type Verbosity } from './console.js';

const EXIT_CODES_HELP = `
Exit codes:
  0  the required target (Gitea) has every file (whatever the best-effort targets did)
  1  an upload to the required target failed
  2  usage or configuration error, missing Gitea credentials included (before any request)
  3  invalid distributions, or files the required target would refuse (before any request)

Environment:
  ${ENV.giteaUser}, ${ENV.giteaToken}   Gitea user and token (write:package)
  ${ENV.pypiToken}                       PyPI API token (missing: PyPI is skipped)
  ${ENV.giteaUrl}, ${ENV.giteaOwner}, ${ENV.giteaRepositoryUrl}
  ${ENV.pypiUrl}, ${ENV.pypiIndexUrl}
  GITHUB_SERVER_URL, GITHUB_REPOSITORY_OWNER   defaults for the Gitea URL and owner in Actions
  GITHUB_STEP_SUMMARY                           the Markdown summary is appended there`;

function number(name: string, min: number, integer: boolean) {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${name} must be ${integer ? 'a whole number' : 'a number'} ≥ ${min}`);
    }
    return n;
  };
}

interface GlobalFlags {
  verbose?: boolean;
  quiet?: boolean;
}

function verbosity(flags: GlobalFlags): Verbosity {
  return flags.quiet ? 'quiet' : flags.verbose ? 'verbose' : 'normal';
}

export interface CliIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('molecule-publish')
    .description('Publish Python wheels and sdists to a Gitea PyPI registry (required) and PyPI (best-effort).')
    .version(VERSION, '-V, --version')
    .option('-v, --verbose', 'show debug detail (index look-ups, retries)')
    .option('-q, --quiet', 'errors only')
    .configureOutput({ writeOut: io.stderr, writeErr: io.stderr })
    .showHelpAfterError()
    .exitOverride();

  program
    .command('publish', { isDefault: true })
    .description('check the distributions, then upload them: Gitea first (must succeed), then PyPI (best-effort)')
    .argument('[paths...]', 'folders (their distributions), files or globs', ['dist/'])
    .option('-n, --dry-run', 'read and check everything, print the plan, send nothing')
    .option('--gitea-url <url>', `Gitea base URL, e.g. https://git.example.com (env ${ENV.giteaUrl}; default $GITHUB_SERVER_URL)`)
    .option('--gitea-owner <owner>', `user or organisation owning the packages (env ${ENV.giteaOwner}; default $GITHUB_REPOSITORY_OWNER)`)
    .option('--gitea-repository-url <url>', `the whole upload URL instead (env ${ENV.giteaRepositoryUrl})`)
    .option('--pypi-url <url>', `PyPI upload URL (env ${ENV.pypiUrl})`, undefined)
    .option('--pypi-index-url <url>', `PyPI simple index (env ${ENV.pypiIndexUrl}; default from the upload URL)`)
    .option('--no-pypi', 'do not publish to PyPI')
    .addOption(new Option('--retries <n>', 'retries for network errors, timeouts, 5xx and 429').default(3).argParser(number('--retries', 0, true)))
    .addOption(new Option('--retry-delay <seconds>', 'first retry delay (doubles each time)').default(1).argParser(number('--retry-delay', 0, false)))
    .addOption(new Option('--timeout <seconds>', 'connect timeout and longest stall while sending or waiting').default(60).argParser(number('--timeout', 0.001, false)))
    .option('--verify', 'also confirm best-effort targets list every file in their index')
    .option('--summary <file>', 'append the Markdown summary to FILE (default $GITHUB_STEP_SUMMARY)')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (paths: string[], flags: Record<string, unknown>) => {
      setExit(await runPublish(paths, flags, program.opts<GlobalFlags>(), io));
    });

  program
    .command('check')
    .description('check distributions as twine check does (metadata, file names); nothing is sent')
    .argument('[paths...]', 'folders, files or globs', ['dist/'])
    .option('--strict', 'fail on warnings too')
    .action(async (paths: string[], flags: { strict?: boolean }) => {
      setExit(await runCheck(paths, flags, program.opts<GlobalFlags>(), io));
    });
  return program;
}

async function runCheck(paths: string[], flags: { strict?: boolean }, global: GlobalFlags, io: CliIo): Promise<number> {
  const out = createConsole(verbosity(global), io.stderr);
  const { inspections, discovery } = await inspectSet(paths, io.cwd);
  for (const ignored of discovery.ignored) out.debug(`ignored ${ignored} (not a distribution)`);
  let failed = 0;
  for (const i of inspections) {
    const verdict = i.errors.length > 0 ? 'FAILED' : i.warnings.length > 0 ? (flags.strict ? 'FAILED due to warnings' : 'PASSED with warnings') : 'PASSED';
    if (verdict.startsWith('FAILED')) failed++;
    out.info(`Checking ${i.path}: ${verdict}`);
    for (const e of i.errors) out.error(`${i.filename}: ${e}`);
    for (const w of i.warnings) out.warn(`${i.filename}: ${w}`);
  }
  out.info(`${inspections.length - failed} passed, ${failed} failed`);
  return failed > 0 ? ExitCode.invalidArtifact : ExitCode.ok;
}

async function runPublish(paths: string[], flags: Record<string, unknown>, global: GlobalFlags, io: CliIo): Promise<number> {
  const out = createConsole(verbosity(global), io.stderr);
  const dryRun = flags.dryRun === true;
  // Configuration first: missing credentials stop the run before any file is read or request made.
  const { targets, blockers } = resolveTargets(
    {
      giteaUrl: flags.giteaUrl as string | undefined,
      giteaOwner: flags.giteaOwner as string | undefined,
      giteaRepositoryUrl: flags.giteaRepositoryUrl as string | undefined,
      pypiUrl: flags.pypiUrl as string | undefined,
      pypiIndexUrl: flags.pypiIndexUrl as string | undefined,
      pypi: flags.pypi as boolean | undefined,
    },
    io.env,
    { dryRun },
  );
  for (const blocker of blockers) out.warn(`${blocker} (a real run would stop here with exit 2)`);

  const set = await inspectSet(paths, io.cwd);
  for (const ignored of set.discovery.ignored) out.debug(`ignored ${ignored} (not a distribution)`);
  for (const companion of set.discovery.companions) out.debug(`found ${companion.kind} ${companion.path} (not uploaded)`);
  out.info(`${dryRun ? 'Dry run: checking' : 'Publishing'} ${set.inspections.length} file(s) from ${set.discovery.searched.join(', ')}`);
  printInspections(out, set.inspections);

  const report = await publish(
    set,
    {
      targets,
      dryRun,
      blockers,
      engine: {
        retries: flags.retries as number,
        retryDelayMs: (flags.retryDelay as number) * 1000,
        maxRetryDelayMs: 60_000,
        timeoutMs: (flags.timeout as number) * 1000,
        verify: flags.verify === true,
        verifyAttempts: 4,
      },
    },
    { emit: eventPrinter(out) },
  );
  printTargets(out, report);
  const markdown = renderMarkdown(report);
  const summaryFile = (flags.summary as string | undefined) ?? io.env.GITHUB_STEP_SUMMARY;
  if (summaryFile) {
    // Appended, never overwritten: earlier steps' summaries stay.
    await appendFile(summaryFile, `${markdown}\n`).catch((err: NodeJS.ErrnoException) => out.warn(`cannot write the summary to ${summaryFile}: ${err.code ?? err.message}`));
  }
  // Gitea 1.22 does not render job summaries: the table also ends the log.
  io.stdout(`${markdown}\n`);
  out.info(headline(report));
  return report.exitCode;
}

/** Runs the CLI; never throws, never calls process.exit. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(io, (code) => (exitCode = code));
  const global = () => program.opts<GlobalFlags>();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    const out: Console = createConsole(verbosity(global()), io.stderr);
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      // Help and version exit 0; commander has already printed its message.
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof InvalidArtifactsError) {
      for (const line of err.message.split('\n')) out.error(line);
      if (err.hint) out.error(err.hint);
      return err.exitCode;
    }
    if (isMoleculeError(err)) {
      for (const line of err.message.split('\n')) out.error(line);
      if (err.hint) out.info(`hint: ${err.hint}`);
      return err.exitCode;
    }
    out.error(`internal error: ${(err as Error)?.message ?? String(err)}`);
    if (global().verbose && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
    else out.info('run again with --verbose for details, and please open an issue with them');
    return ExitCode.usage;
  }
}

export function isCliError(err: unknown): err is MoleculeError {
  return err instanceof MoleculeError;
}
