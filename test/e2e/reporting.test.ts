/**
 * What a release manager reads after a run: the Markdown summary (parsed with a real Markdown
 * parser), the step outputs, the --json report (validated by its own schema) and the Actions
 * commands, for success, partial failure and failure. In-process runs of the CLI (main() with its own
 * io); the canary test (secrets-canary) runs the built CLI once per output mode.
 */
import { writeFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { marked, type Tokens } from 'marked';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { startGiteaRegistry, startPypiRegistry } from '../helpers/registries/index.js';
import { JsonReportSchema } from '../../src/report/json.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

const FILES = ['molecule_demo_hatch-2.0.0rc1-py3-none-any.whl', 'molecule_demo_hatch-2.0.0rc1.tar.gz', 'molecule_demo_local-1.0.0+local.1-py3-none-any.whl'];

async function setup() {
  const gitea = await startGiteaRegistry();
  const pypi = await startPypiRegistry();
  open.push(gitea, pypi);
  const dist = await mkdtemp(join(tmpdir(), 'molecule-dist-'));
  for (const f of FILES) await copyFile(join(FIXTURES, f), join(dist, f));
  const outputs = join(await mkdtemp(join(tmpdir(), 'molecule-out-')), 'outputs');
  const args = ['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--pypi-url', pypi.uploadUrl, '--retry-delay', '0.01', dist];
  return { gitea, pypi, dist, outputs, args };
}

/** A cell as a reader sees it: rendered by marked, tags dropped, entities decoded. */
function rendered(text: string): string {
  const html = marked.parseInline(text, { gfm: true }) as string;
  return html
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** GFM tables of a Markdown document, as arrays of plain-text rows (header first). */
function tables(markdown: string): string[][][] {
  return marked
    .lexer(markdown, { gfm: true })
    .filter((t): t is Tokens.Table => t.type === 'table')
    .map((t) => [t.header.map((c) => rendered(c.text)), ...t.rows.map((r) => r.map((c) => rendered(c.text)))]);
}

/** GITHUB_OUTPUT's `name<<DELIM ... DELIM` blocks. */
function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /^([A-Za-z_]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const m of text.matchAll(re)) out[m[1] ?? ''] = m[3] ?? '';
  return out;
}

describe('the Markdown summary', () => {
  it('has a target table and a file table that a Markdown parser reads cell by cell', async () => {
    const { args } = await setup();
    const r = await runMain(args, { env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) });
    expect(r.code, r.stderr).toBe(0);
    const [targets, files] = tables(r.summary);
    expect(targets?.[0]).toEqual(['Target', 'Where', 'Policy', 'Status', 'Uploaded', 'Already present', 'Skipped', 'Failed', 'Detail']);
    // PyPI refuses the local version: `partial`, never `success`, with the skipped file counted and explained.
    expect(targets?.slice(1).map((row) => row.slice(0, 8))).toEqual([
      ['Gitea', expect.stringMatching(/^127\.0\.0\.1:\d+ \(molecule\)$/), 'required', 'success', '3', '0', '0', '0'],
      ['PyPI', expect.stringMatching(/^127\.0\.0\.1:\d+$/), 'best-effort', 'partial', '2', '0', '1', '0'],
    ]);
    expect(targets?.[2]?.[8]).toMatch(
      /^1 file\(s\) refused by its rules, never sent; first: molecule_demo_local-1\.0\.0\+local\.1-py3-none-any\.whl: PyPI refuses local versions/,
    );
    expect(files?.[0]).toEqual(['File', 'Version', 'Type', 'Size', 'sha256', 'Gitea', 'PyPI']);
    const local = files?.find((row) => row[0] === 'molecule_demo_local-1.0.0+local.1-py3-none-any.whl');
    expect(local?.slice(1, 3)).toEqual(['1.0.0+local.1', 'wheel']);
    expect(local?.slice(5)).toEqual(['uploaded', 'skipped_unsupported']);
    expect(r.summary).toContain('Published 3 file(s) to Gitea; PyPI: 2 uploaded, 1 skipped (it refuses them): the release is available from Gitea.');
    // Also at the end of the log, because Gitea 1.22 does not render job summaries.
    expect(r.stdout.trim()).toBe(r.summary.trim());
  });

  it('is appended to what earlier steps wrote, never overwriting it', async () => {
    const { args } = await setup();
    const summary = join(await mkdtemp(join(tmpdir(), 'molecule-sum-')), 'summary.md');
    await writeFile(summary, '## Build step\n\nbuilt 3 files\n');
    const r = await runMain(args, { env: giteaEnv({ GITHUB_STEP_SUMMARY: summary }) });
    expect(r.code).toBe(0);
    const text = await readFile(summary, 'utf8');
    expect(text.startsWith('## Build step\n\nbuilt 3 files\n')).toBe(true);
    expect(text).toContain('### molecule-publish');
  });

  it('escapes pipes, backticks and newlines from server messages so the table holds', async () => {
    const { args, pypi } = await setup();
    pypi.injectFault({ kind: 'status', status: 400, body: '{"code": "400 Bad | thing with `ticks`\\nand a second line"}', always: true });
    const r = await runMain(args, { env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) });
    expect(r.code).toBe(0);
    const [targets] = tables(r.summary);
    const pypiRow = targets?.find((row) => row[0] === 'PyPI');
    expect(pypiRow).toHaveLength(9);
    expect(pypiRow?.[3]).toBe('failed_http_400');
    expect(pypiRow?.[8]).toContain('Bad | thing with `ticks` and a second line');
    expect(r.summary).toContain('Published 3 file(s) to Gitea; PyPI failed (400): the release is available from Gitea.');
  });

  it('a run stopped before uploading still leaves its reason in the summary', async () => {
    const { args } = await setup();
    const r = await runMain(args, { env: {} });
    expect(r.code).toBe(2);
    expect(r.summary).toContain('**Nothing was published** (exit 2)');
    expect(r.summary).toContain('Gitea credentials missing');
  });
});

describe('step outputs', () => {
  it('says published=true and each target status after a success with a PyPI failure', async () => {
    const { args, outputs } = await setup();
    const r = await runMain(args, { env: giteaEnv({ PYPI_TOKEN: 'garbage', GITHUB_OUTPUT: outputs }) });
    expect(r.code).toBe(0);
    const o = parseOutputs(await readFile(outputs, 'utf8'));
    expect(o).toMatchObject({ published: 'true', gitea_status: 'success', pypi_status: 'failed_http_403', gitea_uploaded: '3', files: '3', exit_code: '0' });
  });

  it('says published=false when Gitea failed, with PyPI not_attempted', async () => {
    const { args, outputs } = await setup();
    const r = await runMain(args, { env: giteaEnv({ MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: 'nope', PYPI_TOKEN: 'pypi-test-token', GITHUB_OUTPUT: outputs }) });
    expect(r.code).toBe(1);
    const o = parseOutputs(await readFile(outputs, 'utf8'));
    expect(o).toMatchObject({ published: 'false', gitea_status: 'failed_http_401', pypi_status: 'not_attempted', exit_code: '1' });
  });
});

describe('--json', () => {
  it('prints exactly one JSON document on stdout, valid against the schema; the summary moves to stderr', async () => {
    const { args } = await setup();
    const r = await runMain(['--json', ...args], { env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) });
    expect(r.code).toBe(0);
    const report = JsonReportSchema.parse(JSON.parse(r.stdout));
    expect(report.published).toBe(true);
    expect(report.targets.map((t) => [t.id, t.status, t.counts.uploaded])).toEqual([
      ['gitea', 'success', 3],
      ['pypi', 'partial', 2],
    ]);
    expect(report.files.map((f) => f.filename).sort()).toEqual([...FILES].sort());
    // Each file's sha256 is known after the upload (computed while it streamed).
    expect(report.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256 ?? ''))).toBe(true);
    expect(r.stderr).toContain('| Target | Where |');
  });

  it('still prints a report when the run stops early (exit 3)', async () => {
    const { args, dist } = await setup();
    await writeFile(join(dist, 'empty-1.0-py3-none-any.whl'), '');
    const r = await runMain(['--json', ...args], { env: giteaEnv() });
    expect(r.code).toBe(3);
    const report = JsonReportSchema.parse(JSON.parse(r.stdout));
    expect(report.published).toBe(false);
    expect(report.errors.join('\n')).toContain('empty-1.0-py3-none-any.whl: the file is empty');
  });
});

describe('inside Actions', () => {
  it('masks the tokens first, then reports a required failure as ::error:: and a fallback failure as ::warning::', async () => {
    const { args } = await setup();
    const env = giteaEnv({ PYPI_TOKEN: 'garbage-token', GITHUB_ACTIONS: 'true', GITEA_ACTIONS: 'true' });
    const r = await runMain(args, { env });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 2).sort()).toEqual(['::add-mask::garbage-token', '::add-mask::gitea-test-token']);
    expect(r.stdout).toMatch(/^::warning::PyPI failed_http_403: /m);
    expect(r.stdout).not.toMatch(/^::error::/m);

    const failed = await runMain(args, { env: { ...env, MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: 'wrong' } });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^::error::Gitea failed_http_401: /m);
  });

  describe('step outputs on every exit', () => {
    it.each([
      ['exit 2 (missing Gitea credentials)', { MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: undefined }, 2],
      ['exit 3 (an invalid file)', {}, 3],
    ] as const)('%s: published=false and the real exit code', async (_what, env, code) => {
      const dir = await mkdtemp(join(tmpdir(), 'molecule-outputs-'));
      const outputs = join(dir, 'outputs.txt');
      if (code === 3) writeFileSync(join(dir, 'broken-1.0-py3-none-any.whl'), 'not a zip\n');
      const r = await runMain(['--gitea-url', 'https://git.example.com', '--gitea-owner', 'o', '--no-pypi', dir], {
        env: giteaEnv({ GITHUB_OUTPUT: outputs, ...env }),
      });
      expect(r.code).toBe(code);
      expect(parseOutputs(await readFile(outputs, 'utf8'))).toMatchObject({ published: 'false', exit_code: String(code), gitea_status: 'not_attempted' });
    });

    it.each([
      ['SIGTERM during the PyPI upload', 'pypi', 'SIGTERM', 143],
      ['SIGINT during the Gitea upload', 'gitea', 'SIGINT', 130],
    ] as const)('%s: exit_code says %s, and a target that never started is not_attempted', async (_what, slow, signal, code) => {
      const gitea = await startGiteaRegistry();
      const pypi = await startPypiRegistry();
      open.push(gitea, pypi);
      (slow === 'gitea' ? gitea : pypi).injectFault({ kind: 'slow-answer', stallMs: 10_000, always: true });
      const dir = await mkdtemp(join(tmpdir(), 'molecule-signal-'));
      for (const f of FILES.slice(0, 1)) await copyFile(join(FIXTURES, f), join(dir, f));
      const outputs = join(dir, 'outputs.txt');
      const controller = new AbortController();
      const stalled = slow === 'gitea' ? gitea : pypi;
      const poll = setInterval(() => {
        if (stalled.uploads().length > 0) controller.abort(new Error(signal));
      }, 20);
      const r = await runMain(['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--pypi-url', pypi.uploadUrl, '--pypi-index-url', pypi.indexUrl, dir], {
        env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token', GITHUB_OUTPUT: outputs }),
        signal: controller.signal,
        interruptedBy: () => (controller.signal.aborted ? signal : undefined),
      }).finally(() => clearInterval(poll));
      expect(r.code).toBe(code);
      const o = parseOutputs(await readFile(outputs, 'utf8'));
      expect(o).toMatchObject({ published: 'false', exit_code: String(code) });
      if (slow === 'gitea') expect(o.pypi_status).toBe('not_attempted');
      else expect(o.gitea_status).toBe('success');
    });
  });
});
