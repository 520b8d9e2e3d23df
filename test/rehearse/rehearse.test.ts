/**
 * `rehearse()` in-process: the real engine publishes to the two sandbox registries, then every file is read
 * back through the Gitea sandbox's simple index (wheels by pip, then installed offline; sdists by link).
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ENV } from '../../src/config/resolve.js';
import { rehearse, type RehearsalReport } from '../../src/rehearse/rehearse.js';
import { renderRehearsalMarkdown } from '../../src/rehearse/markdown.js';
import { FIXTURES, ROOT } from '../helpers/cli.js';
import { buildSdist, buildWheel, giteaProfileLabel } from '../helpers/registries/index.js';

/** Probed before any registry runs (a synchronous spawn would block the in-process registries later). */
async function pipWorks(python: string): Promise<boolean> {
  return promisify(execFile)(python, ['-m', 'pip', '--version'], { timeout: 30_000 }).then(
    () => true,
    () => false,
  );
}
const pipAvailable = (await pipWorks('python3')) || (await pipWorks('/usr/bin/python3'));
const debianPip = await pipWorks('/usr/bin/python3');

/** PyPI's own rules: a local version, a .zip sdist, non-normalised sdist names. */
const PYPI_REFUSES = [
  'molecule_demo_local-1.0.0+local.1-py3-none-any.whl',
  'molecule_demo_local-1.0.0+local.1.tar.gz',
  'molecule-demo-zip-0.1.0.zip',
  'molecule-demo-setuptools-1.0.0.tar.gz',
  'My.Weird_Name-0.3.post1.tar.gz',
];

const temporary: string[] = [];
afterEach(async () => {
  while (temporary.length) await rm(temporary.pop() as string, { recursive: true, force: true });
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/** The user's real configuration and a dead proxy: a rehearsal must use none of them. */
function hostileEnvironment(): void {
  vi.stubEnv(ENV.giteaUser, 'real-user');
  vi.stubEnv(ENV.giteaToken, 'real-gitea-token-canary');
  vi.stubEnv(ENV.pypiToken, 'pypi-real-token-canary');
  vi.stubEnv(ENV.giteaUrl, 'https://gitea.invalid');
  vi.stubEnv(ENV.giteaOwner, 'real-owner');
  vi.stubEnv('GITHUB_SERVER_URL', 'https://gitea.invalid');
  vi.stubEnv('HTTP_PROXY', 'http://127.0.0.1:9');
  vi.stubEnv('HTTPS_PROXY', 'http://127.0.0.1:9');
  vi.stubEnv('http_proxy', 'http://127.0.0.1:9');
  vi.stubEnv('PIP_INDEX_URL', 'http://127.0.0.1:9/simple/');
}

function expectPublishedToSandboxes(report: RehearsalReport): void {
  expect(report.dryRun).toBe(false);
  expect(report.exitCode).toBe(0);
  const gitea = report.targets.find((t) => t.id === 'gitea');
  const pypi = report.targets.find((t) => t.id === 'pypi');
  expect(gitea?.policy).toBe('required');
  expect(pypi?.policy).toBe('best-effort');
  for (const t of report.targets) {
    expect(t.uploadUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(t.indexUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    expect(t.credentials).toBe('present');
  }
  expect(gitea?.status).toBe('success');
  expect(gitea?.files.map((f) => f.status)).toEqual(Array(13).fill('uploaded'));
  // The fixtures include files PyPI refuses (a local version, legacy sdists): it has the rest.
  expect(pypi?.status).toBe('partial');
  for (const f of pypi?.files ?? []) expect(f.status, f.filename).toBe(PYPI_REFUSES.includes(f.filename) ? 'skipped_unsupported' : 'uploaded');
  const text = JSON.stringify(report);
  expect(text).not.toContain('canary');
  expect(text).not.toContain('gitea.invalid');
}

describe('rehearse', () => {
  it.skipIf(!pipAvailable)(
    'publishes the fixtures to the sandboxes, reads every file back and installs every wheel',
    async () => {
      hostileEnvironment();
      const quiet = (['log', 'info', 'warn', 'error', 'debug'] as const).map((m) => vi.spyOn(console, m));
      const parent = await tempDir('rehearse-parent-');
      const notes: string[] = [];
      const set = { paths: [FIXTURES], cwd: ROOT };
      const fixtures = (await readdir(FIXTURES)).sort();
      expect(fixtures).toHaveLength(13);

      const report = await rehearse(set, { concurrency: 4, tmpDir: parent }, { note: (m) => notes.push(m) });

      expectPublishedToSandboxes(report);
      const { rehearsal } = report;
      expect(rehearsal.pip).toBe('found');
      expect(rehearsal.installInto).toBe('venv');
      expect(rehearsal.files.map((f) => f.filename).sort()).toEqual(fixtures);
      for (const f of rehearsal.files) {
        expect(f, f.filename).toMatchObject({ downloaded: true, sha256Matches: true });
        if (f.filename.endsWith('.whl')) expect(f, f.filename).toMatchObject({ installed: true });
        else expect(f.installed, f.filename).toBeUndefined();
      }
      expect(rehearsal.files.filter((f) => f.installed === true)).toHaveLength(7);
      expect(notes.some((n) => n.startsWith('pip download '))).toBe(true);

      // Silent, and nothing left behind.
      for (const spy of quiet) expect(spy).not.toHaveBeenCalled();
      expect(await readdir(parent)).toEqual([]);

      const md = renderRehearsalMarkdown(rehearsal);
      expect(md).toContain('13 of 13 file(s) read back');
      expect(md).toContain('7 of 7 wheel(s) installed');
      expect(md).toContain('| molecule_demo_hatch-2.0.0rc1-py3-none-any.whl | yes | matches | yes |');
      expect(md).toContain('| molecule-demo-zip-0.1.0.zip | yes | matches | — |');
    },
    90_000,
  );

  it.each(['1.17', '1.19', 'forgejo'] as const)(
    '--rehearse-gitea %s: the sandbox behaves as that Gitea, and every file is published and read back',
    async (profile) => {
      const set = { paths: [FIXTURES], cwd: ROOT };
      const notes: string[] = [];
      const report = await rehearse(set, { python: '/nonexistent/python3', giteaProfile: profile }, { note: (m) => notes.push(m) });
      expectPublishedToSandboxes(report);
      expect(notes).toContain(`the Gitea sandbox behaves as ${giteaProfileLabel(profile)}`);
      for (const f of report.rehearsal.files) expect(f, f.filename).toMatchObject({ downloaded: true, sha256Matches: true });
    },
    60_000,
  );

  it.each(['devpi', 'gitlab'] as const)(
    '--rehearse-registry %s: a third, required target, its double gets every file, Gitea and PyPI as usual',
    async (kind) => {
      const notes: string[] = [];
      const report = await rehearse({ paths: [FIXTURES], cwd: ROOT }, { python: '/nonexistent/python3', registryKind: kind }, { note: (m) => notes.push(m) });
      expect(report.exitCode).toBe(0);
      expect(report.targets.map((t) => [t.id, t.policy, t.status])).toEqual([
        ['gitea', 'required', 'success'],
        [kind, 'required', 'success'],
        ['pypi', 'best-effort', 'partial'],
      ]);
      expect(report.targets[1]?.files.every((f) => f.status === 'uploaded')).toBe(true);
      expect(notes.some((n) => n.startsWith(`a ${kind} sandbox at http://127.0.0.1:`))).toBe(true);
    },
    60_000,
  );

  it('without pip: still publishes, fetches every file through the index link, installs nothing', async () => {
    hostileEnvironment();
    const parent = await tempDir('rehearse-parent-');
    const set = { paths: [FIXTURES], cwd: ROOT };

    const report = await rehearse(set, { python: '/nonexistent/python3', tmpDir: parent });

    expectPublishedToSandboxes(report);
    expect(report.rehearsal.pip).toBe('missing');
    expect(report.rehearsal.installInto).toBeUndefined();
    expect(report.rehearsal.files).toHaveLength(13);
    for (const f of report.rehearsal.files) {
      expect(f, f.filename).toMatchObject({ downloaded: true, sha256Matches: true });
      expect(f.installed, f.filename).toBeUndefined();
    }
    expect(await readdir(parent)).toEqual([]);
    expect(renderRehearsalMarkdown(report.rehearsal)).toContain('pip not found: wheels were not installed');
  }, 60_000);

  it.skipIf(!debianPip || process.platform !== 'linux')(
    'reports the wheels that do not install, and falls back to pip install --target without venv',
    async () => {
      const dist = await tempDir('rehearse-dist-');
      const built = [
        buildWheel({ name: 'other-platform', version: '1.0.0', tag: 'cp312-cp312-win_arm64' }),
        buildWheel({ name: 'future-python', version: '1.0.0', requiresPython: '>=3.99' }),
        buildWheel({ name: 'fine-demo', version: '1.0.0', tag: 'py2.py3-none-any' }),
        buildSdist({ name: 'fine-demo', version: '1.0.0' }),
      ];
      for (const b of built) await writeFile(join(dist, b.filename), b.content);
      // An interpreter whose venv module fails (Debian without python3-venv); the rest is Debian's python3.
      const bin = await tempDir('rehearse-python-');
      const python = join(bin, 'python3');
      await writeFile(
        python,
        '#!/bin/sh\nif [ "$1" = "-m" ] && [ "$2" = "venv" ]; then echo "ensurepip is not available" >&2; exit 1; fi\n' +
          'if [ "$1" = "-c" ]; then echo "$0"; exit 0; fi\nexec /usr/bin/python3 "$@"\n',
      );
      await chmod(python, 0o755);

      const report = await rehearse({ paths: [dist] }, { python });

      expect(report.exitCode).toBe(0);
      expect(report.targets.find((t) => t.id === 'gitea')?.files.map((f) => f.status)).toEqual(Array(4).fill('uploaded'));
      const { rehearsal } = report;
      expect(rehearsal).toMatchObject({ pip: 'found', python, installInto: 'target' });
      const byName = new Map(rehearsal.files.map((f) => [f.filename, f]));
      // Downloaded by pip with the wheel's own tags, even though this interpreter cannot install it.
      expect(byName.get('other_platform-1.0.0-cp312-cp312-win_arm64.whl')).toMatchObject({ downloaded: true, sha256Matches: true, installed: false });
      expect(byName.get('other_platform-1.0.0-cp312-cp312-win_arm64.whl')?.detail).toMatch(/not a supported wheel on this platform/);
      expect(byName.get('future_python-1.0.0-py3-none-any.whl')).toMatchObject({ downloaded: true, sha256Matches: true, installed: false });
      expect(byName.get('future_python-1.0.0-py3-none-any.whl')?.detail).toMatch(/requires a different Python/);
      expect(byName.get('fine_demo-1.0.0-py2.py3-none-any.whl')).toMatchObject({ downloaded: true, sha256Matches: true, installed: true });
      expect(byName.get('fine_demo-1.0.0.tar.gz')).toMatchObject({ downloaded: true, sha256Matches: true });
      expect(byName.get('fine_demo-1.0.0.tar.gz')?.installed).toBeUndefined();
      const md = renderRehearsalMarkdown(rehearsal);
      expect(md).toContain('1 of 3 wheel(s) installed offline (pip install --target: no venv available)');
      expect(md).toMatch(/\| other_platform-1\.0\.0-cp312-cp312-win_arm64\.whl \| yes \| matches \| \*\*no\*\* \| pip install: ERROR: .*not a supported wheel/);
    },
    60_000,
  );
});
