/**
 * The rehearsal's part of the summary (appended after renderMarkdown's): what came back from the Gitea
 * sandbox, per file: downloaded, sha256 as published, installed (wheels, when pip is there).
 */
import type { Rehearsal } from './read-back.js';
import { cell } from '../report/markdown.js';

export function rehearsalHeadline(rehearsal: Rehearsal): string {
  const files = rehearsal.files;
  const good = files.filter((f) => f.downloaded && f.sha256Matches).length;
  const tried = files.filter((f) => f.installed !== undefined);
  const installed = tried.filter((f) => f.installed === true).length;
  const parts = [`${good} of ${files.length} file(s) read back from the Gitea sandbox with the local sha256`];
  if (rehearsal.pip === 'missing') parts.push('pip not found: wheels were not installed');
  else
    parts.push(
      `${installed} of ${tried.length} wheel(s) installed offline${rehearsal.installInto === 'target' ? ' (pip install --target: no venv available)' : ' into a temporary venv'}`,
    );
  return `Read back: ${parts.join('; ')}.`;
}

export function renderRehearsalMarkdown(rehearsal: Rehearsal): string {
  const yesNo = (v: boolean | undefined) => (v === undefined ? '—' : v ? 'yes' : '**no**');
  const lines = ['#### Rehearsal (sandbox registries on 127.0.0.1)', '', rehearsalHeadline(rehearsal), ''];
  if (rehearsal.pip === 'found') lines.push(`pip: ${cell(rehearsal.pipVersion ?? 'found')} (${cell(rehearsal.python ?? '')})`, '');
  lines.push('| File | Downloaded | sha256 | Installed | Detail |', '|---|---|---|---|---|');
  for (const f of rehearsal.files) {
    const sha = f.downloaded ? (f.sha256Matches ? 'matches' : '**differs**') : '—';
    lines.push(`| ${cell(f.filename)} | ${yesNo(f.downloaded)} | ${sha} | ${yesNo(f.installed)} | ${cell(f.detail ?? '')} |`);
  }
  lines.push('');
  return lines.join('\n');
}
