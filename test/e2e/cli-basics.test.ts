/**
 * The CLI as a user meets it before any network code runs: help, version, check, dry run, and the
 * errors for bad input (one line naming the file, an exit code, never a stack trace). In-process
 * (main() with its own io); the built CLI as a process is covered by packaging, tty-progress,
 * interrupts and one run per output mode in secrets-canary.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { FIXTURES, giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';

// The one full rehearsal (pip download and install included) is test/rehearse/rehearse.test.ts. Here
// the CLI's --rehearse runs the same publish and read-back with no interpreter: pip installs nothing.
vi.mock(import('../../src/rehearse/rehearse.js'), async (importOriginal) => {
  const original = await importOriginal();
  return {
    ...original,
    rehearse: (...[request, options, deps]: Parameters<typeof original.rehearse>) =>
      original.rehearse(request, { ...options, python: '/nonexistent/python3' }, deps),
  };
});

const fixtureFiles = readdirSync(FIXTURES).filter((f) => /\.(whl|tar\.gz|zip)$/.test(f));
const STACK_LINE = /^\s+at .+\(.+:\d+:\d+\)$/m;

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'molecule-e2e-'));
}

describe('help and version', () => {
  it('--help lists the commands, exit codes and environment variables', async () => {
    const r = await runMain(['publish', '--help']);
    expect(r.code).toBe(0);
    // What the user asked to see goes to stdout (`molecule-publish --help | less`).
    expect(r.stdout).toContain('--dry-run');
    expect(r.stdout).toContain('MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN');
    expect(r.stdout).toMatch(/3\s+invalid distributions/);
    expect(r.stderr).toBe('');
  });

  it('--version prints the package version', async () => {
    const r = await runMain(['--version']);
    expect(r.code).toBe(0);
    // `v=$(molecule-publish --version)` works.
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('an unknown flag is a usage error (exit 2)', async () => {
    const r = await runMain(['--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown option');
    // The error and one line pointing at --help, not the whole help.
    expect(r.stderr.trim().split('\n')).toEqual(["error: unknown option '--frobnicate'", '(molecule-publish --help lists the commands and options)']);
  });
});

describe('check', () => {
  it('passes every fixture, like twine check', async () => {
    const r = await runMain(['check', 'fixtures/dist']);
    expect(r.code).toBe(0);
    // The results on stdout, as twine check prints them (`check > report.txt` keeps them).
    for (const f of fixtureFiles) expect(r.stdout).toContain(`Checking fixtures/dist/${f}: PASSED`);
    expect(r.stdout).toContain(`${fixtureFiles.length} passed, 0 failed`);
  });

  it('--strict fails on warnings (legacy sdist names)', async () => {
    const r = await runMain(['check', '--strict', 'fixtures/dist']);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('My.Weird_Name-0.3.post1.tar.gz: FAILED due to warnings');
  });

  it.runIf(existsSync('/usr/share/python-wheels'))('passes the real wheels Debian ships (python3-pip-whl)', async () => {
    const r = await runMain(['check', '/usr/share/python-wheels']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/pip-[^ ]+\.whl: PASSED/);
  });

  it('reports a broken file in one line naming it, exit 3, no stack trace', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'broken-1.0-py3-none-any.whl'), 'this is not a zip file at all\n');
    await copyFile(join(FIXTURES, 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl'), join(dir, 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl'));
    const r = await runMain(['check', dir]);
    expect(r.code).toBe(3);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('  error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/broken-1\.0-py3-none-any\.whl: not a valid zip archive/);
    expect(r.stdout).toContain('molecule_demo_hatch-2.0.0rc1-py3-none-any.whl: PASSED');
    expect(r.stdout + r.stderr).not.toMatch(STACK_LINE);
  });
});

describe('dry run', () => {
  it('plans every fixture, wheels first, sends nothing, never prints credential values', async () => {
    const r = await runMain(['--dry-run', '--offline', '--gitea-url', 'https://git.example.com', '--gitea-owner', 'demo', 'fixtures/dist'], {
      env: giteaEnv({ MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: 'canary-gitea-secret-123', PYPI_TOKEN: 'pypi-canary-secret-456' }),
    });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr + r.summary).not.toContain('canary-gitea-secret-123');
    expect(r.stdout + r.stderr + r.summary).not.toContain('pypi-canary-secret-456');
    // The plan: every file would go to Gitea; PyPI skips what it refuses, with the reason.
    expect(r.stderr).toContain('Gitea (required) https://git.example.com/api/packages/demo/pypi: dry_run');
    for (const f of fixtureFiles) expect(r.stdout).toContain(f);
    expect(r.stderr).toMatch(/skipped_unsupported\s+molecule_demo_local-1\.0\.0\+local\.1-py3-none-any\.whl\s+\(PyPI refuses local versions/);
    expect(r.stderr).toMatch(/skipped_unsupported\s+molecule-demo-zip-0\.1\.0\.zip\s+\(PyPI refuses \.zip source distributions/);
    expect(r.stderr).toMatch(/would_upload\s+molecule_demo_hatch-2\.0\.0rc1\.tar\.gz/);
    // Wheels before sdists in the plan.
    const order = [...r.stdout.matchAll(/^\| (\S+\.(?:whl|tar\.gz|zip)) \|/gm)].map((m) => m[1] ?? '');
    const firstSdist = order.findIndex((f) => !f.endsWith('.whl'));
    expect(order.slice(firstSdist).every((f) => !f.endsWith('.whl'))).toBe(true);
    // The summary file gets the same Markdown.
    expect(r.summary).toContain('| Gitea | git.example.com (demo) | required | `dry_run` |');
  });

  it('without credentials still exits 0 but says a real run would stop, and PyPI is skipped_no_token', async () => {
    const r = await runMain(['--dry-run', '--offline', '--gitea-url', 'https://git.example.com', '--gitea-owner', 'demo', 'fixtures/dist']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('a real run would stop (exit 2)');
    expect(r.stdout).toContain('| PyPI | upload.pypi.org | best-effort | `skipped_no_token` |');
  });
});

describe('bad input stops everything before any request', () => {
  it('a path that does not exist: exit 2, named', async () => {
    const r = await runMain(['check', 'no/such/dir']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('error: no/such/dir: no such file or folder');
  });

  it('a file named explicitly that is not a distribution: exit 2, named', async () => {
    const r = await runMain(['check', 'README.md']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: README.md: not a distribution');
  });

  it('a folder without distributions: exit 2, naming the folder', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'notes.txt'), 'hello');
    const r = await runMain(['check', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no distributions (.whl, .tar.gz, .zip) found in: ${dir}`);
  });

  // Publishing a set with one invalid file: test/e2e/bad-input-corpus.test.ts (every case asserts exit 3,
  // the line naming the file, the `nothing was uploaded` line, no request and no stack trace).

  it('missing Gitea credentials: exit 2 naming both variables, and the reserved-prefix hint', async () => {
    const r = await runMain(['--gitea-url', 'http://127.0.0.1:9', '--gitea-owner', 'demo', 'fixtures/dist'], {
      env: { GITEA_PYPI_PUBLISHER_USER: 'old', GITEA_PYPI_PUBLISHER_TOKEN: 'old-secret-value' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MOLECULE_PYPI_GITEA_PUBLISHER_USER and MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN');
    expect(r.stderr).toContain('Gitea reserves the GITEA_ prefix');
    expect(r.stderr).not.toContain('old-secret-value');
  });
});

describe('--rehearse', () => {
  it('publishes to local sandboxes and reads every file back, with no credentials', async () => {
    const dir = await tempDir();
    for (const f of ['molecule_demo_hatch-2.0.0rc1-py3-none-any.whl', 'molecule_demo_hatch-2.0.0rc1.tar.gz']) await copyFile(join(FIXTURES, f), join(dir, f));
    const r = await runMain(['--rehearse', dir], { env: { MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: 'real-token-never-used' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('#### Rehearsal');
    expect(r.stdout).toContain('pip not found: wheels were not installed'); // the mock above is in force
    expect(r.stdout).toMatch(/\| molecule_demo_hatch-2\.0\.0rc1\.tar\.gz \| yes \| matches \|/);
    expect(r.stdout).toMatch(/\| molecule_demo_hatch-2\.0\.0rc1-py3-none-any\.whl \| yes \| matches \| (yes|—) \|/);
    expect(r.stdout + r.stderr).not.toContain('real-token-never-used');
    expect(r.stderr).toMatch(/Gitea \(required\) http:\/\/127\.0\.0\.1:\d+\/api\/packages\/rehearsal\/pypi: success/);
    // A rehearsal never reads like a release: its heading and headline say so.
    expect(r.stdout.split('\n').slice(0, 3)).toEqual([
      '### molecule-publish rehearsal (local sandbox registries; nothing was published)',
      '',
      expect.stringMatching(/^Rehearsal: Published 2 file\(s\) to Gitea/),
    ]);
    expect(r.stderr).toMatch(/^Rehearsal: Published 2 file\(s\) to Gitea/m);
  });
});

describe("twine's habits", () => {
  it('`upload` is an alias of publish (twine upload dist/*)', async () => {
    const r = await runMain(
      ['upload', '--dry-run', '--offline', '--no-pypi', '--gitea-url', 'https://git.example.com', '--gitea-owner', 'demo', 'fixtures/dist'],
      {
        env: giteaEnv(),
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('| Gitea | git.example.com (demo) | required | `dry_run` |');
  });
});
