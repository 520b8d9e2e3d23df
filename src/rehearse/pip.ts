/**
 * pip for the rehearsal: find one (with its version), run it bounded in time with an environment of
 * its own, download the wheels back from the sandbox index, and install them offline into a
 * temporary virtual environment (or with --target where venv is missing).
 */
import { execFile, type ExecFileOptions } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Artifact } from '../artifacts/artifact.js';

export const DEFAULT_PROCESS_TIMEOUT_MS = 120_000;
const PIP_QUIET = ['--isolated', '--no-cache-dir', '--disable-pip-version-check', '--no-input'];

export interface Python {
  command: string;
  version: string;
}

export type Runner = (file: string, args: string[], extra?: ExecFileOptions) => Promise<ProcessResult>;

export type ProcessResult = { ok: true; stdout: string; stderr: string } | { ok: false; stdout: string; stderr: string; message: string };

const execFileAsync = promisify(execFile);

/** Asynchronous on purpose: the sandboxes answer pip from this very process. */
export async function runProcess(file: string, args: string[], options: ExecFileOptions): Promise<ProcessResult> {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, {
      ...options,
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
      killSignal: 'SIGKILL',
      windowsHide: true,
    });
    return { ok: true, stdout, stderr };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string; killed?: boolean; signal?: string | null };
    const stdout = e.stdout ?? '';
    const stderr = e.stderr ?? '';
    let message: string;
    if (e.name === 'AbortError') message = 'interrupted';
    else if (e.killed || e.signal === 'SIGKILL') message = `${file} timed out after ${Math.round(Number(options.timeout ?? 0) / 1000)} s`;
    else if (e.code === 'ENOENT') message = `${file}: not found`;
    else message = lastErrorLine(stderr) ?? lastErrorLine(stdout) ?? e.message.split('\n')[0] ?? 'failed';
    return { ok: false, stdout, stderr, message };
  }
}

export function lastErrorLine(text: string): string | undefined {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('WARNING:') && !l.startsWith('[notice]'));
  const error = lines.filter((l) => l.startsWith('ERROR:')).pop();
  return (error ?? lines.pop())?.slice(0, 300);
}

/**
 * A child environment of our own: no proxy (the sandboxes are on loopback), no pip configuration, no
 * credentials, a throwaway HOME. PATH (and pyenv's selection) so that `python3` is the user's.
 */
export function childEnv(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    PIP_CONFIG_FILE: '/dev/null',
    PIP_NO_INPUT: '1',
    PIP_ROOT_USER_ACTION: 'ignore',
    PYTHONNOUSERSITE: '1',
    NO_PROXY: '*',
    no_proxy: '*',
  };
  for (const name of ['PYENV_ROOT', 'PYENV_VERSION', 'SYSTEMROOT', 'TMPDIR', 'TEMP', 'TMP']) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}

/** `python -m pip --version` with `python3`, then `/usr/bin/python3` (or the one interpreter asked for). */
export async function findPip(asked: string | undefined, run: Runner): Promise<Python | undefined> {
  for (const candidate of asked !== undefined ? [asked] : ['python3', '/usr/bin/python3']) {
    const pip = await run(candidate, ['-m', 'pip', '--version'], { timeout: 30_000 });
    if (!pip.ok) continue;
    // The interpreter itself, not a shim: later steps run with another HOME and cwd.
    const exe = await run(candidate, ['-c', 'import sys; print(sys.executable)'], { timeout: 30_000 });
    const command = exe.ok && exe.stdout.trim() !== '' ? exe.stdout.trim() : candidate;
    return { command, version: /^pip \S+/.exec(pip.stdout.trim())?.[0] ?? 'pip' };
  }
  return undefined;
}

/**
 * pip's target options for exactly this wheel's tags, so pip picks this file whatever the local
 * interpreter (a cp312 manylinux wheel is downloaded on a 3.11 laptop too). Undefined when the python tag
 * is not `<impl><version>`: then pip uses the local interpreter's tags.
 */
export function targetTags(artifact: Artifact): string[] | undefined {
  if (artifact.dist.kind !== 'wheel') return undefined;
  // `py2.py3` -> py 3; `cp310` -> cp 310 (pip reads it as 3.10).
  const pythons = artifact.dist.pythonTags
    .map((t) => /^([a-z]+?)(\d)(\d*)$/.exec(t))
    .flatMap((m) =>
      m?.[1] && m[2] !== undefined ? [{ impl: m[1], major: Number(m[2]), minor: m[3] ? Number(m[3]) : -1, version: `${m[2]}${m[3] ?? ''}` }] : [],
    )
    .sort((a, b) => b.major - a.major || b.minor - a.minor);
  const best = pythons[0];
  if (!best) return undefined;
  return [
    '--implementation',
    best.impl,
    '--python-version',
    best.version,
    ...artifact.dist.abiTags.flatMap((abi) => ['--abi', abi]),
    ...artifact.dist.platformTags.flatMap((platform) => ['--platform', platform]),
  ];
}

export async function pipDownload(python: Python, wheels: Artifact[], indexUrl: string, dir: string, run: Runner): Promise<ProcessResult> {
  const first = wheels[0];
  const tags = first ? (targetTags(first) ?? []) : [];
  return run(python.command, [
    '-m',
    'pip',
    'download',
    ...PIP_QUIET,
    '--no-deps',
    '--only-binary',
    ':all:',
    '--ignore-requires-python',
    '--index-url',
    indexUrl,
    '-d',
    dir,
    ...tags,
    ...wheels.map((a) => `${a.name}==${a.version}`),
  ]);
}

export interface Installer {
  into: 'venv' | 'target';
  /** true, or why not. `slot` names a fresh --target folder when installing without a venv. */
  install(wheels: Array<[Artifact, string]>, slot: string): Promise<true | string>;
}

/** A temporary venv (with pip); without one (Debian without python3-venv), `pip install --target`. */
export async function makeInstaller(python: Python, work: string, run: Runner, note: (message: string) => void): Promise<Installer> {
  const venv = join(work, 'venv');
  note('creating a temporary virtual environment');
  const made = await run(python.command, ['-m', 'venv', venv]);
  const venvPython = process.platform === 'win32' ? join(venv, 'Scripts', 'python.exe') : join(venv, 'bin', 'python');
  const usable = made.ok && (await run(venvPython, ['-m', 'pip', '--version'], { timeout: 30_000 })).ok;
  const install = async (command: string, extra: string[], wheels: Array<[Artifact, string]>): Promise<true | string> => {
    const links = [...new Set(wheels.map(([, dir]) => dir))].flatMap((dir) => ['--find-links', dir]);
    const args = ['-m', 'pip', 'install', ...PIP_QUIET, '--no-deps', '--no-index', ...links, ...extra, ...wheels.map(([a, dir]) => join(dir, a.filename))];
    const result = await run(command, args);
    return result.ok ? true : `pip install: ${result.message}`;
  };
  if (usable) return { into: 'venv', install: (wheels) => install(venvPython, [], wheels) };
  note(`no virtual environment (${made.ok ? 'it has no pip' : made.message}): installing with pip install --target`);
  // A folder per attempt: `--target` replaces what an earlier install put there.
  return { into: 'target', install: (wheels, slot) => install(python.command, ['--target', join(work, 'site', slot)], wheels) };
}

// --- index links (sdists, and wheels without pip) -----------------------------------------------------------
