/**
 * The command line: flags and environment in, exit code out. A thin shell around the core
 * (inspectSet, publish). This file stays light (commander only) so `--version` and `--help` start
 * fast; the commands themselves live in commands.ts and are loaded when one runs.
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ExitCode } from '../errors.js';
import { VERSION } from '../version.js';
import { ENV } from '../config/env.js';
import { GITEA_PROFILES } from '../sandbox/profiles.js';
import { ENGINE_OPTIONS, optionRule, parseOptionNumber, type EngineOptionSpec } from '../config/options.js';
import type { GlobalFlags, PublishFlags, RunState, CliIo } from './types.js';
import { REGISTRY_KIND_NAMES, TARGET_KIND_NAMES } from '../targets/kind-names.js';

export type { CliIo } from './types.js';

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
  GITHUB_STEP_SUMMARY                           the Markdown summary is appended there
${ENGINE_OPTIONS.map((o) => `  ${o.env.padEnd(45)} ${o.flag.split(' ')[0]}`).join('\n')}
  TWINE_REPOSITORY, TWINE_REPOSITORY_URL, TWINE_USERNAME, TWINE_PASSWORD    with --repository, as twine

Configuration precedence: flags > environment > pyproject.toml [tool.molecule-publish] > defaults.`;

/** A commander option for an engine option of the table (its environment variable in the help). */
function engineOption(spec: EngineOptionSpec): Option {
  const option = new Option(spec.flag, `${spec.help} (env ${spec.env})`);
  if (spec.kind === 'boolean') return option;
  return option.default(spec.default).argParser((value: string) => {
    const n = parseOptionNumber(spec, value);
    if (n === undefined) throw new InvalidArgumentError(`${spec.flag.split(' ')[0]} must be ${optionRule(spec)}`);
    return n;
  });
}

/** Where Gitea and PyPI are: the same options for publish and status. */
function addTargetOptions(command: Command, noPypi: string): void {
  command
    .option('--gitea-url <url>', `Gitea base URL, e.g. https://git.example.com (env ${ENV.giteaUrl}; default $GITHUB_SERVER_URL)`)
    .option('--gitea-owner <owner>', `user or organisation owning the packages (env ${ENV.giteaOwner}; default $GITHUB_REPOSITORY_OWNER)`)
    .option('--gitea-repository-url <url>', `the whole upload URL instead (env ${ENV.giteaRepositoryUrl})`)
    .option('--pypi-url <url>', `PyPI upload URL (env ${ENV.pypiUrl})`, undefined)
    .option('--pypi-index-url <url>', `PyPI simple index (env ${ENV.pypiIndexUrl}; default from the upload URL)`)
    .option('--no-pypi', noPypi);
}

export function buildProgram(io: CliIo, state: RunState): Command {
  const program = new Command('molecule-publish')
    .description('Publish Python wheels and sdists to a Gitea PyPI registry (required) and PyPI (best-effort).')
    .version(VERSION, '-V, --version')
    .option('-v, --verbose', 'show debug detail (index look-ups, retries, ignored files)')
    .option('-q, --quiet', 'errors only')
    .addOption(new Option('--log-format <format>', 'log lines on stderr: human, or json (one record per line)').choices(['human', 'json']).default('human'))
    // What the user asked to see (--help, --version) on stdout; a usage error and one line after it on stderr.
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(molecule-publish --help lists the commands and options)')
    .exitOverride();

  const publish = program
    .command('publish', { isDefault: true })
    // twine's habit: `twine upload dist/*`.
    .alias('upload')
    .description('check the distributions, then upload them: Gitea first (must succeed), then PyPI (best-effort)')
    .argument('[paths...]', 'folders (their distributions), files or globs', ['dist/'])
    .option('-n, --dry-run', "read and check everything, read each registry's index (GET only), print the plan, send nothing")
    .option('--offline', 'with --dry-run: do not read the indexes (no network at all)')
    .option(
      '--rehearse',
      'publish to local Gitea-like and PyPI-like registries on 127.0.0.1, download every file back and install each wheel (needs no credentials)',
    )
    .addOption(
      new Option(
        '--rehearse-gitea <version>',
        'with --rehearse: the Gitea version the local registry behaves as (1.17 for 1.17–1.18, 1.19 for 1.19–1.21, 1.22 and later, or forgejo)',
      )
        .choices(GITEA_PROFILES)
        .default('1.22'),
    )
    .addOption(
      new Option(
        '--rehearse-registry <kind>',
        "with --rehearse: also publish to a local double of this registry, as a third required target (its answers from the server's source or documentation)",
      ).choices(REGISTRY_KIND_NAMES.filter((k) => k !== 'generic')),
    )
    .option('--summary <file>', 'append the Markdown summary to FILE (default $GITHUB_STEP_SUMMARY)')
    .option('--json', 'print the JSON report on stdout (the Markdown summary then goes to stderr)')
    .option('--allow-http', 'allow plain http:// to hosts other than loopback (credentials in clear text)')
    .option('--cert <file>', 'PEM file of CA certificates to trust besides the system ones (default $SSL_CERT_FILE)')
    .option('--client-cert <file>', 'PEM file with a TLS client certificate and its private key')
    .option('--attestations', 'send the PEP 740 attestations beside each file to PyPI, and require one per file')
    .option(
      '--no-trusted-publishing',
      'do not mint a PyPI token through Trusted Publishing (it starts by itself when PYPI_TOKEN is unset and the CI offers OIDC tokens: ACTIONS_ID_TOKEN_REQUEST_URL/_TOKEN, i.e. GitHub Actions with id-token: write; env MOLECULE_PUBLISH_TRUSTED_PUBLISHING=0)',
    )
    .option('--pyproject <file>', 'read [tool.molecule-publish] from FILE (default ./pyproject.toml, if present)')
    .option('--only <target>', 'publish to this target alone, as a required one (e.g. --only pypi after a PyPI outage)')
    .option('-r, --repository <name>', 'publish to this .pypirc section alone, as twine upload -r does (env TWINE_REPOSITORY)')
    .option('--config-file <file>', 'the .pypirc to read for --repository (default ~/.pypirc)')
    .option(
      '--link-repository <owner/repo>',
      'link each Gitea package this run uploads to a repository of its owner (Gitea 1.24+; default in Actions: $GITHUB_REPOSITORY when the package owner owns it)',
    )
    .option('--no-link-repository', 'do not link Gitea packages to a repository')
    .addOption(
      new Option('--repository-kind <kind>', "which registry --repository's section is, where its URL does not tell (e.g. devpi, pypiserver)").choices([
        ...TARGET_KIND_NAMES,
      ]),
    )
    .addHelpText('after', EXIT_CODES_HELP);
  addTargetOptions(publish, 'do not publish to PyPI');
  for (const spec of ENGINE_OPTIONS) publish.addOption(engineOption(spec));
  publish.action(async (paths: string[], flags: PublishFlags, command: Command) => {
    // Which engine options the user set (flag) and which are commander's defaults: the
    // environment and pyproject.toml may fill in only the latter.
    flags.explicit = ENGINE_OPTIONS.map((o) => o.key).filter((key) => command.getOptionValueSource(key) === 'cli');
    state.json = flags.json === true;
    state.dryRun = flags.dryRun === true;
    const summary = flags.summary ?? io.env.GITHUB_STEP_SUMMARY;
    state.summaryFile = summary ? resolve(io.cwd, summary) : undefined;
    const commands = await import('./commands.js');
    const session = await commands.openSession(io, program.opts<GlobalFlags>(), state.json);
    state.session = session;
    state.exitCode = await commands.runPublish(paths, flags, session, io, state, program.opts<GlobalFlags>());
  });

  program
    .command('check')
    .description('check distributions as twine check does (metadata, file names); nothing is sent')
    .argument('[paths...]', 'folders, files or globs', ['dist/'])
    .option('--strict', 'fail on warnings too')
    .action(async (paths: string[], flags: { strict?: boolean }) => {
      const { runCheck } = await import('./check-command.js');
      state.exitCode = await runCheck(paths, flags, io, program.opts<GlobalFlags>());
    });

  const status = program
    .command('status')
    .description(
      'what each registry holds for a release (no dist/ needed): per file, which targets list it and its sha256; missing files; other bytes under one name',
    )
    .argument('<projects...>', 'NAME (its newest version any target lists) or NAME==VERSION')
    .option('--pyproject <file>', 'read [tool.molecule-publish] from FILE (default ./pyproject.toml, if present)')
    .option('--only <target>', 'look at this target alone')
    .option('-r, --repository <name>', 'look at this .pypirc section alone (env TWINE_REPOSITORY)')
    .option('--config-file <file>', 'the .pypirc to read for --repository (default ~/.pypirc)')
    .addOption(new Option('--repository-kind <kind>', "which registry --repository's section is, where its URL does not tell").choices([...TARGET_KIND_NAMES]))
    .option('--json', 'print the status report as JSON on stdout (the table then goes to stderr)')
    .option('--summary <file>', 'append the table to FILE (default $GITHUB_STEP_SUMMARY)')
    .option('--allow-http', 'send credentials over plain http:// to hosts other than loopback')
    .option('--cert <file>', 'PEM file of CA certificates to trust besides the system ones (default $SSL_CERT_FILE)')
    .option('--client-cert <file>', 'PEM file with a TLS client certificate and its private key')
    .addHelpText(
      'after',
      '\nExit codes:\n  0  every target lists every file of each version, with the same bytes\n  1  a file missing at a target (best-effort ones included), other bytes under one name, an unreadable index, or no such version\n  2  usage or configuration error',
    );
  addTargetOptions(status, 'leave PyPI out');
  for (const spec of ENGINE_OPTIONS.filter((o) => o.key === 'timeout' || o.key === 'indexTimeout')) status.addOption(engineOption(spec));
  status.action(async (projects: string[], flags: import('./status-command.js').StatusFlags, command: Command) => {
    flags.explicit = ENGINE_OPTIONS.map((o) => o.key).filter((key) => command.getOptionValueSource(key) === 'cli');
    state.json = flags.json === true;
    state.command = 'status';
    const summary = flags.summary ?? io.env.GITHUB_STEP_SUMMARY;
    state.summaryFile = summary ? resolve(io.cwd, summary) : undefined;
    const { runStatus } = await import('./status-command.js');
    state.exitCode = await runStatus(projects, flags, io, program.opts<GlobalFlags>(), state);
  });
  return program;
}

/** Runs the CLI; never throws, never calls process.exit. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const state: RunState = { exitCode: ExitCode.ok, json: false, dryRun: false, summaryFile: undefined, session: undefined, startedAt: new Date() };
  const program = buildProgram(io, state);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      // Help and version exit 0; commander has already printed its message.
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help' ? ExitCode.ok : ExitCode.usage;
    }
    const { reportError } = await import('./commands.js');
    return reportError(err, io, state, program.opts<GlobalFlags>());
  }
}
