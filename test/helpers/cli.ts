/**
 * Runs the built CLI (bin/molecule-publish.js) as a user would: a child process with an explicit
 * environment (nothing inherited but PATH and HOME), capturing stdout, stderr and the exit code.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'molecule-publish.js');
export const FIXTURES = join(ROOT, 'fixtures', 'dist');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** What the run appended to $GITHUB_STEP_SUMMARY ('' if nothing). */
  summary: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
}

export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return (await startCli(args, options)).done;
}

export interface RunningCli {
  child: ChildProcessByStdio<null, Readable, Readable>;
  /** stderr so far. */
  stderr(): string;
  done: Promise<CliResult>;
}

/** Starts the CLI and returns at once, for tests that act on it mid-run (signals). */
export async function startCli(args: string[], options: CliOptions = {}): Promise<RunningCli> {
  const dir = await mkdtemp(join(tmpdir(), 'molecule-cli-'));
  const summaryPath = join(dir, 'summary.md');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    NO_COLOR: '1',
    GITHUB_STEP_SUMMARY: summaryPath,
  };
  for (const [k, v] of Object.entries(options.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const done = new Promise<CliResult>((resolvePromise, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', async (code) => {
      clearTimeout(timer);
      const summary = await readFile(summaryPath, 'utf8').catch(() => '');
      resolvePromise({ code, stdout, stderr, summary });
    });
  });
  return { child, stderr: () => stderr, done };
}

/** Credentials for the test registries' default users. */
export function giteaEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    MOLECULE_PYPI_GITEA_PUBLISHER_USER: 'publisher',
    MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: 'gitea-test-token',
    ...extra,
  };
}
