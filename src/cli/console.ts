/**
 * Human output on stderr (stdout is kept for the report). One line per event, suitable for CI logs;
 * nothing printed here ever contains a credential (targets carry only the names of the variables).
 */
import type { Inspection } from '../artifacts/artifact.js';
import type { EngineEvent } from '../upload/engine.js';
import type { PublishReport } from '../report/model.js';
import { formatDuration, formatSize, kindLabel } from '../report/format.js';

export type Verbosity = 'quiet' | 'normal' | 'verbose';

export interface Console {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
  debug(line: string): void;
}

export function createConsole(verbosity: Verbosity, write: (text: string) => void = (t) => process.stderr.write(t)): Console {
  return {
    info: (line) => verbosity !== 'quiet' && write(`${line}\n`),
    warn: (line) => verbosity !== 'quiet' && write(`warning: ${line}\n`),
    error: (line) => write(`error: ${line}\n`),
    debug: (line) => verbosity === 'verbose' && write(`debug: ${line}\n`),
  };
}

export function printInspections(out: Console, inspections: readonly Inspection[]): void {
  for (const i of inspections) {
    const a = i.artifact;
    if (a) out.info(`  ${a.filename}  ${kindLabel(a.filetype)}  ${a.name} ${a.version}  ${formatSize(a.size)}  sha256:${a.digests.sha256.slice(0, 16)}…`);
    for (const w of i.warnings) out.warn(`${i.filename}: ${w}`);
  }
}

export function eventPrinter(out: Console): (e: EngineEvent) => void {
  return (e) => {
    switch (e.type) {
      case 'target-start':
        out.debug(`${e.target}: ${e.files} file(s)`);
        break;
      case 'file-start':
        out.info(`${e.target}: uploading ${e.filename} (${formatSize(e.size)})${e.attempt > 1 ? `, attempt ${e.attempt}` : ''}`);
        break;
      case 'file-done': {
        const r = e.result;
        out.info(`${e.target}: ${r.filename}: ${r.status}${r.detail ? ` (${r.detail})` : ''} in ${formatDuration(r.durationMs)}`);
        if (r.hint) out.info(`${e.target}: hint: ${r.hint}`);
        break;
      }
      case 'retry':
        out.warn(`${e.target}: ${e.filename}: ${e.reason}; retrying in ${formatDuration(e.delayMs)} (attempt ${e.attempt + 1})`);
        break;
      case 'index':
        out.debug(`${e.target}: index for ${e.project}: ${e.outcome}`);
        break;
      case 'progress':
        break;
      case 'target-done':
        out.debug(`${e.target}: ${e.status}`);
        break;
    }
  };
}

export function printTargets(out: Console, report: PublishReport): void {
  for (const t of report.targets) {
    out.info(`${t.label} (${t.policy}) ${t.uploadUrl}: ${t.status}${t.detail ? ` — ${t.detail}` : ''}`);
    if (t.hint) out.info(`  hint: ${t.hint}`);
    if (report.dryRun) {
      for (const f of t.files) out.info(`  ${f.status.padEnd(19)} ${f.filename}${f.detail ? `  (${f.detail})` : ''}`);
    }
  }
}
