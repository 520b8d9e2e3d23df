/**
 * `status NAME[==VERSION]`: what each registry holds for a release, read from the indexes alone (no
 * dist/), against the loopback Gitea and PyPI doubles seeded with files. Exit 0 only when every target
 * lists every file of the version with the same bytes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { startGiteaRegistry, startPypiRegistry, type GiteaRegistry, type PypiRegistry } from '../helpers/registries/index.js';
import { parseVersion } from '../../src/artifacts/pep440.js';
import { compareVersions } from '../../src/status.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

async function registries(giteaOptions: Parameters<typeof startGiteaRegistry>[0] = {}) {
  const gitea = await startGiteaRegistry(giteaOptions);
  const pypi = await startPypiRegistry();
  open.push(gitea, pypi);
  return { gitea, pypi };
}

const PROJECT = 'molecule-demo';
const WHEEL = 'molecule_demo-1.2.0-py3-none-any.whl';
const SDIST = 'molecule_demo-1.2.0.tar.gz';

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function bytesOf(filename: string): Buffer {
  return Buffer.from(`the bytes of ${filename}`);
}

/** The same file on one or both doubles (other bytes where `content` says). */
function seed(where: Array<GiteaRegistry | PypiRegistry>, filename: string, version: string, content = bytesOf(filename)): void {
  for (const registry of where) registry.seedFile({ project: PROJECT, version, filename, content });
}

function args(gitea: GiteaRegistry, pypi: PypiRegistry): string[] {
  return ['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--pypi-url', pypi.uploadUrl, '--pypi-index-url', pypi.indexUrl, '--timeout', '5'];
}

/** The table row of a file: its cells after the name. */
function row(stdout: string, filename: string): string[] | undefined {
  const line = stdout.split('\n').find((l) => l.startsWith(`| ${filename} |`));
  return line
    ?.split('|')
    .slice(2, -1)
    .map((c) => c.trim());
}

describe('status', () => {
  it('a release complete on both, same bytes: a row per file with both sha256 prefixes, exit 0 (no credentials needed)', async () => {
    const { gitea, pypi } = await registries();
    seed([gitea, pypi], WHEEL, '1.2.0');
    seed([gitea, pypi], SDIST, '1.2.0');
    const r = await runMain(['status', ...args(gitea, pypi), `${PROJECT}==1.2.0`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('| file | Gitea (required) | PyPI (best-effort) |');
    const prefix = sha256(bytesOf(WHEEL)).slice(0, 12);
    expect(row(r.stdout, WHEEL)).toEqual([`\`${prefix}\``, `\`${prefix}\``]);
    expect(row(r.stdout, SDIST)).toHaveLength(2);
    expect(r.stdout).toContain('**Complete**');
    // Read with GET only, nothing sent.
    expect(gitea.uploads().length + pypi.uploads().length).toBe(0);
    expect([...gitea.requests, ...pypi.requests].every((q) => q.method === 'GET')).toBe(true);
    // The job summary gets the same table.
    expect(r.summary).toContain(`| ${WHEEL} |`);
  });

  it('a file missing on PyPI: named, with a dash in its column, exit 1', async () => {
    const { gitea, pypi } = await registries();
    seed([gitea, pypi], WHEEL, '1.2.0');
    seed([gitea], SDIST, '1.2.0');
    const r = await runMain(['status', ...args(gitea, pypi), `${PROJECT}==1.2.0`], { env: giteaEnv() });
    expect(r.code, r.stderr).toBe(1);
    expect(row(r.stdout, SDIST)).toEqual([`\`${sha256(bytesOf(SDIST)).slice(0, 12)}\``, '—']);
    expect(r.stdout).toContain(`- missing: ${SDIST}: missing at PyPI (best-effort)`);
    expect(r.stdout).toContain('**Incomplete**');
    expect(r.stdout).toContain('1 file(s) missing');
  });

  it('different bytes under one name on the two: the file and both sha256 prefixes, exit 1', async () => {
    const { gitea, pypi } = await registries();
    const rebuilt = Buffer.from('a rebuild, other bytes');
    seed([gitea, pypi], SDIST, '1.2.0');
    seed([gitea], WHEEL, '1.2.0');
    seed([pypi], WHEEL, '1.2.0', rebuilt);
    const r = await runMain(['status', ...args(gitea, pypi), `${PROJECT}==1.2.0`], { env: giteaEnv() });
    expect(r.code, r.stderr).toBe(1);
    const ours = sha256(bytesOf(WHEEL)).slice(0, 12);
    const theirs = sha256(rebuilt).slice(0, 12);
    expect(row(r.stdout, WHEEL)).toEqual([`\`${ours}\``, `\`${theirs}\``]);
    expect(r.stdout).toContain(`- different: ${WHEEL}: different bytes under the same name: Gitea sha256 ${ours}, PyPI sha256 ${theirs}`);
    expect(r.stdout).toContain('1 file(s) with different bytes');
  });

  it('NAME alone: the newest version any target lists, in PEP 440 order (1.10.0 after 1.9.0 and 1.10.0rc1)', async () => {
    const { gitea, pypi } = await registries();
    for (const v of ['1.9.0', '1.10.0rc1', '1.10.0']) seed([gitea, pypi], `molecule_demo-${v}-py3-none-any.whl`, v);
    // A version only one target lists still counts: it is the newest, and PyPI misses it.
    seed([gitea], 'molecule_demo-1.10.0.post1-py3-none-any.whl', '1.10.0.post1');
    const r = await runMain(['status', ...args(gitea, pypi), PROJECT], { env: giteaEnv() });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain(`#### ${PROJECT} 1.10.0.post1`);
    expect(r.stdout).toContain('- missing: molecule_demo-1.10.0.post1-py3-none-any.whl: missing at PyPI (best-effort)');
    expect(r.stdout).not.toContain('molecule_demo-1.10.0-py3-none-any.whl');

    pypi.seedFile({
      project: PROJECT,
      version: '1.10.0.post1',
      filename: 'molecule_demo-1.10.0.post1-py3-none-any.whl',
      content: bytesOf('molecule_demo-1.10.0.post1-py3-none-any.whl'),
    });
    const again = await runMain(['status', ...args(gitea, pypi), PROJECT], { env: giteaEnv() });
    expect(again.code, again.stdout).toBe(0);
  });

  it('--json: a StatusReport on stdout, the table on stderr', async () => {
    const { gitea, pypi } = await registries();
    seed([gitea, pypi], WHEEL, '1.2.0');
    seed([gitea], SDIST, '1.2.0');
    const r = await runMain(['status', '--json', ...args(gitea, pypi), `${PROJECT}==1.2.0`], { env: giteaEnv() });
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ reportFormat: 1, kind: 'status', exitCode: 1, complete: false });
    expect(report.targets.map((t: { id: string; credentials: string }) => [t.id, t.credentials])).toEqual([
      ['gitea', 'sent'],
      ['pypi', 'none'],
    ]);
    const [project] = report.projects;
    expect(project).toMatchObject({ name: PROJECT, requested: '1.2.0', version: '1.2.0' });
    // In name order ('-' before '.').
    expect(project.files).toEqual([
      { filename: WHEEL, at: { gitea: { sha256: sha256(bytesOf(WHEEL)) }, pypi: { sha256: sha256(bytesOf(WHEEL)) } } },
      { filename: SDIST, at: { gitea: { sha256: sha256(bytesOf(SDIST)) }, pypi: null } },
    ]);
    expect(project.problems).toEqual([{ kind: 'missing', filename: SDIST, targets: ['pypi'], message: `${SDIST}: missing at PyPI (best-effort)` }]);
    expect(r.stderr).toContain(`| ${SDIST} |`);
  });

  it('a version no target lists, and a project neither has: exit 1, said', async () => {
    const { gitea, pypi } = await registries();
    seed([gitea, pypi], WHEEL, '1.2.0');
    const r = await runMain(['status', ...args(gitea, pypi), `${PROJECT}==9.9`, 'nothing-here'], { env: giteaEnv() });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain(`- not_found: ${PROJECT} 9.9: no file of this version listed by Gitea or PyPI`);
    expect(r.stdout).toContain('- not_found: nothing-here: no version listed by Gitea or PyPI');
  });

  it('a private Gitea: read with the credentials (only there, never sent to PyPI); without them, unreadable and exit 1', async () => {
    const { gitea, pypi } = await registries({ privateOwner: true });
    seed([gitea, pypi], WHEEL, '1.2.0');
    const ok = await runMain(['status', ...args(gitea, pypi), `${PROJECT}==1.2.0`], { env: giteaEnv() });
    expect(ok.code, ok.stdout).toBe(0);
    expect(gitea.requests.every((q) => q.headers.authorization !== undefined)).toBe(true);
    expect(pypi.requests.length).toBeGreaterThan(0);
    expect(pypi.requests.every((q) => q.headers.authorization === undefined)).toBe(true);

    const anonymous = await runMain(['status', ...args(gitea, pypi), `${PROJECT}==1.2.0`]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stdout).toMatch(
      /- unreadable: Gitea: could not read its index: .*401.*set MOLECULE_PYPI_GITEA_PUBLISHER_USER and MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN/,
    );
    expect(row(anonymous.stdout, WHEEL)).toEqual(['?', `\`${sha256(bytesOf(WHEEL)).slice(0, 12)}\``]);
  });

  it('usage: a malformed NAME==VERSION, or no Gitea configured, is exit 2 before any request', async () => {
    const bad = await runMain(['status', '--gitea-url', 'http://127.0.0.1:9', '--gitea-owner', 'o', 'molecule-demo==not a version']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('expected NAME or NAME==VERSION');
    // In Actions: no publish step outputs (status publishes nothing), the summary says the registries were not read.
    const dir = mkdtempSync(join(tmpdir(), 'molecule-status-'));
    const outputs = join(dir, 'outputs');
    const summary = join(dir, 'summary.md');
    const unconfigured = await runMain(['status', '--no-pypi', PROJECT], {
      env: { GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: outputs, GITHUB_STEP_SUMMARY: summary },
    });
    expect(unconfigured.code).toBe(2);
    expect(unconfigured.stderr).toContain('the Gitea registry is not configured');
    expect(existsSync(outputs)).toBe(false);
    expect(readFileSync(summary, 'utf8')).toMatch(/### molecule-publish status\n\n\*\*The registries were not read\*\* \(exit 2\)/);
  });
});

describe('the newest version', () => {
  it('is PEP 440 order, as packaging sorts', () => {
    // packaging's own order (tests/test_version.py VERSIONS, a part of it).
    const ordered = [
      '1.0.dev456',
      '1.0a1',
      '1.0a2.dev456',
      '1.0a12.dev456',
      '1.0a12',
      '1.0b1.dev456',
      '1.0b2',
      '1.0b2.post345.dev456',
      '1.0b2.post345',
      '1.0rc1.dev456',
      '1.0rc1',
      '1.0',
      '1.0+abc.5',
      '1.0+abc.7',
      '1.0+5',
      '1.0.post456.dev34',
      '1.0.post456',
      '1.0.15',
      '1.1.dev1',
      '1!0.1',
    ];
    const shuffled = [...ordered].reverse();
    const parsed = (v: string) => parseVersion(v) ?? expect.unreachable(v);
    expect(shuffled.sort((a, b) => compareVersions(parsed(a), parsed(b)))).toEqual(ordered);
    expect(compareVersions(parsed('1.0'), parsed('1.0.0'))).toBe(0);
  });
});
