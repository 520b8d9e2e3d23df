/**
 * Configuration as a maintainer uses it, end to end: pyproject.toml targets and settings with their
 * precedence, --only for finishing a release on one registry, and .pypirc with --repository.
 * In-process runs of the CLI (main() with its own io, cwd and HOME): relative paths (`dist/`, the
 * summary, .pypirc) are the project folder's, not the test process's.
 */
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { parseSummary } from '../helpers/summary.js';
import { simpleMetadata, writeWheel } from '../helpers/archives.js';
import { startGiteaRegistry, startPypiRegistry } from '../helpers/registries/index.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

const FILES = ['molecule_demo_hatch-2.0.0rc1-py3-none-any.whl', 'molecule_demo_hatch-2.0.0rc1.tar.gz'];

async function workdir(pyproject?: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'molecule-proj-'));
  const dist = join(dir, 'dist');
  await mkdir(dist);
  for (const f of FILES) await copyFile(join(FIXTURES, f), join(dist, f));
  if (pyproject !== undefined) await writeFile(join(dir, 'pyproject.toml'), pyproject);
  return dir;
}

describe('pyproject.toml', () => {
  it('a list of targets, each with its policy: a failing best-effort mirror does not fail the run', async () => {
    const gitea = await startGiteaRegistry();
    const pypi = await startPypiRegistry();
    const mirror = await startPypiRegistry({ tokens: { 'mirror-token': {} } });
    open.push(gitea, pypi, mirror);
    const dir = await workdir(`
[tool.molecule-publish]
retry-delay = 0.01

[[tool.molecule-publish.targets]]
name = "gitea"
upload-url = "${gitea.uploadUrl}"
username-env = "MOLECULE_PYPI_GITEA_PUBLISHER_USER"
password-env = "MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN"

[[tool.molecule-publish.targets]]
name = "pypi"
upload-url = "${pypi.uploadUrl}"
password-env = "PYPI_TOKEN"
policy = "best-effort"

[[tool.molecule-publish.targets]]
name = "mirror"
upload-url = "${mirror.uploadUrl}"
password-env = "MIRROR_TOKEN"
policy = "best-effort"
`);
    const r = await runMain([], { cwd: dir, env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token', MIRROR_TOKEN: 'wrong' }) });
    expect(r.code, r.stderr).toBe(0);
    expect(parseSummary(r.stdout).targets).toEqual({ Gitea: 'success', PyPI: 'success', mirror: 'failed_http_403' });
    expect(gitea.files()).toHaveLength(2);
    expect(pypi.files()).toHaveLength(2);
    expect(mirror.files()).toHaveLength(0);
  });

  it('precedence: flag > environment > pyproject.toml > default (shown with retries)', async () => {
    // Each run publishes to a fresh registry whose first upload answers 503 once.
    const run = async (args: string[], env: Record<string, string> = {}) => {
      const gitea = await startGiteaRegistry();
      open.push(gitea);
      gitea.injectFault({ kind: 'status', status: 503 });
      const dir = await workdir(
        `[tool.molecule-publish]\ngitea-url = "${gitea.url}"\ngitea-owner = "${gitea.owner}"\npypi = false\nretries = 0\nretry-delay = 0.01\n`,
      );
      return (await runMain(args, { cwd: dir, env: giteaEnv(env) })).code;
    };
    expect(await run([])).toBe(1); // the file says no retries: the one 503 fails the run
    expect(await run([], { MOLECULE_PUBLISH_RETRIES: '1' })).toBe(0); // the environment beats the file
    expect(await run(['--retries', '0'], { MOLECULE_PUBLISH_RETRIES: '1' })).toBe(1); // the flag beats the environment
  });

  it('an invalid key is one line naming it and the file, exit 2, nothing sent', async () => {
    const gitea = await startGiteaRegistry();
    open.push(gitea);
    const dir = await workdir(`[tool.molecule-publish]\ngitea-url = "${gitea.url}"\nconcurency = 4\n`);
    const r = await runMain([], { cwd: dir, env: giteaEnv() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: pyproject.toml [tool.molecule-publish]: concurency: unknown key');
    expect(gitea.requests).toHaveLength(0);
  });
});

describe('--only', () => {
  it('finishes a release on PyPI after its outage: PyPI alone, required, Gitea only read', async () => {
    const gitea = await startGiteaRegistry();
    const pypi = await startPypiRegistry();
    open.push(gitea, pypi);
    const dir = await workdir();
    const args = ['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--pypi-url', pypi.uploadUrl, '--retry-delay', '0.01', '--retries', '0', 'dist'];
    pypi.injectFault({ kind: 'status', status: 503, always: true });
    const first = await runMain(args, { cwd: dir, env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) });
    expect(first.code).toBe(0);
    expect(parseSummary(first.stdout).targets).toEqual({ Gitea: 'success', PyPI: 'failed_http_503' });
    pypi.clearFaults();
    const giteaRequests = gitea.requests.length;
    // The outage is over: PyPI only, and now it must succeed (no Gitea credentials needed).
    const r = await runMain([...args, '--only', 'pypi'], { cwd: dir, env: { PYPI_TOKEN: 'pypi-test-token' } });
    expect(r.code, r.stderr).toBe(0);
    expect(parseSummary(r.stdout).targets).toEqual({ PyPI: 'success' });
    expect(r.stdout).toContain('| PyPI | 127.0.0.1');
    expect(r.stdout).toMatch(/\| required \| `success` \|/);
    // Gitea only read (its index, to compare the bytes): nothing sent there.
    const since = gitea.requests.slice(giteaRequests);
    expect(since.every((q) => q.method === 'GET' && q.path.includes('/simple/'))).toBe(true);
    expect(gitea.uploads()).toHaveLength(2);
    expect(pypi.files()).toHaveLength(2);
  });
});

describe('.pypirc and --repository', () => {
  it('publishes to that section alone, as twine upload -r, with TWINE_PASSWORD filling in', async () => {
    const gitea = await startGiteaRegistry();
    const pypi = await startPypiRegistry();
    open.push(gitea, pypi);
    const dir = await workdir();
    const home = await mkdtemp(join(tmpdir(), 'home-'));
    await writeFile(join(home, '.pypirc'), `[distutils]\nindex-servers =\n    company\n\n[company]\nrepository = ${gitea.uploadUrl}\nusername = publisher\n`);
    const r = await runMain(['-r', 'company', 'dist'], { cwd: dir, env: { HOME: home, TWINE_PASSWORD: 'gitea-test-token' } });
    expect(r.code, r.stderr).toBe(0);
    expect(parseSummary(r.stdout).targets).toEqual({ company: 'success' });
    expect(gitea.files()).toHaveLength(2);
    expect(pypi.requests).toHaveLength(0);
    expect(r.stdout + r.stderr).not.toContain('gitea-test-token');

    const missing = await runMain(['-r', 'nope', 'dist'], { cwd: dir, env: { HOME: home } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`Missing 'nope' section from ${join(home, '.pypirc')}.`);
  });
});

describe('first contact with the configuration', () => {
  it('a token pasted with a trailing newline is trimmed, with a warning naming the variable (never the value)', async () => {
    const gitea = await startGiteaRegistry();
    open.push(gitea);
    const dir = await mkdtemp(join(tmpdir(), 'molecule-trim-'));
    await copyFile(join(FIXTURES, 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl'), join(dir, 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl'));
    const r = await runMain(['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--no-pypi', dir], {
      env: giteaEnv({ MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: 'gitea-test-token\n' }),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN had whitespace around it (a pasted newline?): trimmed');
    expect(r.stdout + r.stderr).not.toContain('gitea-test-token');
    expect(gitea.files()).toHaveLength(1);
  });

  it.each([
    [
      ['--gitea-url', 'https://git.example.com/api/packages/me/pypi', '--gitea-owner', 'me'],
      /is a package URL, not Gitea's base URL: give --gitea-url https:\/\/HOST with --gitea-owner OWNER, or the whole upload URL as --gitea-repository-url/,
    ],
    [['--gitea-repository-url', 'https://git.example.com/api/packages/me/pypi/simple/'], /is a simple index \(what pip reads\), not an upload URL/],
    [
      ['--gitea-url', 'https://git.example.com', '--gitea-owner', 'me', '--pypi-url', 'https://pypi.org/simple/'],
      /PyPI: https:\/\/pypi\.org\/simple\/ is a simple index/,
    ],
  ])('%j: refused before any request (exit 2), saying which URL to give', async (args, message) => {
    const r = await runMain([...args, 'fixtures/dist'], { env: giteaEnv({ PYPI_TOKEN: 'pypi-x' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('--only pypi after an outage: one set of bytes per file name', () => {
  const WHEEL = 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl';

  it("refuses to put a rebuild on PyPI whose bytes differ from Gitea's; the very file Gitea holds goes", async () => {
    const gitea = await startGiteaRegistry();
    const pypi = await startPypiRegistry();
    open.push(gitea, pypi);
    const original = await mkdtemp(join(tmpdir(), 'molecule-only-'));
    await copyFile(join(FIXTURES, WHEEL), join(original, WHEEL));
    const target = ['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--pypi-url', pypi.uploadUrl, '--pypi-index-url', pypi.indexUrl];
    expect((await runMain([...target, '--no-pypi', original], { env: giteaEnv() })).code).toBe(0);

    // A manual re-publish usually rebuilds: other bytes under the same name. No Gitea token is needed.
    const rebuilt = await mkdtemp(join(tmpdir(), 'molecule-rebuilt-'));
    writeWheel(rebuilt, WHEEL, { metadata: simpleMetadata('molecule_demo_hatch', '2.0.0rc1', [['Keywords', 'rebuilt']]) });
    const refused = await runMain([...target, '--only', 'pypi', rebuilt], { env: { PYPI_TOKEN: 'pypi-test-token' } });
    expect(refused.code).toBe(1);
    const s = parseSummary(refused.stdout);
    expect(s.files[WHEEL]).toEqual({ PyPI: 'conflict' });
    expect(s.details.PyPI).toMatch(/Gitea already holds a different file under this name \(local sha256 [0-9a-f]{12}…, Gitea [0-9a-f]{12}…\)/);
    expect(refused.stderr).toMatch(/publish the very files it holds/);
    expect(pypi.uploads()).toHaveLength(0);

    const same = await runMain([...target, '--only', 'pypi', original], { env: { PYPI_TOKEN: 'pypi-test-token' } });
    expect(same.code, same.stderr).toBe(0);
    expect(pypi.files().map((f) => f.filename)).toEqual([WHEEL]);
  });

  it("says in one line that Gitea's index could not be read, and goes on", async () => {
    const pypi = await startPypiRegistry();
    open.push(pypi);
    const dir = await mkdtemp(join(tmpdir(), 'molecule-only-down-'));
    await copyFile(join(FIXTURES, WHEEL), join(dir, WHEEL));
    const r = await runMain(
      ['--gitea-url', 'http://127.0.0.1:9', '--gitea-owner', 'o', '--pypi-url', pypi.uploadUrl, '--pypi-index-url', pypi.indexUrl, '--only', 'pypi', dir],
      {
        env: { PYPI_TOKEN: 'pypi-test-token' },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/could not read Gitea's index to compare/g)).toHaveLength(1);
    expect(pypi.files()).toHaveLength(1);
  });
});
