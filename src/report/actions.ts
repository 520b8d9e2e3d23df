/**
 * Gitea/GitHub Actions integration: workflow commands (`::add-mask::`, `::error::`, `::warning::`)
 * and step outputs appended to $GITHUB_OUTPUT. Escaping follows actions/toolkit's command.ts and
 * file-command.ts; outputs use a random heredoc delimiter so no value can end the block early.
 */
import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { targetCounts, type PublishReport } from '../outcome/model.js';

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function command(name: 'add-mask' | 'error' | 'warning' | 'notice', message: string): string {
  return `::${name}::${escapeData(message)}\n`;
}

export function isActions(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true' || env.GITEA_ACTIONS === 'true';
}

/** The step outputs a later step can branch on. */
export function stepOutputs(report: PublishReport, exitCode = report.exitCode): Record<string, string> {
  const outputs: Record<string, string> = {
    // The process's own exit code (130/143 after a signal), and published only when it is 0.
    published: String(!report.dryRun && exitCode === 0),
    dry_run: String(report.dryRun),
    exit_code: String(exitCode),
    files: String(report.files.length),
  };
  for (const t of report.targets) {
    const c = targetCounts(t.files);
    outputs[`${t.id}_status`] = t.status;
    outputs[`${t.id}_uploaded`] = String(c.uploaded);
    outputs[`${t.id}_already_present`] = String(c.alreadyPresent);
    outputs[`${t.id}_skipped`] = String(c.skipped);
    outputs[`${t.id}_failed`] = String(c.failed);
  }
  return outputs;
}

/** The outputs of a run that stopped before publishing (exit 2 or 3): nothing was published anywhere. */
export function stoppedOutputs(exitCode: number, dryRun: boolean): Record<string, string> {
  return { published: 'false', dry_run: String(dryRun), exit_code: String(exitCode), files: '0', gitea_status: 'not_attempted', pypi_status: 'not_attempted' };
}

export function formatOutputs(outputs: Record<string, string>, delimiter = `ghadelimiter_${randomUUID()}`): string {
  return Object.entries(outputs)
    .map(([key, value]) => {
      if (value.includes(delimiter)) throw new Error(`output ${key} contains the delimiter`);
      return `${key}<<${delimiter}\n${value}\n${delimiter}\n`;
    })
    .join('');
}

export async function writeStepOutputs(file: string, outputs: Record<string, string>): Promise<void> {
  await appendFile(file, formatOutputs(outputs), 'utf8');
}
