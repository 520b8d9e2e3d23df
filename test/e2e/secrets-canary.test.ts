/**
 * The canary test: recognisable token values go into the environment of every kind of run (success,
 * refusals, outages, retries, redirects, stalls, dry run, bad input, missing configuration), in each
 * output mode, inside a simulated Actions job. Neither token, nor the Basic header built from it, may
 * appear in stdout, stderr, the step summary or the step outputs, except in the `::add-mask::` lines
 * that tell the runner to hide it, and those must come first on their stream.
 *
 * The matrix runs in-process (main() with the same io a process gets); one scenario per output mode
 * also runs as the built CLI in a child process, to catch anything written around the io (straight to
 * process.stdout or stderr, or by Node itself).
 */
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, runCli, type CliOptions, type CliResult } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { parseSummary } from '../helpers/summary.js';
import { startGiteaRegistry, startPypiRegistry, type GiteaRegistry, type PypiRegistry } from '../helpers/registries/index.js';

const GITEA_CANARY = 'canary-gitea-token-7f3a9';
const PYPI_CANARY = 'pypi-canary-token-b21c4';
const GITEA_BASIC = Buffer.from(`publisher:${GITEA_CANARY}`).toString('base64');
const PYPI_BASIC = Buffer.from(`__token__:${PYPI_CANARY}`).toString('base64');
const FORBIDDEN = [GITEA_CANARY, PYPI_CANARY, GITEA_BASIC, PYPI_BASIC];
const MASK_LINES = new Set([`::add-mask::${GITEA_CANARY}`, `::add-mask::${PYPI_CANARY}`]);

const SECRET_VARS = ['MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN', 'PYPI_TOKEN', 'GITEA_PYPI_PUBLISHER_TOKEN'] as const;

const FILES = ['molecule_demo_hatch-2.0.0rc1-py3-none-any.whl', 'molecule_demo_hatch-2.0.0rc1.tar.gz'];

/** Registries whose valid tokens are the canaries (unless a scenario wants the canary refused). */
const canaryGitea = (ownsOwner = true) => startGiteaRegistry({ users: { publisher: { token: GITEA_CANARY, scopes: ['write:package'], ownsOwner } } });
const canaryPypi = () => startPypiRegistry({ tokens: { [PYPI_CANARY]: {} } });

const bothTokens = { MOLECULE_PYPI_GITEA_PUBLISHER_USER: 'publisher', MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: GITEA_CANARY, PYPI_TOKEN: PYPI_CANARY };

async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

async function dist(files: readonly string[] = FILES): Promise<string> {
  const dir = await tempDir('molecule-canary-dist-');
  for (const f of files) await copyFile(join(FIXTURES, f), join(dir, f));
  return dir;
}

function targetArgs(gitea: GiteaRegistry, pypi: PypiRegistry | string | undefined): string[] {
  const args = ['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--retry-delay', '0.01'];
  if (pypi === undefined) return [...args, '--no-pypi'];
  return [...args, '--pypi-url', typeof pypi === 'string' ? pypi : pypi.uploadUrl];
}

interface Setup {
  args: string[];
  env: Record<string, string | undefined>;
  /** How many times to run the same command (each run is checked). */
  runs?: number;
  /** Checks that the scenario really happened (so the canary checks are not vacuous). */
  check?: (results: CliResult[]) => void;
  close: Array<{ close(): Promise<void> }>;
}

interface Scenario {
  name: string;
  code: number;
  setup(): Promise<Setup>;
}

/** Did a registry receive the canary in an Authorization header? (The secret was really in play.) */
function sentBasic(registry: { requests: Array<{ headers: Record<string, string | string[] | undefined> }> }, basic: string): boolean {
  return registry.requests.some((q) => q.headers.authorization === `Basic ${basic}`);
}

const SCENARIOS: Scenario[] = [
  {
    name: 'happy path to both',
    code: 0,
    async setup() {
      const gitea = await canaryGitea();
      const pypi = await canaryPypi();
      return {
        args: [...targetArgs(gitea, pypi), await dist()],
        env: bothTokens,
        check: ([r]) => {
          expect(parseSummary(r?.summary ?? '').targets).toEqual({ Gitea: 'success', PyPI: 'success' });
          expect(sentBasic(gitea, GITEA_BASIC) && sentBasic(pypi, PYPI_BASIC)).toBe(true);
        },
        close: [gitea, pypi],
      };
    },
  },
  {
    name: 'garbage PyPI token (the canary, refused)',
    code: 0,
    async setup() {
      const gitea = await canaryGitea();
      const pypi = await startPypiRegistry(); // only its default token is valid
      return {
        args: [...targetArgs(gitea, pypi), await dist()],
        env: bothTokens,
        check: ([r]) => {
          expect(parseSummary(r?.summary ?? '').targets).toEqual({ Gitea: 'success', PyPI: 'failed_http_403' });
          expect(sentBasic(pypi, PYPI_BASIC)).toBe(true);
        },
        close: [gitea, pypi],
      };
    },
  },
  {
    name: 'PyPI unreachable',
    code: 0,
    async setup() {
      const gitea = await canaryGitea();
      // Port 9 of the loopback (discard): nothing listens there. A closed registry's port could be
      // taken by another test's server in the meantime (the canary runs concurrently).
      const url = 'http://127.0.0.1:9/legacy/';
      return {
        args: [...targetArgs(gitea, url), '--retries', '1', await dist()],
        env: bothTokens,
        check: ([r]) => expect(parseSummary(r?.summary ?? '').targets).toEqual({ Gitea: 'success', PyPI: 'failed_network' }),
        close: [gitea],
      };
    },
  },
  {
    name: 'no PyPI token',
    code: 0,
    async setup() {
      const gitea = await canaryGitea();
      const pypi = await canaryPypi();
      return {
        args: [...targetArgs(gitea, pypi), await dist()],
        env: { ...bothTokens, PYPI_TOKEN: undefined },
        check: ([r]) => {
          expect(parseSummary(r?.summary ?? '').targets).toEqual({ Gitea: 'success', PyPI: 'skipped_no_token' });
          expect(pypi.requests).toHaveLength(0);
        },
        close: [gitea, pypi],
      };
    },
  },
  {
    name: 'Gitea token missing, legacy GITEA_PYPI_PUBLISHER_TOKEN set',
    code: 2,
    async setup() {
      const gitea = await canaryGitea();
      const pypi = await canaryPypi();
      return {
        args: [...targetArgs(gitea, pypi), await dist()],
        env: { ...bothTokens, MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: undefined, GITEA_PYPI_PUBLISHER_TOKEN: GITEA_CANARY },
        check: ([r]) => {
          expect(r?.stderr).toContain('Gitea credentials missing');
          expect(r?.stderr).toContain('GITEA_PYPI_PUBLISHER_USER/GITEA_PYPI_PUBLISHER_TOKEN are set');
          // The dry run reads each index (GET only) and sends nothing.
          expect(gitea.uploads().length + pypi.uploads().length).toBe(0);
          expect([...gitea.requests, ...pypi.requests].every((q) => q.method === 'GET')).toBe(true);
        },
        close: [gitea, pypi],
      };
    },
  },
  {
    name: 'Gitea 503 twice, then OK',
    code: 0,
    async setup() {
      const gitea = await canaryGitea();
      const pypi = await canaryPypi();
      gitea.injectFault({ kind: 'status', status: 503, times: 2 });
      return {
        args: [...targetArgs(gitea, pypi), '--retries', '2', await dist()],
        env: bothTokens,
        check: ([r]) => {
          expect(parseSummary(r?.summary ?? '').targets).toEqual({ Gitea: 'success', PyPI: 'success' });
          expect(r?.stderr).toMatch(/HTTP 503; retrying in/);
        },
        close: [gitea, pypi],
      };
    },
  },
  {
    name: 'reset mid-body',
    code: 0,
    async setup() {
      const gitea = await canaryGitea();
      gitea.injectFault({ kind: 'reset-mid-body' });
      return {
        args: [...targetArgs(gitea, undefined), '--retries', '1', await dist()],
        env: bothTokens,
        check: ([r]) => {
          expect(r?.stderr).toMatch(/retrying in/);
          expect(gitea.files()).toHaveLength(FILES.length);
        },
        close: [gitea],
      };
    },
  },
  {
    name: 'Gitea wrong token (the canary, 401)',
    code: 1,
    async setup() {
      const gitea = await startGiteaRegistry(); // only its default token is valid
      const pypi = await canaryPypi();
      return {
        args: [...targetArgs(gitea, pypi), await dist()],
        env: bothTokens,
        check: ([r]) => {
          expect(parseSummary(r?.summary ?? '').targets).toEqual({ Gitea: 'failed_http_401', PyPI: 'not_attempted' });
          expect(sentBasic(gitea, GITEA_BASIC)).toBe(true);
        },
        close: [gitea, pypi],
      };
    },
  },
  {
    name: 'Gitea user without permission',
    code: 1,
    async setup() {
      const gitea = await canaryGitea(false);
      const pypi = await canaryPypi();
      return {
        args: [...targetArgs(gitea, pypi), await dist()],
        env: bothTokens,
        check: ([r]) => {
          expect(parseSummary(r?.summary ?? '').targets).toEqual({ Gitea: 'failed_http_401', PyPI: 'not_attempted' });
          expect(parseSummary(r?.summary ?? '').details.Gitea).toContain('Gitea refused write access');
        },
        close: [gitea, pypi],
      };
    },
  },
  {
    name: 'run twice (already present)',
    code: 0,
    async setup() {
      const gitea = await canaryGitea();
      const pypi = await canaryPypi();
      return {
        args: [...targetArgs(gitea, pypi), await dist()],
        env: bothTokens,
        runs: 2,
        check: ([, second]) => {
          const files = parseSummary(second?.summary ?? '').files;
          for (const f of FILES) expect(files[f]).toEqual({ Gitea: 'already_present', PyPI: 'already_present' });
        },
        close: [gitea, pypi],
      };
    },
  },
  {
    name: 'conflict',
    code: 1,
    async setup() {
      const gitea = await canaryGitea();
      const pypi = await canaryPypi();
      gitea.seedFile({ filename: FILES[0] ?? '', project: 'molecule-demo-hatch', version: '2.0.0rc1', content: Buffer.from('other bytes') });
      return {
        args: [...targetArgs(gitea, pypi), await dist()],
        env: bothTokens,
        check: ([r]) => expect(parseSummary(r?.summary ?? '').targets).toEqual({ Gitea: 'conflict', PyPI: 'not_attempted' }),
        close: [gitea, pypi],
      };
    },
  },
  {
    name: 'redirect (308)',
    code: 1,
    async setup() {
      const gitea = await canaryGitea();
      const pypi = await canaryPypi();
      gitea.injectFault({ kind: 'redirect', status: 308, location: `${gitea.uploadUrl}/`, always: true });
      return {
        args: [...targetArgs(gitea, pypi), await dist()],
        env: bothTokens,
        check: ([r]) => {
          expect(parseSummary(r?.summary ?? '').targets).toEqual({ Gitea: 'failed_http_308', PyPI: 'not_attempted' });
          expect(gitea.requests.filter((q) => q.path.includes('redirected') || (q.method === 'POST' && q.path.endsWith('/pypi/')))).toHaveLength(0);
        },
        close: [gitea, pypi],
      };
    },
  },
  {
    // The server takes the body and never answers: the wait for its answer is --response-timeout's.
    name: 'stall past --timeout and --response-timeout 0.5',
    code: 1,
    async setup() {
      const gitea = await canaryGitea();
      const pypi = await canaryPypi();
      gitea.injectFault({ kind: 'stall', stallMs: 10_000, always: true });
      return {
        args: [...targetArgs(gitea, pypi), '--timeout', '0.5', '--response-timeout', '0.5', '--retries', '1', await dist()],
        env: bothTokens,
        check: ([r]) => {
          expect(parseSummary(r?.summary ?? '').targets).toEqual({ Gitea: 'failed_network', PyPI: 'not_attempted' });
          expect(parseSummary(r?.summary ?? '').details.Gitea).toContain('timed out waiting for the server');
        },
        close: [gitea, pypi],
      };
    },
  },
  {
    name: 'dry run with both tokens',
    code: 0,
    async setup() {
      const gitea = await canaryGitea();
      const pypi = await canaryPypi();
      return {
        args: [...targetArgs(gitea, pypi), '--dry-run', await dist()],
        env: bothTokens,
        check: ([r]) => {
          expect(parseSummary(r?.summary ?? '').targets).toEqual({ Gitea: 'dry_run', PyPI: 'dry_run' });
          // The dry run reads each index (GET only) and sends nothing.
          expect(gitea.uploads().length + pypi.uploads().length).toBe(0);
          expect([...gitea.requests, ...pypi.requests].every((q) => q.method === 'GET')).toBe(true);
        },
        close: [gitea, pypi],
      };
    },
  },
  {
    name: 'the token also pasted into --gitea-url (refused)',
    code: 2,
    async setup() {
      const gitea = await canaryGitea();
      const url = new URL(gitea.url);
      url.username = 'publisher';
      url.password = GITEA_CANARY;
      return {
        args: ['--gitea-url', url.toString(), '--gitea-owner', gitea.owner, '--no-pypi', await dist()],
        env: bothTokens,
        check: ([r]) => {
          expect(r?.stderr).toContain('credentials in the URL are not accepted');
          expect(gitea.requests).toHaveLength(0);
        },
        close: [gitea],
      };
    },
  },
  {
    name: 'bad input (an empty .whl)',
    code: 3,
    async setup() {
      const gitea = await canaryGitea();
      const pypi = await canaryPypi();
      const dir = await dist(FILES.slice(0, 1));
      await writeFile(join(dir, 'broken-1.0-py3-none-any.whl'), '');
      return {
        args: [...targetArgs(gitea, pypi), dir],
        env: bothTokens,
        check: () => expect(gitea.requests.length + pypi.requests.length).toBe(0),
        close: [gitea, pypi],
      };
    },
  },
];

interface Mode {
  name: string;
  args: string[];
}

const MODES: Mode[] = [
  { name: '-v (human)', args: ['-v'] },
  { name: '-v --log-format json', args: ['-v', '--log-format', 'json'] },
  { name: '-v --json', args: ['-v', '--json'] },
];

/** Lines of `text` holding a canary (or its Basic header); `::add-mask::<canary>` lines allowed only on the log streams. */
function leaks(text: string, allowMaskLines: boolean): string[] {
  return text.split('\n').filter((line) => !(allowMaskLines && MASK_LINES.has(line)) && FORBIDDEN.some((f) => line.includes(f)));
}

/** Every `::add-mask::` line of a stream must come before any other output on it. */
function maskLinesFirst(text: string): { masks: string[]; late: string[] } {
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && lines[i]?.startsWith('::add-mask::')) i++;
  return { masks: lines.slice(0, i), late: lines.slice(i).filter((l) => l.startsWith('::add-mask::')) };
}

type Runner = (args: string[], options: CliOptions) => Promise<CliResult>;

/** Runs one scenario in one output mode (twice if it asks) and checks every stream for the canaries. */
async function canaryRun(mode: Mode, scenario: Scenario, run: Runner): Promise<void> {
  const setup = await scenario.setup();
  try {
    const results: CliResult[] = [];
    const outputs: string[] = [];
    for (let i = 0; i < (setup.runs ?? 1); i++) {
      const outputFile = join(await tempDir('molecule-canary-out-'), 'github_output');
      const env = { ...setup.env, GITHUB_ACTIONS: 'true', GITEA_ACTIONS: 'true', GITHUB_OUTPUT: outputFile };
      const r = await run([...mode.args, ...setup.args], { env });
      results.push(r);
      outputs.push(await readFile(outputFile, 'utf8').catch(() => ''));
    }
    for (const [i, r] of results.entries()) {
      const where = `run ${i + 1}`;
      expect(r.code, `${where} exit code; stderr:\n${r.stderr}`).toBe(scenario.code);
      expect(leaks(r.stdout, true), `${where}: stdout`).toEqual([]);
      expect(leaks(r.stderr, true), `${where}: stderr`).toEqual([]);
      expect(leaks(r.summary, false), `${where}: step summary`).toEqual([]);
      expect(r.summary, `${where}: step summary written`).toContain('molecule-publish');
      expect(leaks(outputs[i] ?? '', false), `${where}: GITHUB_OUTPUT`).toEqual([]);

      // Masks: one per secret variable that is set, first on their stream (stderr under --json).
      const wanted = SECRET_VARS.map((name) => setup.env[name])
        .filter((v): v is string => v !== undefined && v !== '')
        .map((v) => `::add-mask::${v}`);
      const commands = mode.args.includes('--json') ? r.stderr : r.stdout;
      const other = mode.args.includes('--json') ? r.stdout : r.stderr;
      const first = maskLinesFirst(commands);
      expect(first.late, `${where}: ::add-mask:: after other output`).toEqual([]);
      expect([...first.masks].sort(), `${where}: ::add-mask:: lines`).toEqual([...wanted].sort());
      expect(
        other.split('\n').filter((l) => l.startsWith('::add-mask::')),
        `${where}: masks on the other stream`,
      ).toEqual([]);
    }
    setup.check?.(results);
  } finally {
    await Promise.all(setup.close.map((c) => c.close()));
  }
}

/** The scenario that also runs as a child process in each mode: a retry, and uploads to both targets. */
const SPAWNED = SCENARIOS.filter((s) => s.name === 'Gitea 503 twice, then OK');

// Each test has registries of its own, so the in-process runs go side by side.
describe.concurrent.each(MODES)('secrets canary, $name', (mode) => {
  it.each(SCENARIOS)('$name', { timeout: 40_000 }, (scenario) => canaryRun(mode, scenario, runMain));
  it.each(SPAWNED)('$name (the built CLI, spawned)', { timeout: 40_000 }, (scenario) => canaryRun(mode, scenario, runCli));
});
