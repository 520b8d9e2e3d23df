/**
 * `status NAME[==VERSION]...` on the command line: the targets resolved as publish resolves them (flags,
 * environment, pyproject.toml, .pypirc) but as a dry run does, so missing credentials are not fatal
 * (indexes are read anonymously where they allow it), then the core's StatusReport rendered: a Markdown
 * table per version (file | each target's sha256 prefix or —) and a line per problem, on stdout (on
 * stderr with --json, whose report then has stdout), appended to the job summary as publish does.
 */
import { appendFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { EngineSettings } from '../config/options.js';
import { resolveSettings, type PublishRequest } from '../config/settings.js';
import { ExitCode } from '../errors.js';
import { digestText, parseStatusSpec, status, type FileCopy, type ProjectStatus, type StatusReport } from '../status.js';
import { VERSION } from '../version.js';
import { cell } from '../report/markdown.js';
import { explicitEngine, targetFlags } from './request.js';
import type { CliIo, GlobalFlags, RunState, TargetLocationFlags } from './types.js';

/** What commander parses for `status`. */
export interface StatusFlags extends TargetLocationFlags, Partial<EngineSettings> {
  pyproject?: string;
  json?: boolean;
  summary?: string;
  /** Engine options given as flags (the others may come from the environment or pyproject.toml). */
  explicit?: readonly string[];
}

/** The version of the StatusReport's JSON form: bumped when a field changes meaning or disappears. */
export const STATUS_FORMAT = 1;

export async function runStatus(specTexts: string[], flags: StatusFlags, io: CliIo, global: GlobalFlags, state: RunState): Promise<number> {
  const warn = (line: string) => {
    if (!global.quiet) io.stderr(`warning: ${line}\n`);
  };
  const specs = specTexts.map(parseStatusSpec);
  const settings = await resolveSettings(requestFrom(flags, io));
  for (const note of settings.notes) warn(note);
  const report = await status(settings, specs, {
    ...(flags.allowHttp ? { allowHttp: true } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
    onRead: (target, project, outcome) => {
      if (global.verbose) io.stderr(`debug: ${target} index ${project}: ${outcome}\n`);
    },
  });
  for (const note of report.notes.filter((n) => !settings.notes.includes(n))) warn(note);

  const markdown = renderStatus(report);
  const summary = flags.summary ?? io.env.GITHUB_STEP_SUMMARY;
  if (summary) {
    const file = resolve(io.cwd, summary);
    await appendFile(file, `${markdown}\n`).catch((err: NodeJS.ErrnoException) => warn(`cannot write the summary to ${file}: ${err.code ?? err.message}`));
  }
  const interrupted = io.interruptedBy?.();
  const exitCode = interrupted ? (interrupted === 'SIGINT' ? ExitCode.sigint : ExitCode.sigterm) : report.exitCode;
  if (state.json) {
    io.stderr(`${markdown}\n`);
    const document = {
      reportFormat: STATUS_FORMAT,
      kind: 'status',
      tool: { name: 'molecule-publish', version: VERSION },
      startedAt: state.startedAt.toISOString(),
      ...report,
      exitCode,
    };
    io.stdout(`${JSON.stringify(document, null, 2)}\n`);
  } else {
    io.stdout(`${markdown}\n`);
  }
  return exitCode;
}

function requestFrom(flags: StatusFlags, io: CliIo): PublishRequest {
  return {
    cwd: io.cwd,
    env: io.env,
    // As a dry run: missing credentials are not fatal (an index is read anonymously where it allows it).
    dryRun: true,
    ...(flags.pypi === false ? { pypi: false } : {}),
    engine: explicitEngine(flags),
    allowHttp: flags.allowHttp === true,
    trustedPublishing: false,
    ...targetFlags(flags),
  };
}

function copyCell(copy: FileCopy | null | undefined): string {
  if (copy === undefined) return '?';
  if (copy === null) return '—';
  const text = digestText(copy);
  return text === 'no digest' ? 'listed (no digest)' : copy.sha256 ? `\`${text.slice('sha256 '.length)}\`` : `\`${text}\``;
}

/** The Markdown the terminal and the job summary show. */
export function renderStatus(report: StatusReport): string {
  const lines = ['### molecule-publish status', ''];
  for (const project of report.projects) lines.push(...renderProject(report, project), '');
  for (const note of report.notes) lines.push(`- note: ${cell(note)}`);
  if (report.notes.length > 0) lines.push('');
  lines.push(headline(report));
  return lines.join('\n');
}

function renderProject(report: StatusReport, project: ProjectStatus): string[] {
  const lines = [`#### ${project.name} ${project.version ?? project.requested ?? '(no version found)'}`, ''];
  if (project.files.length > 0) {
    lines.push(`| file | ${report.targets.map((t) => `${cell(t.label)} (${t.policy})`).join(' | ')} |`);
    lines.push(`|---|${report.targets.map(() => '---').join('|')}|`);
    for (const file of project.files) lines.push(`| ${cell(file.filename)} | ${report.targets.map((t) => copyCell(file.at[t.id])).join(' | ')} |`);
    lines.push('');
  }
  if (project.problems.length === 0) lines.push(`Every file is at every target, with the same bytes (sha256 prefixes above).`);
  for (const problem of project.problems) lines.push(`- ${problem.kind}: ${cell(problem.message)}`);
  return lines;
}

export function headline(report: StatusReport): string {
  const all = report.projects.flatMap((p) => p.problems);
  const problems = all.filter((p) => p.kind !== 'uncompared');
  const uncompared = all.length - problems.length;
  const names = report.projects.map((p) => `${p.name} ${p.version ?? p.requested ?? ''}`.trim()).join(', ');
  if (problems.length === 0) {
    // A file listed without a digest in common was not compared: "identical" would say more than was checked.
    const caveat = uncompared > 0 ? `; ${uncompared} file(s) listed everywhere but not compared (no digest in common)` : '';
    return `**Complete**: ${names} ${uncompared > 0 ? 'listed' : 'identical'} at ${report.targets.map((t) => t.label).join(' and ')}${caveat} (exit 0)`;
  }
  const count = (kind: string) => problems.filter((p) => p.kind === kind).length;
  const parts = [
    ['missing', 'file(s) missing'],
    ['different', 'file(s) with different bytes'],
    ['unreadable', 'index(es) unreadable'],
    ['not_found', 'version(s) not found'],
  ]
    .filter(([kind]) => count(kind as string) > 0)
    .map(([kind, text]) => `${count(kind as string)} ${text}`);
  return `**Incomplete**: ${names}: ${parts.join(', ')} (exit 1)`;
}
