/**
 * What the commands do once commander has parsed the flags: loaded on demand by main.ts, so that
 * `--version` and `--help` do not pay for the core, pino and undici (zod loads only for a
 * pyproject.toml table or --json).
 */
import { appendFile, readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { ExitCode, UsageError, isMoleculeError } from '../errors.js';
import { ENV, insecureTargets, resolveTargets } from '../config/resolve.js';
import { loadPyprojectConfig, type FileConfig } from '../config/pyproject.js';
import { attachAttestations } from '../artifacts/attestations.js';
import { oidcAvailable, trustedPublishingCredentials, type TrustedPublishingError } from '../targets/trusted-publishing.js';
import type { Target } from '../targets/target.js';
import { giteaKind } from '../targets/gitea.js';
import { pypiKind } from '../targets/pypi.js';
import { defaultPypircPath, readPypircRepository, type PypircRepository } from '../config/pypirc.js';
import type { TlsOptions } from '../upload/send.js';
import { sanitizeUrl } from '../util/url.js';
import { inspectSet, planRefusals, publish, InvalidArtifactsError } from '../publish.js';
import { cell, renderMarkdown, headline } from '../report/markdown.js';
import { consoleFor, eventPrinter, printInspections, printTargets, type Console } from './console.js';
import { barProgress, lineProgress, noProgress, type ProgressDisplay } from './progress.js';
import { colorWanted, createLogger, type LogFormat, type Verbosity } from '../log.js';
import { command, isActions, stepOutputs, writeStepOutputs } from '../report/actions.js';
import type { CliIo, GlobalFlags, PublishFlags, RunState } from './types.js';

function verbosity(flags: GlobalFlags): Verbosity {
  return flags.quiet ? 'quiet' : flags.verbose ? 'verbose' : 'normal';
}

/** Everything a command needs to talk to the user, made once from the global flags. */
export interface Session {
  out: Console;
  logger: Logger;
  /** Workflow commands go to stdout, or to stderr when stdout is reserved for --json. */
  commands: (text: string) => void;
  actions: boolean;
}

export function openSession(io: CliIo, global: GlobalFlags, json: boolean): Session {
  const format: LogFormat = global.logFormat ?? 'human';
  const logger = createLogger({
    format,
    verbosity: verbosity(global),
    color: colorWanted(io.env, io.tty !== undefined),
    write: io.stderr,
  });
  const actions = isActions(io.env);
  const commands = json ? io.stderr : io.stdout;
  if (actions) {
    // Before anything else is printed: the runner hides these values from every later log line.
    for (const name of SECRET_ENV) {
      const value = io.env[name];
      if (value) commands(command('add-mask', value));
    }
  }
  return { out: consoleFor(logger), logger, commands, actions };
}

const SECRET_ENV = [ENV.giteaToken, ENV.pypiToken, ENV.legacyGiteaToken, 'TWINE_PASSWORD'] as const;

/** What `check` weighs each file against: the default pair, Gitea required and PyPI best-effort. */
const CHECK_TARGETS = [
  { kind: giteaKind, policy: 'required' },
  { kind: pypiKind, policy: 'best-effort' },
] as const;

export async function runCheck(paths: string[], flags: { strict?: boolean }, session: Session, io: CliIo): Promise<number> {
  const { out } = session;
  const { inspections, discovery } = await inspectSet(paths, io.cwd);
  for (const ignored of discovery.ignored) out.debug(`ignored ${ignored} (not a distribution)`);
  const artifacts = inspections.flatMap((i) => (i.errors.length === 0 && i.artifact ? [i.artifact] : []));
  const refusals = CHECK_TARGETS.map((t) => ({ ...t, refused: t.kind.refusals(artifacts) }));
  let failed = 0;
  for (const i of inspections) {
    const refusedBy = refusals.filter((t) => t.refused.has(i.filename));
    const requiredRefuses = refusedBy.some((t) => t.policy === 'required');
    // Errors, or a refusal by the required target, fail; what a best-effort target alone refuses still
    // publishes to the required one, so it fails only --strict (as warnings do).
    const soft = i.warnings.length > 0 || refusedBy.length > 0;
    const verdict =
      i.errors.length > 0 || requiredRefuses
        ? 'FAILED'
        : soft
          ? flags.strict
            ? 'FAILED due to warnings'
            : refusedBy.length > 0
              ? `PASSED, but ${refusedBy.map((t) => t.kind.label).join(' and ')} would refuse it`
              : 'PASSED with warnings'
          : 'PASSED';
    if (verdict.startsWith('FAILED')) failed++;
    out.info(`Checking ${i.path}: ${verdict}`, { event: 'check', file: i.filename, verdict });
    for (const e of i.errors) out.error(`${i.filename}: ${e}`);
    for (const t of refusedBy) {
      const refusal = t.refused.get(i.filename);
      if (!refusal) continue;
      const line = `${i.filename}: ${t.kind.label} (${t.policy}) would refuse it: ${refusal.reason}${refusal.fix ? `; fix: ${refusal.fix}` : ''}`;
      const fields = { event: 'refusal', file: i.filename, target: t.kind.label };
      if (t.policy === 'required') out.error(line, fields);
      else out.warn(line, fields);
    }
    for (const w of i.warnings) out.warn(`${i.filename}: ${w}`);
  }
  out.info(`${inspections.length - failed} passed, ${failed} failed`);
  return failed > 0 ? ExitCode.invalidArtifact : ExitCode.ok;
}

function progressFor(io: CliIo, session: Session, global: GlobalFlags, json: boolean): ProgressDisplay {
  if (verbosity(global) === 'quiet') return noProgress;
  // A bar only for a person at a terminal; CI logs get one line per event instead.
  const ci = io.env.CI !== undefined && io.env.CI !== '' && io.env.CI !== 'false';
  if (io.tty && !ci && !json && (global.logFormat ?? 'human') === 'human') return barProgress(io.tty, colorWanted(io.env, true));
  return lineProgress(session.out);
}

export async function runPublish(paths: string[], flags: PublishFlags, session: Session, io: CliIo, state: RunState, global: GlobalFlags): Promise<number> {
  const { out } = session;
  if (flags.rehearse) return runRehearsal(paths, flags, session, io, state, global);
  const dryRun = flags.dryRun === true;
  // Configuration first: missing credentials stop the run before any file is read or request made.
  const file = await loadPyprojectConfig(io.cwd, flags.pyproject);
  const engine = engineSettings(flags, io.env, file.config);
  const repositoryName = flags.repository ?? (io.env.TWINE_REPOSITORY || undefined);
  const repository = repositoryName
    ? await readPypircRepository(repositoryName, flags.configFile ?? defaultPypircPath(io.env), flags.configFile !== undefined)
    : undefined;
  if (session.actions) {
    // Secrets named by the configuration: masked before anything else about this run is printed.
    const extra = new Set<string>();
    for (const t of file.config.targets ?? []) {
      const value = io.env[t['password-env']];
      if (value) extra.add(value);
    }
    if (repository?.password) extra.add(repository.password);
    for (const value of extra) session.commands(command('add-mask', value));
  }
  const { targets, blockers } = resolveTargets(
    {
      giteaUrl: flags.giteaUrl,
      giteaOwner: flags.giteaOwner,
      giteaRepositoryUrl: flags.giteaRepositoryUrl,
      pypiUrl: flags.pypiUrl,
      pypiIndexUrl: flags.pypiIndexUrl,
      pypi: flags.pypi,
    },
    io.env,
    {
      dryRun,
      file: file.config,
      fileSource: file.source,
      ...(flags.only !== undefined ? { only: flags.only } : {}),
      ...(repository ? { repository } : {}),
    },
  );
  const insecure = insecureTargets(targets);
  if (insecure.length > 0 && !flags.allowHttp) {
    const message = `refusing to send credentials in clear text to ${insecure.map((t) => sanitizeUrl(t.uploadUrl)).join(', ')}: use https, or --allow-http`;
    if (!dryRun) throw new UsageError(message, { code: 'config' });
    blockers.push(message);
  }
  for (const blocker of blockers) out.warn(`${blocker} (a real run would stop here with exit 2)`);
  const tls = await readTlsFiles({ ...flags, ...tlsFromPypirc(flags, repository) }, io.env);

  // A dry run shows each file's sha256; a publish computes it while sending (one read per file).
  const set = await inspectSet(paths, io.cwd, { digest: dryRun });
  for (const ignored of set.discovery.ignored) out.debug(`ignored ${ignored} (not a distribution)`);
  for (const companion of set.discovery.companions) out.debug(`found ${companion.kind} ${companion.path}`);
  await attachAttestations(set.inspections, set.discovery.companions, { required: flags.attestations === true });
  // Everything that stops a run with exit 3 is decided before the first request (Trusted Publishing's included).
  if (set.inspections.some((i) => i.errors.length > 0 || !i.artifact)) throw new InvalidArtifactsError(set.inspections);
  planRefusals(targets, set.inspections.flatMap((i) => (i.artifact ? [i.artifact] : [])));
  if (!dryRun) await trustedPublishing(targets, io, session, engine.timeout * 1000);
  const attested = set.inspections.filter((i) => i.artifact?.attestations !== undefined).length;
  for (const t of targets) {
    // Warehouse takes attestations only from a Trusted Publishing upload; with a token it refuses the
    // upload, so they are sent when asked for (or with Trusted Publishing), else left out with a word.
    if (t.kind.attestations && (flags.attestations === true || t.credentials?.trustedPublishing === true)) t.sendAttestations = true;
    else if (t.kind.attestations && attested > 0 && t.credentials) {
      out.warn(`${attested} attestation(s) found but not sent to ${t.label ?? t.kind.label}: PyPI accepts them only with Trusted Publishing (--attestations sends them anyway)`);
    }
  }
  out.info(`${dryRun ? 'Dry run: checking' : 'Publishing'} ${set.inspections.length} file(s) from ${set.discovery.searched.join(', ')}`);
  printInspections(out, set.inspections);

  const progress = progressFor(io, session, global, state.json);
  const report = await publish(
    set,
    {
      targets,
      dryRun,
      blockers,
      engine: {
        concurrency: engine.concurrency,
        retries: engine.retries,
        retryDelayMs: engine.retryDelay * 1000,
        maxRetryDelayMs: 60_000,
        timeoutMs: engine.timeout * 1000,
        responseTimeoutMs: engine.responseTimeout * 1000,
        verify: engine.verify,
        verifyAttempts: 4,
        http: { tls },
        ...(io.signal ? { signal: io.signal } : {}),
      },
    },
    { emit: eventPrinter(out, progress) },
  );
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
  if (io.env.GITHUB_OUTPUT) {
    await writeStepOutputs(io.env.GITHUB_OUTPUT, stepOutputs(report)).catch((err: NodeJS.ErrnoException) =>
      out.warn(`cannot write step outputs to ${io.env.GITHUB_OUTPUT}: ${err.code ?? err.message}`),
    );
  }
  if (session.actions) {
    for (const t of report.targets) {
      if (t.status === 'success' || t.status === 'dry_run' || t.status === 'skipped_no_token') continue;
      const text = `${t.label} ${t.status}${t.detail ? `: ${t.detail}` : ''}`;
      session.commands(command(t.policy === 'required' ? 'error' : 'warning', text));
    }
  }
  const interrupted = io.interruptedBy?.();
  if (interrupted) {
    out.error(`interrupted by ${interrupted}: uploads in flight were cancelled; run the same command again to finish (files already there are skipped)`);
    return interrupted === 'SIGINT' ? ExitCode.sigint : ExitCode.sigterm;
  }
  if (report.exitCode === 0) out.info(line);
  else out.error(line);
  return report.exitCode;
}

/**
 * PyPI-like targets without a token, inside a CI that offers OIDC tokens: mint a short-lived one
 * (Trusted Publishing). A refusal is that target's failure, explained, not a missing token.
 */
async function trustedPublishing(targets: Target[], io: CliIo, session: Session, timeoutMs: number): Promise<void> {
  if (!oidcAvailable(io.env)) return;
  for (const target of targets) {
    if (target.credentials || !target.kind.attestations) continue;
    try {
      target.credentials = await trustedPublishingCredentials({ uploadUrl: target.uploadUrl, env: io.env, timeoutMs }, (token) => {
        if (session.actions) session.commands(command('add-mask', token));
      });
      session.out.info(`${target.label ?? target.kind.label}: minted a short-lived upload token through Trusted Publishing`);
    } catch (err) {
      const e = err as TrustedPublishingError;
      target.credentialFailure = { status: e.status, detail: e.message };
      session.out.warn(`${target.label ?? target.kind.label}: Trusted Publishing failed: ${e.message}`);
    }
  }
}

interface EngineSettings {
  retries: number;
  retryDelay: number;
  timeout: number;
  responseTimeout: number;
  concurrency: number;
  verify: boolean;
}

const ENGINE_KEYS: Record<
  keyof EngineSettings,
  { env: string; file: 'retries' | 'retry-delay' | 'timeout' | 'response-timeout' | 'concurrency' | 'verify'; min: number; integer: boolean }
> = {
  retries: { env: 'MOLECULE_PUBLISH_RETRIES', file: 'retries', min: 0, integer: true },
  retryDelay: { env: 'MOLECULE_PUBLISH_RETRY_DELAY', file: 'retry-delay', min: 0, integer: false },
  timeout: { env: 'MOLECULE_PUBLISH_TIMEOUT', file: 'timeout', min: 0.001, integer: false },
  responseTimeout: { env: 'MOLECULE_PUBLISH_RESPONSE_TIMEOUT', file: 'response-timeout', min: 0.001, integer: false },
  concurrency: { env: 'MOLECULE_PUBLISH_CONCURRENCY', file: 'concurrency', min: 1, integer: true },
  verify: { env: 'MOLECULE_PUBLISH_VERIFY', file: 'verify', min: 0, integer: false },
};

/** flags > MOLECULE_PUBLISH_* > pyproject.toml > commander's defaults, one key at a time. */
function engineSettings(flags: PublishFlags, env: NodeJS.ProcessEnv, file: FileConfig): EngineSettings {
  const explicit = new Set(flags.explicit ?? []);
  const settings: EngineSettings = {
    retries: flags.retries,
    retryDelay: flags.retryDelay,
    timeout: flags.timeout,
    responseTimeout: flags.responseTimeout,
    concurrency: flags.concurrency,
    verify: flags.verify === true,
  };
  for (const key of Object.keys(ENGINE_KEYS) as Array<keyof EngineSettings>) {
    if (explicit.has(key)) continue;
    const spec = ENGINE_KEYS[key];
    const raw = env[spec.env];
    if (raw !== undefined && raw !== '') {
      if (key === 'verify') {
        settings.verify = !/^(0|false|no|off)$/i.test(raw.trim());
        continue;
      }
      const n = Number(raw);
      if (!Number.isFinite(n) || n < spec.min || (spec.integer && !Number.isInteger(n))) {
        throw new UsageError(`${spec.env}: '${raw}' must be ${spec.integer ? 'a whole number' : 'a number'} ≥ ${spec.min}`, { code: 'config' });
      }
      (settings as unknown as Record<string, number>)[key] = n;
      continue;
    }
    const fromFile = file[spec.file];
    if (fromFile !== undefined) (settings as unknown as Record<string, number | boolean>)[key] = fromFile;
  }
  return settings;
}

/** A .pypirc section's ca_cert / client_cert, used when the flags do not name files. */
function tlsFromPypirc(flags: PublishFlags, repository: PypircRepository | undefined): Partial<PublishFlags> {
  const extra: Partial<PublishFlags> = {};
  if (!flags.cert && repository?.caCert) extra.cert = repository.caCert;
  if (!flags.clientCert && repository?.clientCert) extra.clientCert = repository.clientCert;
  return extra;
}

async function readPem(file: string, what: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`${file}: cannot read the ${what} (${err.code ?? err.message})`, { code: 'config' });
  });
  if (!text.includes('-----BEGIN ')) throw new UsageError(`${file}: not a PEM file (the ${what} must be PEM)`, { code: 'config' });
  return text;
}

async function readTlsFiles(flags: PublishFlags, env: NodeJS.ProcessEnv): Promise<TlsOptions> {
  const tls: TlsOptions = {};
  const caFile = flags.cert ?? (env.SSL_CERT_FILE || undefined);
  if (caFile) tls.ca = [await readPem(caFile, 'CA certificates')];
  if (flags.clientCert) {
    const pem = await readPem(flags.clientCert, 'client certificate');
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
      throw new UsageError(`${flags.clientCert}: the client certificate file must also hold its private key (PEM)`, { code: 'config' });
    }
    tls.clientCert = pem;
  }
  return tls;
}

/**
 * --rehearse: the whole publish against sandbox registries on 127.0.0.1 (no credentials, nothing
 * leaves the machine), then every file read back through the index and every wheel installed.
 */
async function runRehearsal(paths: string[], flags: PublishFlags, session: Session, io: CliIo, state: RunState, global: GlobalFlags): Promise<number> {
  const { out } = session;
  const [{ rehearse }, { renderRehearsalMarkdown, rehearsalHeadline }] = await Promise.all([import('../rehearse.js'), import('../report/rehearsal-markdown.js')]);
  const file = await loadPyprojectConfig(io.cwd, flags.pyproject);
  const engine = engineSettings(flags, io.env, file.config);
  const set = await inspectSet(paths, io.cwd);
  await attachAttestations(set.inspections, set.discovery.companions, { required: flags.attestations === true });
  out.info(`Rehearsal: publishing ${set.inspections.length} file(s) from ${set.discovery.searched.join(', ')} to local sandbox registries`);
  printInspections(out, set.inspections);
  const progress = progressFor(io, session, global, state.json);
  const report = await rehearse(
    set,
    { concurrency: engine.concurrency, ...(flags.rehearseGitea ? { giteaProfile: flags.rehearseGitea } : {}), ...(io.signal ? { signal: io.signal } : {}) },
    { emit: eventPrinter(out, progress), note: (line) => out.info(`rehearsal: ${line}`) },
  );
  progress.stop();
  printTargets(out, report);
  const markdown = `${renderMarkdown(report)}\n${renderRehearsalMarkdown(report.rehearsal)}`;
  await writeSummary(state, session, markdown);
  if (state.json) {
    io.stderr(`${markdown}\n`);
    const { toJsonReport } = await import('../report/json.js');
    io.stdout(`${JSON.stringify({ ...toJsonReport(report, { headline: headline(report), startedAt: state.startedAt }), rehearsal: report.rehearsal }, null, 2)}\n`);
  } else {
    io.stdout(`${markdown}\n`);
  }
  const filesOk = report.rehearsal.files.every((f) => f.downloaded && f.sha256Matches && f.installed !== false);
  const ok = report.exitCode === 0 && filesOk;
  const line = `${headline(report)} ${rehearsalHeadline(report.rehearsal)}`;
  if (ok) out.info(line);
  else out.error(line);
  return ok ? ExitCode.ok : ExitCode.primaryFailed;
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
    const session = (state.session as Session | undefined) ?? openSession(io, global, state.json);
    const { out } = session;
    if (!isMoleculeError(err)) {
      out.error(`internal error: ${(err as Error)?.message ?? String(err)}`);
      if (global.verbose && err instanceof Error && err.stack) io.stderr(`${err.stack}\n`);
      else out.info('run again with --verbose for details, and please open an issue with them');
      return ExitCode.usage;
    }
    const lines = err.message.split('\n');
    for (const line of lines) out.error(line);
    if (err.hint) (err instanceof InvalidArtifactsError ? out.error : out.info)(err instanceof InvalidArtifactsError ? err.hint : `hint: ${err.hint}`);
    if (session.actions) session.commands(command('error', `molecule-publish: ${lines.join('; ')}`));
    // A failed run still leaves its trace in the job summary and, with --json, a report.
    const summary = ['### molecule-publish', '', `**Nothing was published** (exit ${err.exitCode}):`, '', ...lines.map((l) => `- ${cell(l)}`), ''].join('\n');
    await writeSummary(state, session, summary);
    if (state.json) {
      const { errorJsonReport } = await import('../report/json.js');
      io.stdout(`${JSON.stringify(errorJsonReport(lines, err.exitCode, state.startedAt, state.dryRun), null, 2)}\n`);
    }
    return err.exitCode;
}
