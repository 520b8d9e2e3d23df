/**
 * Every real wheel this machine holds (downloaded from PyPI for pip: see test/helpers/real-wheels.ts
 * for where they are found) goes through `check` and a dry run, in-process: none may be refused for
 * Gitea, the required target. Opt-in by presence: on a machine without the corpus (CI) the suite is
 * one skipped line. MOLECULE_REAL_WHEELS=DIR[:DIR...] points it at other folders ('' turns it off).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { JsonReportSchema } from '../../src/report/json.js';
import { giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { describeRealWheelSource, findRealWheels } from '../helpers/real-wheels.js';

const wheels = findRealWheels();
const source = describeRealWheelSource();
const TIMEOUT_MS = 120_000;

/** `check`'s stdout cut into one block per file: its `Checking <path>: <verdict>` line and the indented lines under it. */
function checkBlocks(stdout: string): Array<{ path: string; verdict: string; lines: string[] }> {
  const blocks: Array<{ path: string; verdict: string; lines: string[] }> = [];
  for (const line of stdout.split('\n')) {
    const head = /^Checking (.+?): (PASSED.*|FAILED.*)$/.exec(line);
    if (head) blocks.push({ path: head[1] ?? '', verdict: head[2] ?? '', lines: [] });
    else if (line.startsWith('  ')) blocks.at(-1)?.lines.push(line.trim());
  }
  return blocks;
}

const figures: string[] = [];
afterAll(() => {
  if (figures.length) console.log(`real wheels: ${wheels.length} file(s) from ${source}; ${figures.join('; ')}`);
});

// Without a corpus (CI): one skipped line, in every reporter.
const skipReason = "no real wheels on this machine: set MOLECULE_REAL_WHEELS=DIR[:DIR...], or pip's find-links / a file:// index-url in pip.conf";
if (wheels.length === 0) it.skip(`every real wheel on this machine (skipped: ${skipReason})`, () => {});
else
  describe(`every real wheel on this machine (${wheels.length}, ${source})`, () => {
    it(
      'check: none is refused for Gitea (exit 0, no error line, no FAILED)',
      async () => {
        const started = performance.now();
        const r = await runMain(['check', ...wheels]);
        const seconds = (performance.now() - started) / 1000;
        const blocks = checkBlocks(r.stdout);
        const refused = blocks.filter((b) => b.verdict.startsWith('FAILED') || b.lines.some((l) => l.startsWith('error:') || l.startsWith('Gitea ')));
        const pypiRefused = blocks.filter((b) => b.lines.some((l) => l.startsWith('PyPI ')));
        figures.push(`check ${seconds.toFixed(1)} s, ${pypiRefused.length} refused by PyPI, ${refused.length} refused for Gitea`);
        const listing = refused.map((b) => `${b.path}: ${b.verdict}\n    ${b.lines.join('\n    ')}`).join('\n');
        expect(
          refused.length,
          `${refused.length} of ${wheels.length} real wheel(s) refused for Gitea:\n${listing}${r.stderr.trim() ? `\nstderr ends: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`,
        ).toBe(0);
        expect(blocks.length, 'one Checking line per wheel').toBe(wheels.length);
        expect(r.stdout + r.stderr).not.toMatch(/^\s*error: /m);
        expect(r.code).toBe(0);
      },
      TIMEOUT_MS,
    );

    it(
      'dry run to Gitea and PyPI, offline: exit 0, Gitea skips none',
      async () => {
        const started = performance.now();
        const r = await runMain(['--dry-run', '--offline', '--json', '--gitea-url', 'http://127.0.0.1:9/', '--gitea-owner', 'x', ...wheels], {
          env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }),
        });
        const seconds = (performance.now() - started) / 1000;
        let report: ReturnType<typeof JsonReportSchema.parse> | undefined;
        try {
          report = JsonReportSchema.parse(JSON.parse(r.stdout));
        } catch {
          report = undefined;
        }
        const gitea = report?.targets.find((t) => t.label === 'Gitea');
        const pypi = report?.targets.find((t) => t.label === 'PyPI');
        const giteaSkipped = gitea?.files.filter((f) => f.status === 'skipped_unsupported') ?? [];
        const pypiSkipped = pypi?.files.filter((f) => f.status === 'skipped_unsupported') ?? [];
        figures.push(`dry run ${seconds.toFixed(1)} s, PyPI skips ${pypi ? pypiSkipped.length : '?'}, Gitea skips ${gitea ? giteaSkipped.length : '?'}`);
        const why = report
          ? [...report.errors, ...giteaSkipped.map((f) => `Gitea skipped_unsupported ${f.filename}: ${f.detail ?? ''}`)].join('\n  ')
          : `no JSON report on stdout; stderr ends: ${r.stderr.trim().split('\n').slice(-5).join(' | ')}`;
        expect(r.code, `exit ${r.code}:\n  ${why}`).toBe(0);
        expect(giteaSkipped, `Gitea refuses ${giteaSkipped.length} real wheel(s):\n  ${why}`).toEqual([]);
        expect(gitea?.status).toBe('dry_run');
        expect(gitea?.files.map((f) => f.status)).toEqual(wheels.map(() => 'would_upload'));
        expect(pypi?.files).toHaveLength(wheels.length);
      },
      TIMEOUT_MS,
    );
  });
