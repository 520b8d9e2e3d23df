/**
 * The eleven publish scenarios of the upload engine, each an end-to-end run of the CLI (in-process:
 * main() with its own io) against the loopback Gitea and PyPI test registries.
 */
import { execFile } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, readdir } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, giteaEnv, type CliResult } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { parseSummary } from '../helpers/summary.js';
import { startGiteaRegistry, startPypiRegistry, type GiteaRegistry, type PypiRegistry } from '../helpers/registries/index.js';

const PYTHON = '/usr/bin/python3';
const pipAvailable = spawnSync(PYTHON, ['-m', 'pip', '--version']).status === 0;

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

function targetArgs(gitea: GiteaRegistry, pypiUrl: string | undefined): string[] {
  const args = ['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--retry-delay', '0.01', '--timeout', '5'];
  return pypiUrl ? [...args, '--pypi-url', pypiUrl] : [...args, '--no-pypi'];
}

const THREE = ['molecule_demo_hatch-2.0.0rc1-py3-none-any.whl', 'molecule_demo_setuptools-1.0.0-py3-none-any.whl', 'molecule_demo_hatch-2.0.0rc1.tar.gz'];

/** A folder with some fixtures copied in. */
async function distWith(files: readonly string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'molecule-dist-'));
  for (const f of files) await copyFile(join(FIXTURES, f), join(dir, f));
  return dir;
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function publish(
  dist: string,
  gitea: GiteaRegistry,
  pypi: PypiRegistry | undefined,
  env: Record<string, string | undefined>,
): Promise<CliResult & ReturnType<typeof parseSummary>> {
  const r = await runMain([...targetArgs(gitea, pypi?.uploadUrl), dist], { env });
  return { ...r, ...parseSummary(r.stdout) };
}

describe('publishing', () => {
  it('1. happy path: every fixture on Gitea, PyPI gets what it accepts, pip downloads them back', async () => {
    const { gitea, pypi } = await registries();
    const all = (await readdir(FIXTURES)).filter((f) => /\.(whl|tar\.gz|zip)$/.test(f));
    const r = await publish(FIXTURES, gitea, pypi, giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.targets).toEqual({ Gitea: 'success', PyPI: 'partial' });
    expect(
      gitea
        .files()
        .map((f) => f.filename)
        .sort(),
    ).toEqual([...all].sort());
    for (const f of gitea.files()) expect(f.sha256).toBe(sha256(await readFile(join(FIXTURES, f.filename))));
    // PyPI: what it refuses is skipped with the reason, everything else is there.
    const skipped = Object.entries(r.files)
      .filter(([, s]) => s.PyPI === 'skipped_unsupported')
      .map(([f]) => f)
      .sort();
    expect(skipped).toEqual([
      'My.Weird_Name-0.3.post1.tar.gz',
      'molecule-demo-setuptools-1.0.0.tar.gz',
      'molecule-demo-zip-0.1.0.zip',
      'molecule_demo_local-1.0.0+local.1-py3-none-any.whl',
      'molecule_demo_local-1.0.0+local.1.tar.gz',
    ]);
    expect(
      pypi
        .files()
        .map((f) => f.filename)
        .sort(),
    ).toEqual(all.filter((f) => !skipped.includes(f)).sort());
    expect(pypi.uploads().every((u) => u.status === 200)).toBe(true);
    expect(r.summary).toContain('Published 13 file(s) to Gitea');

    if (!pipAvailable) return;
    const dest = await mkdtemp(join(tmpdir(), 'pip-'));
    const home = await mkdtemp(join(tmpdir(), 'pip-home-'));
    const requirements = [
      'molecule-demo-setuptools==1.0.0',
      'molecule_demo_hatch==2.0.0rc1',
      'My.Weird_Name==0.3.post1',
      'molecule-demo-zip==0.1.0',
      'molecule-demo-local==1.0.0+local.1',
      'molecule-demo-meta23==0.1.0',
      'molecule-demo-meta24==0.2.0',
    ];
    await promisify(execFile)(
      PYTHON,
      [
        '-m',
        'pip',
        'download',
        '--isolated',
        '--no-cache-dir',
        '--disable-pip-version-check',
        '--no-deps',
        '--only-binary',
        ':all:',
        '--index-url',
        gitea.indexUrl,
        '-d',
        dest,
        ...requirements,
      ],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, PIP_CONFIG_FILE: '/dev/null' }, timeout: 120_000 },
    );
    const downloaded = (await readdir(dest)).sort();
    expect(downloaded).toEqual(all.filter((f) => f.endsWith('.whl')).sort());
    for (const f of downloaded) expect(sha256(await readFile(join(dest, f)))).toBe(sha256(await readFile(join(FIXTURES, f))));
  });

  it('2. a garbage PYPI_TOKEN: Gitea succeeds, PyPI failed_http_403 with a hint, exit 0', async () => {
    const { gitea, pypi } = await registries();
    const r = await publish(await distWith(THREE), gitea, pypi, giteaEnv({ PYPI_TOKEN: 'garbage' }));
    expect(r.code).toBe(0);
    expect(r.targets).toEqual({ Gitea: 'success', PyPI: 'failed_http_403' });
    expect(r.details.PyPI).toContain('Invalid or non-existent authentication information');
    expect(r.details.PyPI).toContain('hint: the token in PYPI_TOKEN is not a valid PyPI token (mistyped, revoked, or for TestPyPI)');
    expect(gitea.files()).toHaveLength(3);
    expect(pypi.uploads()).toHaveLength(1); // stops at the first refusal: no retry storm
  });

  it('3. PyPI unreachable: exit 0, PyPI failed_network', async () => {
    const { gitea } = await registries();
    const closed = await startPypiRegistry();
    const url = closed.uploadUrl;
    await closed.close(); // nothing listens there any more
    const r = await runMain([...targetArgs(gitea, url), '--retries', '1', await distWith(THREE)], { env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) });
    const s = parseSummary(r.stdout);
    expect(r.code).toBe(0);
    expect(s.targets).toEqual({ Gitea: 'success', PyPI: 'failed_network' });
    expect(s.details.PyPI).toContain('connection refused');
  });

  it('4. no PYPI_TOKEN: exit 0, PyPI skipped_no_token and sent nothing', async () => {
    const { gitea, pypi } = await registries();
    const r = await publish(await distWith(THREE), gitea, pypi, giteaEnv());
    expect(r.code).toBe(0);
    expect(r.targets).toEqual({ Gitea: 'success', PyPI: 'skipped_no_token' });
    expect(pypi.requests).toHaveLength(0);
  });

  it('5. Gitea credentials missing: exit 2 and neither registry hears a thing', async () => {
    const { gitea, pypi } = await registries();
    const r = await publish(await distWith(THREE), gitea, pypi, { PYPI_TOKEN: 'pypi-test-token' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Gitea credentials missing');
    expect(gitea.requests).toHaveLength(0);
    expect(pypi.requests).toHaveLength(0);
  });

  it('6. Gitea answers 503 twice, then accepts: success after retries, each file stored once', async () => {
    const { gitea } = await registries();
    gitea.injectFault({ kind: 'status', status: 503, times: 2 });
    const r = await publish(await distWith(THREE), gitea, undefined, giteaEnv());
    expect(r.code, r.stderr).toBe(0);
    expect(r.targets).toEqual({ Gitea: 'success' });
    expect(gitea.uploads()).toHaveLength(5);
    expect(
      gitea
        .files()
        .map((f) => f.filename)
        .sort(),
    ).toEqual([...THREE].sort());
    expect(r.stderr).toMatch(/HTTP 503; retrying in/);
  });

  it('7. Gitea resets the connection mid-upload once: retried, stored once', async () => {
    const { gitea } = await registries();
    gitea.injectFault({ kind: 'reset-mid-body' });
    const r = await publish(await distWith(THREE), gitea, undefined, giteaEnv());
    expect(r.code, r.stderr).toBe(0);
    expect(gitea.files()).toHaveLength(3);
    expect(gitea.uploads()).toHaveLength(4);
    expect(r.stderr).toMatch(/retrying in/);
  });

  it('8a. Gitea 401 for wrong credentials: exit 1 with the credentials hint, PyPI not attempted', async () => {
    const { gitea, pypi } = await registries();
    const r = await publish(
      await distWith(THREE),
      gitea,
      pypi,
      giteaEnv({ MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: 'wrong-token', PYPI_TOKEN: 'pypi-test-token' }),
    );
    expect(r.code).toBe(1);
    expect(r.targets).toEqual({ Gitea: 'failed_http_401', PyPI: 'not_attempted' });
    expect(r.details.Gitea).toContain('Gitea rejected the credentials');
    expect(r.details.Gitea).toContain('check MOLECULE_PYPI_GITEA_PUBLISHER_USER and MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN');
    expect(r.stderr + r.stdout).not.toContain('wrong-token');
    expect(pypi.requests).toHaveLength(0);
    // Gitea's index answered the pre-check with 401 already: no upload is sent at all.
    expect(gitea.uploads()).toHaveLength(0);
  });

  it('8b. Gitea 401 for missing package permission: exit 1 with the scope-and-ownership hint', async () => {
    const { gitea, pypi } = await registries({
      users: { publisher: { token: 'gitea-test-token', scopes: ['write:package'], ownsOwner: false } },
    });
    const r = await publish(await distWith(THREE), gitea, pypi, giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }));
    expect(r.code).toBe(1);
    expect(r.targets).toEqual({ Gitea: 'failed_http_401', PyPI: 'not_attempted' });
    expect(r.details.Gitea).toContain('Gitea refused write access');
    expect(r.details.Gitea).toContain('write:package scope AND its user must own the package owner');
    expect(pypi.requests).toHaveLength(0);
  });

  it('9. run twice: the second run uploads nothing, every file already_present, exit 0', async () => {
    const { gitea, pypi } = await registries();
    const dist = await distWith(THREE);
    const env = giteaEnv({ PYPI_TOKEN: 'pypi-test-token' });
    expect((await publish(dist, gitea, pypi, env)).code).toBe(0);
    const giteaUploads = gitea.uploads().length;
    const pypiUploads = pypi.uploads().length;
    const second = await publish(dist, gitea, pypi, env);
    expect(second.code).toBe(0);
    expect(gitea.uploads()).toHaveLength(giteaUploads);
    expect(pypi.uploads()).toHaveLength(pypiUploads);
    for (const f of THREE) expect(second.files[f]).toEqual({ Gitea: 'already_present', PyPI: 'already_present' });
  });

  it('10. half-finished publish: the second run uploads the missing two', async () => {
    const { gitea } = await registries();
    const [first = ''] = THREE;
    gitea.seedFile({ filename: first, project: 'molecule-demo-hatch', version: '2.0.0rc1', content: await readFile(join(FIXTURES, first)) });
    const r = await publish(await distWith(THREE), gitea, undefined, giteaEnv());
    expect(r.code, r.stderr).toBe(0);
    expect(r.files[first]).toEqual({ Gitea: 'already_present' });
    expect(
      gitea
        .uploads()
        .map((u) => u.fileName)
        .sort(),
    ).toEqual(THREE.slice(1).sort());
    expect(gitea.files()).toHaveLength(3);
  });

  it('11. a different file under an existing name: conflict, exit 1, nothing overwritten', async () => {
    const { gitea, pypi } = await registries();
    const [first = ''] = THREE;
    const other = Buffer.from('some other bytes');
    gitea.seedFile({ filename: first, project: 'molecule-demo-hatch', version: '2.0.0rc1', content: other });
    const r = await publish(await distWith(THREE), gitea, pypi, giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }));
    expect(r.code).toBe(1);
    expect(r.targets).toEqual({ Gitea: 'conflict', PyPI: 'not_attempted' });
    expect(r.details.Gitea).toContain('a different file with this name is already published');
    expect(gitea.fileContent(first)?.equals(other)).toBe(true);
    expect(gitea.uploads()).toHaveLength(0);
    expect(pypi.requests).toHaveLength(0);
  });
});

describe('the dry run looks at the registries', () => {
  it('after a partial publish, says per target what is already there, what would go and what conflicts; sends nothing', async () => {
    const gitea = await startGiteaRegistry();
    const pypi = await startPypiRegistry();
    open.push(gitea, pypi);
    const dir = await mkdtemp(join(tmpdir(), 'molecule-dry-index-'));
    const files = ['molecule_demo_hatch-2.0.0rc1-py3-none-any.whl', 'molecule_demo_hatch-2.0.0rc1.tar.gz'];
    for (const f of files) await copyFile(join(FIXTURES, f), join(dir, f));
    const args = ['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--pypi-url', pypi.uploadUrl, '--pypi-index-url', pypi.indexUrl];
    // Gitea got both files earlier; PyPI was down then and has only a different wheel under the same name.
    expect((await runMain([...args, '--no-pypi', dir], { env: giteaEnv() })).code).toBe(0);
    pypi.seedFile({ project: 'molecule-demo-hatch', version: '2.0.0rc1', filename: files[0] as string, content: Buffer.from('other bytes') });
    const uploads = gitea.uploads().length + pypi.uploads().length;

    const r = await runMain(['--dry-run', ...args, dir], { env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) });
    expect(r.code, r.stderr).toBe(0);
    const s = parseSummary(r.stdout);
    expect(s.files[files[0] as string]).toEqual({ Gitea: 'already_present', PyPI: 'conflict' });
    expect(s.files[files[1] as string]).toEqual({ Gitea: 'already_present', PyPI: 'would_upload' });
    expect(s.details.PyPI).toMatch(/1 file\(s\) differ from what it already has under the same name/);
    expect(r.stderr).toMatch(/already_present\s+molecule_demo_hatch-2\.0\.0rc1-py3-none-any\.whl/);
    expect(gitea.uploads().length + pypi.uploads().length).toBe(uploads);
  });

  it('an index it cannot read is said once, and the plan falls back to would_upload', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'molecule-dry-down-'));
    await copyFile(join(FIXTURES, 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl'), join(dir, 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl'));
    // Nothing listens on port 9 of the loopback: connection refused.
    const r = await runMain(['--dry-run', '--no-pypi', '--gitea-url', 'http://127.0.0.1:9', '--gitea-owner', 'o', dir], { env: giteaEnv() });
    expect(r.code, r.stderr).toBe(0);
    const s = parseSummary(r.stdout);
    expect(s.files['molecule_demo_hatch-2.0.0rc1-py3-none-any.whl']).toEqual({ Gitea: 'would_upload' });
    expect(s.details.Gitea).toMatch(/could not read its index \(.*connection refused\): the plan assumes none of the files is there/);
  });
});
