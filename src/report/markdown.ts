/**
 * The Markdown status report for the CI job summary ($GITHUB_STEP_SUMMARY) and the end of the log:
 * a headline, a table of targets and a table of files with their status at each target.
 */
import { targetCounts, type PublishReport } from '../outcome/model.js';
import { formatSize, kindLabel } from './format.js';

/** A table cell: pipes escaped, newlines flattened, backticks neutralised. */
export function cell(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/`/g, '\\`')
    .replace(/</g, '&lt;')
    .replace(/\s*\r?\n\s*/g, ' ')
    .trim();
}

/** "failed_http_403" -> "403", "failed_network" -> "network error", for the headline. */
function why(status: string): string {
  const http = /^failed_http_(\d+)$/.exec(status)?.[1];
  if (http) return http;
  return status === 'failed_network' ? 'network error' : status.replace(/_/g, ' ');
}

export function headline(report: PublishReport): string {
  const required = report.targets.filter((t) => t.policy === 'required');
  const optional = report.targets.filter((t) => t.policy !== 'required');
  if (report.dryRun) {
    return `Dry run: ${report.files.length} file(s) checked; nothing was sent.`;
  }
  const parts: string[] = [];
  for (const t of required) {
    const c = targetCounts(t.files);
    parts.push(
      t.status === 'success'
        ? `Published ${c.uploaded} file(s) to ${t.label}${c.alreadyPresent ? ` (${c.alreadyPresent} already there)` : ''}`
        : `${t.label} FAILED (${why(t.status)})`,
    );
  }
  for (const t of optional) {
    const c = targetCounts(t.files);
    if (t.status === 'success') parts.push(`${t.label}: ${c.uploaded} uploaded`);
    else if (t.status === 'partial') {
      const pieces = [`${c.uploaded} uploaded`];
      if (c.alreadyPresent > 0) pieces.push(`${c.alreadyPresent} already there`);
      if (c.skipped > 0) pieces.push(`${c.skipped} skipped (it refuses them)`);
      if (c.failed > 0) pieces.push(`${c.failed} refused by the server`);
      parts.push(`${t.label}: ${pieces.join(', ')}`);
    } else if (t.status === 'skipped_unsupported') parts.push(`${t.label} skipped (it refuses every file)`);
    else if (t.status === 'skipped_no_token') parts.push(`${t.label} skipped (no token)`);
    else if (t.status === 'not_attempted') parts.push(`${t.label} not attempted`);
    else parts.push(`${t.label} failed (${why(t.status)})`);
  }
  const ok = report.exitCode === 0;
  const tail = ok
    ? optional.some((t) => t.status !== 'success')
      ? `: the release is available from ${required.map((t) => t.label).join(', ')}`
      : ''
    : ': the release is NOT published';
  return `${parts.join('; ')}${tail}.`;
}

export interface RenderOptions {
  /** A rehearsal against local sandboxes: said in the heading and the headline, so it never reads as a release. */
  rehearsal?: boolean;
}

export function renderMarkdown(report: PublishReport, options: RenderOptions = {}): string {
  const lines: string[] = [];
  const title = options.rehearsal ? ' rehearsal (local sandbox registries; nothing was published)' : report.dryRun ? ' (dry run)' : '';
  lines.push(`### molecule-publish${title}`, '', `${options.rehearsal ? 'Rehearsal: ' : ''}${headline(report)}`, '');
  lines.push('| Target | Where | Policy | Status | Uploaded | Already present | Skipped | Failed | Detail |');
  lines.push('|---|---|---|---|---:|---:|---:|---:|---|');
  for (const t of report.targets) {
    const c = targetCounts(t.files);
    const detail = [t.detail, t.hint ? `hint: ${t.hint}` : undefined].filter(Boolean).join(' — ');
    lines.push(
      `| ${cell(t.label)} | ${cell(t.where)} | ${t.policy} | \`${t.status}\` | ${c.uploaded} | ${c.alreadyPresent} | ${c.skipped} | ${c.failed} | ${cell(detail)} |`,
    );
  }
  lines.push('');
  // Packages linked to a repository after the publish (Gitea 1.24+), said once per target.
  for (const t of report.targets) {
    const links = t.links ?? [];
    if (links.length === 0) continue;
    const by = (status: string) => links.filter((l) => l.status === status).map((l) => `\`${cell(l.package)}\``);
    const parts = [
      by('linked').length ? `linked ${by('linked').join(', ')}` : '',
      by('already_linked').length ? `already linked to a repository: ${by('already_linked').join(', ')}` : '',
      by('failed').length ? `not linked (see the log): ${by('failed').join(', ')}` : '',
    ].filter(Boolean);
    lines.push(`${cell(t.label)} → repository \`${cell(links[0]?.repository ?? '')}\`: ${parts.join('; ')}.`, '');
  }
  lines.push(`| File | Version | Type | Size | sha256 | ${report.targets.map((t) => cell(t.label)).join(' | ')} |`);
  lines.push(`|---|---|---|---:|---|${report.targets.map(() => '---').join('|')}|`);
  for (const f of report.files) {
    const statuses = report.targets.map((t) => {
      const r = t.files.find((x) => x.filename === f.filename);
      return r ? `\`${r.status}\`` : '';
    });
    lines.push(
      `| ${cell(f.filename)} | ${cell(f.version)} | ${kindLabel(f.filetype)} | ${formatSize(f.size)} | ${f.sha256 ? `\`${f.sha256.slice(0, 12)}\`` : '—'} | ${statuses.join(' | ')} |`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
