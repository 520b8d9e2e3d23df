/**
 * A best-effort target keeps going past a refusal of one file (a 400 about its metadata, a 409 about
 * its project's name) and stops at what is the target's (a 403, an outage); the required target stops
 * at any failure, as before. Against the PyPI double: its own 409 for a taken name, and a 400 with
 * Warehouse's words for a description that does not render (the double does not render descriptions,
 * so that one is injected).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { buildSdist, buildWheel, startGiteaRegistry, startPypiRegistry, type PypiRegistryOptions } from '../helpers/registries/index.js';
import { parseSummary } from '../helpers/summary.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

// Warehouse's message when readme_renderer fails (forklift/legacy.py, `_validate_description`'s caller).
const RENDER_FAILED = "400 The description failed to render for 'text/x-rst'. See https://pypi.org/help/#description-content-type for more information.";

/** Three files of three projects (each its own release: the order runs them side by side). */
function threeProjects(): { dir: string; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'molecule-best-effort-'));
  const built = [
    buildWheel({ name: 'alpha-one', version: '1.0' }),
    buildWheel({ name: 'beta-two', version: '1.0' }),
    buildSdist({ name: 'gamma-three', version: '1.0' }),
  ];
  for (const b of built) writeFileSync(join(dir, b.filename), b.content);
  return { dir, files: built.map((b) => b.filename) };
}

/** The file names a registry holds, sorted. */
const names = (registry: { files(): Array<{ filename: string }> }) =>
  registry
    .files()
    .map((f) => f.filename)
    .sort();

async function registries(pypiOptions: PypiRegistryOptions = {}) {
  const gitea = await startGiteaRegistry();
  const pypi = await startPypiRegistry(pypiOptions);
  open.push(gitea, pypi);
  const args = ['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--pypi-url', pypi.uploadUrl, '--pypi-index-url', pypi.indexUrl, '--retries', '0'];
  return { gitea, pypi, args };
}

describe('a best-effort target keeps going past a refusal of one file', () => {
  it('PyPI refuses one of three files (409: its name is taken): the other two are uploaded, PyPI partial, exit 0', async () => {
    const { gitea, pypi, args } = await registries({ takenNames: ['beta_two'] });
    const { dir, files } = threeProjects();
    const r = await runMain([...args, dir], { env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) });
    expect(r.code, r.stderr).toBe(0);
    expect(names(gitea)).toEqual([...files].sort());
    expect(names(pypi)).toEqual(['alpha_one-1.0-py3-none-any.whl', 'gamma_three-1.0.tar.gz']);
    const s = parseSummary(r.stdout);
    expect(s.targets).toEqual({ Gitea: 'success', PyPI: 'partial' });
    expect(s.files['beta_two-1.0-py3-none-any.whl']).toEqual({ Gitea: 'uploaded', PyPI: 'failed_http_409' });
    expect(r.stdout).toMatch(/PyPI: 2 uploaded, 1 refused by the server/);
    expect(r.stderr).toMatch(
      /PyPI \(best-effort\) .*: partial — 1 of 3 file\(s\) refused by the server, 2 there; first: beta_two-1\.0-py3-none-any\.whl: The name 'beta-two' conflicts/,
    );
    expect(r.stderr).not.toMatch(/stopped after/);
  });

  it('a 400 for the first file (its description does not render) does not stop the next two', async () => {
    const { pypi, args } = await registries();
    pypi.injectFault({
      kind: 'status',
      status: 400,
      reason: 'Bad Request',
      body: JSON.stringify({ code: RENDER_FAILED, title: 'Bad Request' }),
      headers: { 'Content-Type': 'application/json' },
    });
    const { dir } = threeProjects();
    const r = await runMain([...args, '--concurrency', '1', dir], { env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) });
    expect(r.code, r.stderr).toBe(0);
    expect(pypi.files()).toHaveLength(2);
    const s = parseSummary(r.stdout);
    expect(s.targets.PyPI).toBe('partial');
    expect(Object.values(s.files).filter((f) => f.PyPI === 'failed_http_400')).toHaveLength(1);
    expect(Object.values(s.files).filter((f) => f.PyPI === 'uploaded')).toHaveLength(2);
  });

  it('a 403 (the token) stops the target as before: the rest not_attempted, PyPI failed_http_403', async () => {
    const { pypi, args } = await registries();
    const { dir } = threeProjects();
    const r = await runMain([...args, dir], { env: giteaEnv({ PYPI_TOKEN: 'pypi-wrong' }) });
    expect(r.code, r.stderr).toBe(0);
    expect(pypi.files()).toHaveLength(0);
    const s = parseSummary(r.stdout);
    expect(s.targets.PyPI).toBe('failed_http_403');
    expect(Object.values(s.files).filter((f) => f.PyPI === 'not_attempted')).toHaveLength(2);
  });

  it('every file refused about itself: the target failed, not partial (nothing made it)', async () => {
    const { pypi, args } = await registries({ takenNames: ['alpha-one', 'beta-two', 'gamma-three'] });
    const { dir } = threeProjects();
    const r = await runMain([...args, dir], { env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) });
    expect(r.code, r.stderr).toBe(0);
    expect(pypi.files()).toHaveLength(0);
    const s = parseSummary(r.stdout);
    expect(s.targets.PyPI).toBe('failed_http_409');
    expect(Object.values(s.files).map((f) => f.PyPI)).toEqual(['failed_http_409', 'failed_http_409', 'failed_http_409']);
  });

  it('the required target stops at its first failure, a 400 included: exit 1, PyPI not_attempted', async () => {
    const { gitea, pypi, args } = await registries();
    gitea.injectFault({ kind: 'status', status: 400, body: 'invalid name or version' });
    const { dir } = threeProjects();
    const r = await runMain([...args, '--concurrency', '1', dir], { env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) });
    expect(r.code, r.stderr).toBe(1);
    const s = parseSummary(r.stdout);
    expect(s.targets).toEqual({ Gitea: 'failed_http_400', PyPI: 'not_attempted' });
    expect(Object.values(s.files).filter((f) => f.Gitea === 'not_attempted')).toHaveLength(2);
    expect(pypi.uploads()).toHaveLength(0);
  });
});
