/**
 * Helpers for the end-to-end bad-input corpus (test/e2e/bad-input-corpus.test.ts): a temp folder per
 * case holding one good fixture next to the bad file, the `error: ` lines of a run, and a variant of
 * runCli that runs the built CLI as another (unprivileged) user, for the unreadable-file case: the
 * tests run as root, and root reads a file of mode 000 anyway.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, FIXTURES, ROOT, type CliOptions, type CliResult } from './cli.js';

/** The good file every case is published together with. */
export const GOOD_WHEEL = 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl';

/** The environment of a publish run against the test registries' default users. */
export const PUBLISH_ENV: Record<string, string> = {
  MOLECULE_PYPI_GITEA_PUBLISHER_USER: 'publisher',
  MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: 'gitea-test-token',
  PYPI_TOKEN: 'pypi-test-token',
};

/** A stack-trace line (`    at fn (file:1:2)` or `    at file:1:2`). */
export const STACK_TRACE = /^\s+at /m;

/** `<parent>/<name>/` holding a copy of the good fixture (and world-readable, for runCliAs). */
export function caseFolder(parent: string, name: string, withGood = true): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  if (withGood) copyFileSync(join(FIXTURES, GOOD_WHEEL), join(dir, GOOD_WHEEL));
  return dir;
}

/** A fresh temp folder that other users can enter (mkdtemp makes it 0700). */
export function openTempDir(prefix = 'molecule-corpus-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

/** The lines of stderr that the logger printed at error level. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('error: '));
}

/** The line the CLI adds after the per-file errors of an invalid set. */
export const INVALID_SET_TRAILER = /^error: \d+ of \d+ file\(s\) invalid; nothing was uploaded$/;

export interface Account {
  name: string;
  uid: number;
  gid: number;
}

/** An unprivileged account from /etc/passwd (`nobody` first), or undefined. */
export function unprivilegedAccount(): Account | undefined {
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const accounts = passwd
    .split('\n')
    .map((line) => line.split(':'))
    .filter((f) => f.length >= 4)
    .map((f) => ({ name: f[0] ?? '', uid: Number(f[2]), gid: Number(f[3]) }))
    .filter((a) => Number.isInteger(a.uid) && a.uid > 0 && Number.isInteger(a.gid) && a.gid > 0);
  return accounts.find((a) => a.name === 'nobody') ?? accounts.find((a) => a.uid >= 1000);
}

/**
 * Why the built CLI cannot run as `account` (undefined when it can): not root (so we cannot switch
 * user), or the repository (bin/, build/, node_modules/) not readable by that user.
 */
export function cannotRunAs(account: Account | undefined): string | undefined {
  if (!account) return 'no unprivileged account in /etc/passwd';
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'the tests do not run as root: cannot switch to another uid';
  const probe = spawnSync(process.execPath, [BIN, '--version'], {
    cwd: '/',
    uid: account.uid,
    gid: account.gid,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/', NO_COLOR: '1' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (probe.error) return `cannot start node as ${account.name}: ${probe.error.message}`;
  if (probe.status !== 0) return `${ROOT} is not readable by ${account.name} (uid ${account.uid}): ${probe.stderr.trim().split('\n')[0] ?? ''}`;
  return undefined;
}

/** runCli, but the child runs as `account` (its HOME and summary file in a folder it owns). */
export async function runCliAs(account: Account, args: string[], options: CliOptions = {}): Promise<CliResult> {
  const home = mkdtempSync(join(tmpdir(), 'molecule-cli-as-'));
  chownSync(home, account.uid, account.gid);
  const summaryPath = join(home, 'summary.md');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    NO_COLOR: '1',
    GITHUB_STEP_SUMMARY: summaryPath,
  };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env,
    uid: account.uid,
    gid: account.gid,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise<CliResult>((resolvePromise, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      void readFile(summaryPath, 'utf8')
        .catch(() => '')
        .then((summary) => {
          rmSync(home, { recursive: true, force: true });
          resolvePromise({ code, stdout, stderr, summary });
        });
    });
  });
}
