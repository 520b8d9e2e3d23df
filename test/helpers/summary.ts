/** Reads the status tables back out of the Markdown summary the CLI prints. */

export interface SummaryTables {
  /** Target label -> status. */
  targets: Record<string, string>;
  /** File name -> target label -> status. */
  files: Record<string, Record<string, string>>;
  /** Target label -> detail cell. */
  details: Record<string, string>;
}

function cells(line: string): string[] {
  return line
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/^`(.*)`$/, '$1'));
}

export function parseSummary(markdown: string): SummaryTables {
  const lines = markdown.split('\n').filter((l) => l.startsWith('|'));
  const out: SummaryTables = { targets: {}, files: {}, details: {} };
  let header: string[] = [];
  for (const line of lines) {
    const row = cells(line);
    if (row.every((c) => /^-+:?$|^:?-+$/.test(c))) continue;
    if (row[0] === 'Target' || row[0] === 'File') {
      header = row;
      continue;
    }
    if (header[0] === 'Target') {
      out.targets[row[0] ?? ''] = row[3] ?? '';
      out.details[row[0] ?? ''] = row[8] ?? '';
    } else if (header[0] === 'File') {
      const statuses: Record<string, string> = {};
      for (const [i, label] of header.slice(5).entries()) statuses[label] = row[5 + i] ?? '';
      out.files[row[0] ?? ''] = statuses;
    }
  }
  return out;
}
