/**
 * The reusable action (action.yml at the repository root), run as a runner runs a composite action:
 * its `run:` script under `bash -eo pipefail` with the inputs' expressions substituted, its own
 * $GITHUB_OUTPUT, and the declared outputs evaluated from the step's. `npx` on PATH is a shim that
 * checks it is asked for `molecule-publish@<package.json's version>` and runs this checkout's built
 * CLI, against the local Gitea and PyPI doubles.
 */
import { chmod, copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, FIXTURES, ROOT, giteaEnv } from '../helpers/cli.js';
import { readAction, runCompositeAction, type ActionRun, type CompositeAction } from '../helpers/composite-action.js';
import { startGiteaRegistry, startPypiRegistry } from '../helpers/registries/index.js';

const FILES = ['molecule_demo_hatch-2.0.0rc1-py3-none-any.whl', 'molecule_demo_hatch-2.0.0rc1.tar.gz'];
const TARGET_OUTPUTS = ['status', 'uploaded', 'already_present', 'skipped', 'failed'];
/** What the tool writes for its default targets (src/report/actions.ts: stepOutputs). */
const TOOL_OUTPUTS = ['published', 'dry_run', 'exit_code', 'files', ...['gitea', 'pypi'].flatMap((t) => TARGET_OUTPUTS.map((o) => `${t}_${o}`))];

let action: CompositeAction;
let version: string;
beforeAll(async () => {
  action = await readAction(join(ROOT, 'action.yml'));
  version = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
});

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

/**
 * A stand-in for `npx`: `npx --yes molecule-publish@VERSION ARGS…` runs `node bin/molecule-publish.js ARGS…`
 * of this checkout when VERSION is package.json's; it logs what it was asked and npm's registry setting.
 * SHIM_UNREACHABLE=1 makes it fail as npx does when the registry cannot be reached.
 */
async function npxShim(dir: string): Promise<{ bin: string; log: string }> {
  const bin = join(dir, 'bin');
  const log = join(dir, 'npx.log');
  await mkdir(bin);
  const script = `#!/bin/bash
printf '%s\\n' "registry=\${npm_config_registry:-}" "$@" > ${JSON.stringify(log)}
if [ "$1" != --yes ]; then echo "npx shim: expected --yes first, got $1" >&2; exit 97; fi
if [ "$2" != ${JSON.stringify(`molecule-publish@${version}`)} ]; then echo "npx shim: asked for $2" >&2; exit 98; fi
if [ -n "\${SHIM_UNREACHABLE:-}" ]; then echo "npm error code E404" >&2; exit 1; fi
shift 2
exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"
`;
  await writeFile(join(bin, 'npx'), script);
  await chmod(join(bin, 'npx'), 0o755);
  return { bin, log };
}

async function setup() {
  const gitea = await startGiteaRegistry();
  const pypi = await startPypiRegistry();
  open.push(gitea, pypi);
  const dir = await mkdtemp(join(tmpdir(), 'molecule-action-job-'));
  const workspace = join(dir, 'workspace');
  await mkdir(join(workspace, 'dist'), { recursive: true });
  for (const f of FILES) await copyFile(join(FIXTURES, f), join(workspace, 'dist', f));
  const shim = await npxShim(dir);
  const env: Record<string, string> = {
    PATH: `${shim.bin}:${dirname(process.execPath)}:/usr/bin:/bin`,
    HOME: dir,
    NO_COLOR: '1',
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    // What both runners set: the tool's defaults for the Gitea URL and owner.
    GITHUB_SERVER_URL: gitea.url,
    GITHUB_REPOSITORY_OWNER: gitea.owner,
    ...(giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) as Record<string, string>),
  };
  const github = { action_path: ROOT, server_url: gitea.url, repository_owner: gitea.owner, workspace };
  const base = { 'pypi-url': pypi.uploadUrl, 'pypi-index-url': pypi.indexUrl, 'retry-delay': '0.01' };
  const run = (inputs: Record<string, string>, extraEnv: Record<string, string> = {}) =>
    runCompositeAction(action, { with: { ...base, ...inputs }, env: { ...env, ...extraEnv }, github, cwd: workspace });
  const asked = async () => (await readFile(shim.log, 'utf8')).trimEnd().split('\n');
  return { gitea, pypi, run, asked };
}

function step(r: ActionRun) {
  const s = r.steps[0];
  if (!s) throw new Error('no step ran');
  return s;
}

describe('action.yml', () => {
  it('is a composite action of bash steps whose scripts read the inputs only through env', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.runs.steps.length).toBeGreaterThan(0);
    for (const s of action.runs.steps) {
      expect(s.shell).toBe('bash');
      // No expression pasted into a script: an input could otherwise inject shell.
      expect(s.run).not.toContain('${{');
    }
    for (const name of ['paths', 'gitea-url', 'gitea-owner', 'pypi', 'retries', 'timeout', 'dry-run', 'verify', 'only'])
      expect(action.inputs).toHaveProperty(name);
    expect(action.inputs.paths?.default).toBe('dist/');
    // Credentials come from secrets as environment, never as inputs (inputs are logged).
    for (const name of Object.keys(action.inputs)) expect(name).not.toMatch(/token|password|secret|user/i);
  });

  it('declares exactly the step outputs the tool writes, each read from the step of the same name', () => {
    expect(Object.keys(action.outputs).sort()).toEqual([...TOOL_OUTPUTS].sort());
    const id = action.runs.steps.find((s) => s.run?.includes('npx'))?.id;
    expect(id).toBeTruthy();
    for (const [name, spec] of Object.entries(action.outputs)) expect(spec.value).toBe(`\${{ steps.${id}.outputs.${name} }}`);
  });

  it("is documented: the README's Use section names every input and output", async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const use = readme.slice(readme.indexOf('## Use'), readme.indexOf('### Configuration'));
    for (const name of [...Object.keys(action.inputs), ...Object.keys(action.outputs)]) expect(use).toContain(`\`${name}\``);
    expect(use).toContain(`molecule-publish@v${version}`);
  });
});

describe('the action, run as a runner runs it', () => {
  it('publishes with the Actions defaults, runs the version of its own package.json, and writes exactly the declared outputs', async () => {
    const { run, asked, gitea } = await setup();
    const r = await run({});
    expect(r.code, step(r).stderr).toBe(0);
    expect(Object.keys(step(r).written).sort()).toEqual(Object.keys(action.outputs).sort());
    expect(r.outputs).toEqual({
      published: 'true',
      dry_run: 'false',
      exit_code: '0',
      files: '2',
      gitea_status: 'success',
      gitea_uploaded: '2',
      gitea_already_present: '0',
      gitea_skipped: '0',
      gitea_failed: '0',
      pypi_status: 'success',
      pypi_uploaded: '2',
      pypi_already_present: '0',
      pypi_skipped: '0',
      pypi_failed: '0',
    });
    // No registry input: npm's own configuration; the version pinned; the paths input's default.
    const args = await asked();
    expect(args.slice(0, 3)).toEqual(['registry=', '--yes', `molecule-publish@${version}`]);
    expect(args.at(-1)).toBe('dist/');
    expect(gitea.url).toBeTruthy();

    // A re-run sends nothing and still succeeds.
    const again = await run({});
    expect(again.code).toBe(0);
    expect(again.outputs).toMatchObject({ published: 'true', gitea_uploaded: '0', gitea_already_present: '2', pypi_already_present: '2' });
  });

  it('fails the step with the exit code of a failed publish, outputs written', async () => {
    const { run } = await setup();
    const r = await run({}, { MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: 'wrong' });
    expect(r.code).toBe(1);
    expect(Object.keys(step(r).written).sort()).toEqual(Object.keys(action.outputs).sort());
    expect(r.outputs).toMatchObject({ published: 'false', exit_code: '1', gitea_status: 'failed_http_401', pypi_status: 'not_attempted' });
  });

  it('dry-run: true sends nothing; flags and settings reach the tool', async () => {
    const { run, asked, gitea } = await setup();
    const r = await run({
      'dry-run': 'true',
      'gitea-url': gitea.url,
      'gitea-owner': gitea.owner,
      pypi: 'false',
      verbose: 'true',
      retries: '2',
      paths: `dist/*.whl\n  dist/*.tar.gz`,
      'npm-registry': 'https://git.example.com/api/packages/tools/npm/',
    });
    expect(r.code, step(r).stderr).toBe(0);
    expect(r.outputs).toMatchObject({ published: 'false', dry_run: 'true', exit_code: '0', files: '2', gitea_status: 'dry_run', gitea_uploaded: '0' });
    // --no-pypi: no PyPI target, so no pypi_* outputs are written (the declared ones read '').
    expect(r.outputs.pypi_status).toBe('');
    const args = await asked();
    expect(args[0]).toBe('registry=https://git.example.com/api/packages/tools/npm/');
    expect(args.slice(3)).toEqual([
      '--verbose',
      '--dry-run',
      '--no-pypi',
      '--gitea-url',
      gitea.url,
      '--gitea-owner',
      gitea.owner,
      expect.any(String),
      expect.any(String),
      expect.any(String),
      expect.any(String),
      'dist/*.whl',
      'dist/*.tar.gz',
    ]);
    // The globs went to the tool unexpanded; the tool read both files.
    expect(step(r).stderr).not.toContain('::error::');
  });

  it('a boolean input that is not true or false stops with exit 2, the stopped outputs written', async () => {
    const { run } = await setup();
    const r = await run({ 'dry-run': 'yes' });
    expect(r.code).toBe(2);
    expect(step(r).stderr).toContain("::error::molecule-publish: input dry-run must be 'true' or 'false', not 'yes'");
    expect(r.outputs).toMatchObject({ published: 'false', exit_code: '2', files: '0', gitea_status: 'not_attempted', pypi_status: 'not_attempted' });
  });

  it('a number input the tool refuses stops with its exit 2 and its outputs', async () => {
    const { run } = await setup();
    const r = await run({ retries: 'many' });
    expect(r.code).toBe(2);
    expect(step(r).stderr).toContain("MOLECULE_PUBLISH_RETRIES: 'many' must be a whole number");
    expect(r.outputs).toMatchObject({ published: 'false', exit_code: '2', gitea_status: 'not_attempted' });
  });

  it('a tool npx cannot fetch fails the step with npx exit code and says so, outputs written', async () => {
    const { run } = await setup();
    const r = await run({}, { SHIM_UNREACHABLE: '1' });
    expect(r.code).toBe(1);
    expect(step(r).stderr).toContain(`::error::molecule-publish@${version} wrote no outputs (exit 1)`);
    expect(r.outputs).toMatchObject({ published: 'false', exit_code: '1', gitea_status: 'not_attempted' });
  });
});
