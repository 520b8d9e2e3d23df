/**
 * Human output on stderr (stdout is kept for the report), through the log (src/log.ts) so that
 * `--log-format json` turns every line into a JSON record with the same fields. Nothing printed here
 * contains a credential: targets carry only the names of the variables that hold them.
 */
import type { Inspection } from '../artifacts/artifact.js';
import type { EngineEvent } from '../upload/engine.js';
import { isFailure, type PublishReport } from '../outcome/model.js';
import { formatDuration, formatSize, kindLabel } from '../report/format.js';
import type { ProgressDisplay } from './progress.js';
import type { Console } from './types.js';

export type { Console };

export function printInspections(out: Console, inspections: readonly Inspection[]): void {
  for (const i of inspections) {
    const a = i.artifact;
    if (a) {
      const sha = a.sha256 ? `  sha256:${a.sha256.slice(0, 16)}…` : '';
      out.info(`  ${a.filename}  ${kindLabel(a.filetype)}  ${a.name} ${a.version}  ${formatSize(a.size)}${sha}`, {
        event: 'artifact',
        file: a.filename,
        size: a.size,
        ...(a.sha256 ? { sha256: a.sha256 } : {}),
      });
    }
    for (const w of i.warnings) out.warn(`${i.filename}: ${w}`, { event: 'artifact-warning', file: i.filename });
  }
}

/** Engine events as log lines; byte progress goes to the progress display instead. */
export function eventPrinter(out: Console, progress: ProgressDisplay): (e: EngineEvent) => void {
  return (e) => {
    switch (e.type) {
      case 'target-start':
        out.debug(`${e.target}: ${e.files} file(s)`, { event: e.type, target: e.target });
        break;
      case 'file-start':
        progress.start(e.target, e.filename, e.size, e.attempt);
        break;
      case 'progress':
        progress.update(e.target, e.filename, e.sent, e.total);
        break;
      case 'file-done': {
        progress.stop();
        const r = e.result;
        const line = `${e.target}: ${r.filename}: ${r.status}${r.detail ? ` (${r.detail})` : ''} in ${formatDuration(r.durationMs)}`;
        const fields = { event: e.type, target: e.target, file: r.filename, status: r.status, attempts: r.attempts, durationMs: r.durationMs };
        if (r.status === 'uploaded' || r.status === 'already_present') out.info(line, fields);
        // A refusal found during the run (PyPI's 14-day rule) is said once, with its fix, in the list below.
        else if (r.status === 'skipped_unsupported') out.debug(line, fields);
        else out.warn(line, fields);
        // The target's closing line repeats the first failure's hint; per file it is detail for -v.
        if (r.hint) out.debug(`${e.target}: hint: ${r.hint}`, { event: 'hint', target: e.target, file: r.filename });
        break;
      }
      case 'retry':
        progress.stop();
        out.warn(`${e.target}: ${e.filename}: ${e.reason}; retrying in ${formatDuration(e.delayMs)} (attempt ${e.attempt + 1})`, {
          event: e.type,
          target: e.target,
          file: e.filename,
          attempt: e.attempt,
          delayMs: e.delayMs,
        });
        break;
      case 'warning':
        out.warn(`${e.target}: ${e.message}`, { event: e.type, target: e.target });
        break;
      case 'index':
        out.debug(`${e.target}: index for ${e.project}: ${e.outcome}`, { event: e.type, target: e.target, project: e.project });
        break;
      case 'target-done':
        out.debug(`${e.target}: ${e.status}`, { event: e.type, target: e.target, status: e.status });
        break;
    }
  };
}

export function printTargets(out: Console, report: PublishReport): void {
  for (const t of report.targets) {
    // What a target refused is said once per file below (with its fix), not again on the target's line.
    const refused = !report.dryRun && (t.status === 'partial' || t.status === 'skipped_unsupported') && t.files.every((f) => !isFailure(f.status));
    const skipped = t.files.filter((f) => f.status === 'skipped_unsupported').length;
    const detail = refused ? `${skipped} of ${t.files.length} file(s) skipped: it refuses them (below)` : t.detail;
    const line = `${t.label} (${t.policy}) ${t.uploadUrl || t.where}: ${t.status}${detail ? ` — ${detail}` : ''}`;
    const fields = { event: 'target', target: t.id, status: t.status };
    if (t.status === 'success' || t.status === 'dry_run') out.info(line, fields);
    else if (t.policy === 'required') out.error(line, fields);
    else out.warn(line, fields);
    if (t.hint && !refused) out.info(`  hint: ${t.hint}`, { event: 'hint', target: t.id });
    for (const link of t.links ?? []) {
      if (link.status === 'linked')
        out.info(`${t.label}: linked ${link.package} to ${link.repository}`, { event: 'link', target: t.id, package: link.package });
    }
    if (report.dryRun) {
      for (const f of t.files) {
        const fix = f.status === 'skipped_unsupported' && f.hint ? `; fix: ${f.hint}` : '';
        out.info(`  ${f.status.padEnd(19)} ${f.filename}${f.detail ? `  (${f.detail}${fix})` : ''}`, {
          event: 'plan',
          target: t.id,
          file: f.filename,
          status: f.status,
        });
      }
      continue;
    }
    // A file this target refuses was never sent there: say which and why, one line each.
    for (const f of t.files) {
      if (f.status !== 'skipped_unsupported') continue;
      out.warn(`${t.label}: skipped ${f.filename}: ${f.detail ?? 'not supported'}${f.hint ? `; fix: ${f.hint}` : ''}`, {
        event: 'skipped',
        target: t.id,
        file: f.filename,
      });
    }
  }
}

/**
 * The closing line of an interrupted run, naming what the run was doing: reading an index (no upload
 * had started: nothing was sent), or uploading (the requests in flight were cancelled). The phase is
 * read from the files' details (upload/attempt.ts writes them).
 */
export function interruptedLine(signal: string, report: PublishReport): string {
  const details = report.targets.flatMap((t) => t.files.filter((f) => f.status === 'interrupted').map((f) => f.detail ?? ''));
  const again = 'run the same command again to finish (files already there are skipped)';
  if (details.some((d) => d === 'interrupted during upload')) return `interrupted by ${signal} during upload: uploads in flight were cancelled; ${again}`;
  if (details.some((d) => d === 'interrupted while waiting to retry')) return `interrupted by ${signal} while waiting to retry an upload; ${again}`;
  if (report.dryRun || details.some((d) => d.startsWith('interrupted while reading'))) {
    // Sent: any attempt made, whatever its outcome (a refused upload, one answered 409, one retried).
    const sent = report.targets.some((t) => t.files.some((f) => f.attempts > 0));
    return `interrupted by ${signal} while reading an index${report.dryRun || sent ? '' : ' (no upload had started: nothing was sent)'}; ${report.dryRun ? 'nothing is sent on a dry run' : again}`;
  }
  return `interrupted by ${signal}; ${again}`;
}
