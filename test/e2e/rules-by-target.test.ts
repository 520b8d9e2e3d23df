/**
 * Rules by target: what only PyPI refuses still goes to Gitea (the required target) and is
 * skipped_unsupported at PyPI with the reason and the fix; PyPI gets no request that the rules
 * predict it refuses. The files are real builds (fixtures/pypi-refused: hatchling 1.12's SPDX licence
 * under Metadata 2.1, a plain linux_x86_64 wheel), next to a normal release.
 */
import { copyFile, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, ROOT, giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { parseSummary } from '../helpers/summary.js';
import { startGiteaRegistry, startPypiRegistry } from '../helpers/registries/index.js';
import { resolveTargets } from '../../src/config/resolve.js';
import { defaultDeps, inspectSet } from '../../src/prepare.js';
import { publishToTarget } from '../../src/upload/engine.js';
import type { Artifact } from '../../src/artifacts/artifact.js';

const REFUSED_DIR = join(ROOT, 'fixtures', 'pypi-refused');
const NORMAL = ['molecule_demo_hatch-2.0.0rc1-py3-none-any.whl', 'molecule_demo_hatch-2.0.0rc1.tar.gz'];

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

async function mixedSet(): Promise<{ dir: string; refused: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'molecule-mixed-'));
  for (const f of NORMAL) await copyFile(join(FIXTURES, f), join(dir, f));
  const refused = await readdir(REFUSED_DIR);
  for (const f of refused) await copyFile(join(REFUSED_DIR, f), join(dir, f));
  return { dir, refused };
}

/**
 * Sends each file to the PyPI double on its own, with no refusal applied, and expects it refused (400)
 * exactly when the client predicts a refusal. Returns the names predicted.
 */
async function expectDoubleAgrees(pypi: { uploadUrl: string; indexUrl: string }, artifacts: readonly Artifact[]): Promise<Set<string>> {
  const target = resolveTargets(
    { giteaUrl: 'https://unused.example', giteaOwner: 'o', pypiUrl: pypi.uploadUrl, pypiIndexUrl: pypi.indexUrl },
    { PYPI_TOKEN: 'pypi-test-token' },
    { dryRun: true },
  ).targets.find((t) => t.kind.label === 'PyPI');
  if (!target) throw new Error('no PyPI target');
  const predicted = target.kind.refusals(artifacts);
  const engine = { concurrency: 1, retries: 0, retryDelayMs: 1, maxRetryDelayMs: 1, timeoutMs: 5_000, verify: false, verifyAttempts: 1 };
  for (const artifact of artifacts) {
    const report = await publishToTarget({ target, refusals: new Map(), sendAttestations: false }, [artifact], engine, defaultDeps);
    const status = report.files[0]?.status;
    expect(status, `${artifact.filename}: ${report.files[0]?.detail}`).toBe(predicted.has(artifact.filename) ? 'failed_http_400' : 'uploaded');
  }
  return new Set(predicted.keys());
}

/** Publishes `dir` to a fresh Gitea double (required) and PyPI double (best-effort). */
async function publishBoth(dir: string) {
  const gitea = await startGiteaRegistry();
  const pypi = await startPypiRegistry();
  open.push(gitea, pypi);
  const r = await runMain(['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--pypi-url', pypi.uploadUrl, '--pypi-index-url', pypi.indexUrl, dir], {
    env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }),
  });
  return { gitea, pypi, r };
}

/** File names, sorted: of a registry's files or of the uploads it received. */
const names = (items: Array<{ filename?: string; fileName?: string }>) => items.map((f) => f.filename ?? f.fileName ?? '').sort();

describe('a set mixing normal files with files only PyPI refuses', () => {
  it('check: passes (Gitea takes every file), names per file what PyPI would refuse and the fix; --strict fails', async () => {
    const { dir, refused } = await mixedSet();
    const r = await runMain(['check', dir]);
    expect(r.code, r.stderr).toBe(0);
    for (const f of refused) expect(r.stdout).toMatch(new RegExp(`PyPI \\(best-effort\\) would refuse ${f.replace(/[.+]/g, '\\$&')}: .+; fix: `));
    expect(r.stdout).toMatch(/license-expression introduced in metadata version 2\.4, not 2\.1; fix: hatchling 1\.27\+/);
    expect(r.stdout).toMatch(/platform tag 'linux_x86_64'.*; fix: repair Linux wheels with auditwheel/);
    expect(r.stdout).toMatch(/5 passed, 0 failed/);
    const strict = await runMain(['check', '--strict', dir]);
    expect(strict.code).toBe(3);
  });

  it('dry run: the plan shows them skipped_unsupported at PyPI and would_upload at Gitea', async () => {
    const { dir, refused } = await mixedSet();
    const r = await runMain(['--dry-run', '--offline', '--gitea-url', 'https://git.example.com', '--gitea-owner', 'o', dir], {
      env: giteaEnv({ PYPI_TOKEN: 'pypi-x' }),
    });
    expect(r.code, r.stderr).toBe(0);
    const s = parseSummary(r.stdout);
    for (const f of refused) expect(s.files[f]).toEqual({ Gitea: 'would_upload', PyPI: 'skipped_unsupported' });
    for (const f of NORMAL) expect(s.files[f]).toEqual({ Gitea: 'would_upload', PyPI: 'would_upload' });
  });

  it('publish: exit 0, Gitea holds every file, PyPI the rest, and PyPI got no request for a refused file', async () => {
    const { dir, refused } = await mixedSet();
    const { gitea, pypi, r } = await publishBoth(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(names(gitea.files())).toEqual([...NORMAL, ...refused].sort());
    expect(names(pypi.files())).toEqual([...NORMAL].sort());
    expect(names(pypi.uploads())).toEqual([...NORMAL].sort());
    const s = parseSummary(r.stdout);
    for (const f of refused) expect(s.files[f]).toEqual({ Gitea: 'uploaded', PyPI: 'skipped_unsupported' });
    // The log names each skipped file with its reason and fix.
    for (const f of refused) expect(r.stderr).toMatch(new RegExp(`PyPI: skipped ${f.replace(/[.+]/g, '\\$&')}: .+; fix: `));
    // Said once per file, not again on the target's line: a tired reader sees each reason once.
    expect(r.stderr.match(/PyPI refuses the platform tag 'linux_x86_64'/g)).toHaveLength(1);
    expect(r.stderr).toMatch(/PyPI \(best-effort\) .*: partial — 3 of 5 file\(s\) skipped: it refuses them \(below\)/);
  });

  it("agrees with the PyPI double (Warehouse's rules from its source): sent anyway, each predicted refusal is refused", async () => {
    const pypi = await startPypiRegistry();
    open.push(pypi);
    const { dir, refused } = await mixedSet();
    const set = await inspectSet([dir]);
    const artifacts = set.inspections.flatMap((i) => (i.artifact ? [i.artifact] : []));
    const predicted = await expectDoubleAgrees(pypi, artifacts);
    expect([...predicted].sort()).toEqual([...refused].sort());
  });

  // fixtures/real-world: real builds (and one real PyPI wheel) of each case issue 18 names. The PyPI
  // double refuses exactly what the client predicts, and takes what nobody refuses (a form feed in the
  // description, macosx_14_0, pyemscripten); the wheel pip cannot install is refused for every target.
  it('the real-world cases: each predicted refusal is refused by the double, the others are taken', async () => {
    const pypi = await startPypiRegistry();
    open.push(pypi);
    const dir = join(ROOT, 'fixtures', 'real-world');
    const set = await inspectSet([dir]);
    const broken = set.inspections.filter((i) => i.errors.length > 0).map((i) => i.filename);
    expect(broken).toEqual(['molecule_demo_entrypoints-1.0.0-py3-none-any.whl']);
    const artifacts = set.inspections.flatMap((i) => (i.artifact && i.errors.length === 0 ? [i.artifact] : []));
    const predicted = await expectDoubleAgrees(pypi, artifacts);
    expect([...predicted].sort()).toEqual([
      'argparse-1.4.0-py2.py3-none-any.whl',
      'molecule-demo-formfeed-1.0.0.tar.gz',
      'molecule_demo_classifier_deprecated-1.0.0-py3-none-any.whl',
      'molecule_demo_classifier_unknown-1.0.0-py3-none-any.whl',
      'molecule_demo_license_missing-1.0.0-py3-none-any.whl',
      'molecule_demo_macos-1.0.0-py3-none-macosx_14_2_arm64.whl',
      'molecule_demo_stream-1.0.0-py3-none-any.whl',
    ]);
  });

  it('the real-world cases published: Gitea gets every file pip can install, PyPI the ones it takes, and no request it refuses', async () => {
    const source = join(ROOT, 'fixtures', 'real-world');
    const dir = await mkdtemp(join(tmpdir(), 'molecule-real-world-'));
    const files = (await readdir(source)).filter((f) => /\.(whl|tar\.gz)$/.test(f) && !f.startsWith('molecule_demo_entrypoints-'));
    for (const f of files) await copyFile(join(source, f), join(dir, f));
    const { gitea, pypi, r } = await publishBoth(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(names(gitea.files())).toEqual([...files].sort());
    const taken = [
      'molecule_demo_formfeed-1.0.0-py3-none-any.whl',
      'molecule_demo_macos-1.0.0-py3-none-macosx_14_0_arm64.whl',
      'molecule_demo_pyodide-1.0.0-py3-none-pyemscripten_2026_0_wasm32.whl',
    ];
    expect(names(pypi.uploads())).toEqual(taken);
    expect(names(pypi.files())).toEqual(taken);
    expect(parseSummary(r.stdout).targets).toEqual({ Gitea: 'success', PyPI: 'partial' });
  });

  it('a target that refuses every file is never "success": skipped_unsupported in the table, the outputs, a ::warning:: and the log', async () => {
    const gitea = await startGiteaRegistry();
    const pypi = await startPypiRegistry();
    open.push(gitea, pypi);
    const dir = await mkdtemp(join(tmpdir(), 'molecule-all-refused-'));
    const local = ['molecule_demo_local-1.0.0+local.1-py3-none-any.whl', 'molecule_demo_local-1.0.0+local.1.tar.gz'];
    for (const f of local) await copyFile(join(FIXTURES, f), join(dir, f));
    const outputs = join(dir, 'outputs.txt');
    const r = await runMain(['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--pypi-url', pypi.uploadUrl, '--pypi-index-url', pypi.indexUrl, dir], {
      env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token', GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: outputs }),
    });
    expect(r.code, r.stderr).toBe(0);
    const s = parseSummary(r.stdout);
    expect(s.targets).toEqual({ Gitea: 'success', PyPI: 'skipped_unsupported' });
    expect(r.stdout).toMatch(/PyPI skipped \(it refuses every file\)/);
    expect(r.stdout).toMatch(/^::warning::PyPI skipped_unsupported: 2 file\(s\) refused by its rules, never sent; first: .*local versions/m);
    for (const f of local) expect(r.stderr).toMatch(new RegExp(`PyPI: skipped ${f.replace(/[.+]/g, '\\$&')}: PyPI refuses local versions`));
    const written = await readFile(outputs, 'utf8');
    expect(written).toMatch(/pypi_status<<(\S+)\nskipped_unsupported\n\1/);
    expect(written).toMatch(/pypi_skipped<<(\S+)\n2\n\1/);
    expect(pypi.uploads()).toHaveLength(0);
  });
});
