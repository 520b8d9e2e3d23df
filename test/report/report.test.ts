/**
 * The report renderers on their own, from PublishReport values: the Markdown summary (cells that
 * hold whatever a server says, headlines for each outcome) and the Actions outputs and commands.
 */
import { describe, expect, it } from 'vitest';
import type { FileResult, PublishReport, TargetReport, TargetStatus } from '../../src/outcome/model.js';
import { command, formatOutputs, stepOutputs, stoppedOutputs } from '../../src/report/actions.js';
import { cell, headline, renderMarkdown } from '../../src/report/markdown.js';

function target(id: 'gitea' | 'pypi', status: TargetStatus, files: FileResult[], detail?: string): TargetReport {
  const t: TargetReport = {
    id,
    label: id === 'gitea' ? 'Gitea' : 'PyPI',
    where: id === 'gitea' ? 'git.example.com (org)' : 'upload.pypi.org',
    policy: id === 'gitea' ? 'required' : 'best-effort',
    uploadUrl: 'https://x/',
    indexUrl: 'https://x/simple/',
    credentials: 'present',
    status,
    files,
    durationMs: 1,
  };
  if (detail) t.detail = detail;
  return t;
}
const file = (filename: string, status: FileResult['status']): FileResult => ({ filename, status, attempts: 1, durationMs: 1 });
const WHEEL = 'demo-1.0-py3-none-any.whl';
const SDIST = 'demo-1.0.tar.gz';

function report(gitea: TargetReport, pypi: TargetReport, exitCode = 0): PublishReport {
  return {
    dryRun: false,
    files: [WHEEL, SDIST].map((f) => ({
      filename: f,
      path: `dist/${f}`,
      name: 'demo',
      version: '1.0',
      filetype: f.endsWith('.whl') ? 'bdist_wheel' : 'sdist',
      size: 1234,
      warnings: [],
    })),
    targets: [gitea, pypi],
    exitCode,
    durationMs: 5,
  };
}

describe('Markdown summary', () => {
  it('keeps a table whole whatever a server sends: pipes, backticks, newlines, HTML', () => {
    expect(cell('a | b `c`\nd <script>')).toBe('a \\| b \\`c\\` d &lt;script>');
  });

  it.each([
    [
      'everything published',
      report(
        target('gitea', 'success', [file(WHEEL, 'uploaded'), file(SDIST, 'uploaded')]),
        target('pypi', 'success', [file(WHEEL, 'uploaded'), file(SDIST, 'uploaded')]),
      ),
      'Published 2 file(s) to Gitea; PyPI: 2 uploaded.',
    ],
    [
      'PyPI refused one file',
      report(
        target('gitea', 'success', [file(WHEEL, 'uploaded'), file(SDIST, 'already_present')]),
        target('pypi', 'partial', [file(WHEEL, 'uploaded'), file(SDIST, 'skipped_unsupported')]),
      ),
      'Published 1 file(s) to Gitea (1 already there); PyPI: 1 uploaded, 1 skipped (it refuses them): the release is available from Gitea.',
    ],
    [
      'PyPI failed',
      report(
        target('gitea', 'success', [file(WHEEL, 'uploaded'), file(SDIST, 'uploaded')]),
        target('pypi', 'failed_http_403', [file(WHEEL, 'failed_http_403'), file(SDIST, 'not_attempted')]),
      ),
      'Published 2 file(s) to Gitea; PyPI failed (403): the release is available from Gitea.',
    ],
    [
      'Gitea failed',
      report(
        target('gitea', 'failed_network', [file(WHEEL, 'failed_network'), file(SDIST, 'not_attempted')]),
        target('pypi', 'not_attempted', [file(WHEEL, 'not_attempted'), file(SDIST, 'not_attempted')]),
        1,
      ),
      'Gitea FAILED (network error); PyPI not attempted: the release is NOT published.',
    ],
  ])('headline: %s', (_what, r, expected) => {
    expect(headline(r)).toBe(expected);
  });

  it('has a Skipped column and a row per file with its status at each target', () => {
    const md = renderMarkdown(
      report(
        target('gitea', 'success', [file(WHEEL, 'uploaded'), file(SDIST, 'uploaded')]),
        target('pypi', 'partial', [file(WHEEL, 'uploaded'), file(SDIST, 'skipped_unsupported')], 'why | not'),
      ),
    );
    expect(md).toContain('| Target | Where | Policy | Status | Uploaded | Already present | Skipped | Failed | Detail |');
    expect(md).toContain('| PyPI | upload.pypi.org | best-effort | `partial` | 1 | 0 | 1 | 0 | why \\| not |');
    expect(md).toContain(`| ${SDIST} | 1.0 | sdist | 1.2 KiB | — | \`uploaded\` | \`skipped_unsupported\` |`);
  });

  it('a rehearsal says so in its heading and headline', () => {
    const md = renderMarkdown(report(target('gitea', 'success', [file(WHEEL, 'uploaded')]), target('pypi', 'success', [file(WHEEL, 'uploaded')])), {
      rehearsal: true,
    });
    expect(md.split('\n')[0]).toBe('### molecule-publish rehearsal (local sandbox registries; nothing was published)');
    expect(md.split('\n')[2]).toMatch(/^Rehearsal: Published/);
  });
});

describe('Actions', () => {
  it('escapes workflow command data so a message cannot end the command (actions/toolkit command.ts)', () => {
    expect(command('warning', 'a%b\r\nc')).toBe('::warning::a%25b%0D%0Ac\n');
  });

  it('step outputs: the exit code given wins over the report (a signal), and published follows it', () => {
    const r = report(target('gitea', 'success', [file(WHEEL, 'uploaded')]), target('pypi', 'partial', [file(WHEEL, 'skipped_unsupported')]));
    expect(stepOutputs(r)).toMatchObject({ published: 'true', exit_code: '0', gitea_uploaded: '1', pypi_skipped: '1', pypi_status: 'partial' });
    expect(stepOutputs(r, 143)).toMatchObject({ published: 'false', exit_code: '143' });
    expect(stoppedOutputs(3, false)).toEqual({
      published: 'false',
      dry_run: 'false',
      exit_code: '3',
      files: '0',
      gitea_status: 'not_attempted',
      pypi_status: 'not_attempted',
    });
  });

  it('writes outputs as heredocs with a delimiter no value may contain', () => {
    expect(formatOutputs({ a: 'one\ntwo' }, 'DELIM')).toBe('a<<DELIM\none\ntwo\nDELIM\n');
    expect(() => formatOutputs({ a: 'x DELIM y' }, 'DELIM')).toThrow(/contains the delimiter/);
  });
});
