/**
 * A local rehearsal of a release (`--rehearse`): the set is published by the real engine to two sandbox
 * registries on 127.0.0.1 (a Gitea-like one, required, and a PyPI-like one, best-effort) with throwaway
 * credentials, then every file Gitea took is read back through its simple index, as an installer would:
 * wheels with `pip download` (and installed offline into a temporary virtual environment), sdists by
 * following the index link (building them would need the network). Nothing leaves the machine and no
 * real credential is read. Like `publish`, it prints nothing and returns values.
 */
import { execFile, type ExecFileOptions } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent, request, type Dispatcher } from 'undici';
import type { Artifact } from '../artifacts/artifact.js';
import { sha256File } from '../artifacts/digests.js';
import { normalizeName } from '../artifacts/filename.js';
import { ENV } from '../config/resolve.js';
import { resolveSettings } from '../config/settings.js';
import { prepare, type Plan } from '../prepare.js';
import { publish } from '../publish.js';
import { parseSimpleIndex } from '../http/index-reader.js';
import { mapLimited } from '../util/concurrency.js';
import type { EngineDeps } from '../upload/engine.js';
import type { FileResult, PublishReport } from '../outcome/model.js';
import { giteaProfileLabel, startGiteaRegistry, type GiteaProfile, type GiteaRegistry } from '../sandbox/gitea.js';
import { startPypiRegistry } from '../sandbox/pypi.js';

/** What to rehearse: the files, as a publish would take them. */
export interface RehearsalRequest {
  paths: readonly string[];
  cwd?: string;
  /** Attach the attestations beside each file, and require one per file (as --attestations). */
  attestations?: boolean;
}

export interface RehearseOptions {
  /** Uploads in flight per target (the engine's concurrency). Default 4. */
  concurrency?: number;
  /** The interpreter whose pip reads the files back. Default: `python3`, then `/usr/bin/python3`. */
  python?: string;
  /** Bound on each child process (pip, venv). Default 120 s. */
  processTimeoutMs?: number;
  /** HTTP timeout for uploads and index reads. Default 30 s. */
  timeoutMs?: number;
  /** Parent folder of the temporary folder (default: the system's). */
  tmpDir?: string;
  /** Which Gitea the sandbox behaves as (default the current, ≥1.22): rehearse against the version you run. */
  giteaProfile?: GiteaProfile;
  signal?: AbortSignal;
}

export interface RehearseDeps extends Partial<EngineDeps> {
  /** One line per step of the read-back (for the log). */
  note?: (message: string) => void;
  /** The plan, once made (before any upload): what will be published. */
  onPlan?: (plan: Plan) => void;
}

export interface RehearsalFile {
  filename: string;
  /** Fetched back from the Gitea sandbox through its simple index (by pip for wheels when pip is there). */
  downloaded: boolean;
  /** The fetched bytes have the local file's sha256 (and so does the index link's #sha256=). */
  sha256Matches: boolean;
  /** Wheels only, when pip is there: installed offline (`--no-deps --no-index`) from the downloaded file. */
  installed?: boolean;
  detail?: string;
}

export interface Rehearsal {
  pip: 'found' | 'missing';
  /** The interpreter used, and `pip --version`'s first words, when pip was found. */
  python?: string;
  pipVersion?: string;
  /** Where wheels were installed: a temporary venv, or `pip install --target` when venv is unavailable. */
  installInto?: 'venv' | 'target';
  files: RehearsalFile[];
}

export interface RehearsalReport extends PublishReport {
  rehearsal: Rehearsal;
}

const SANDBOX_OWNER = 'rehearsal';
const DEFAULT_PROCESS_TIMEOUT_MS = 120_000;
const PIP_QUIET = ['--isolated', '--no-cache-dir', '--disable-pip-version-check', '--no-input'];

export async function rehearse(request: RehearsalRequest, options: RehearseOptions = {}, deps: RehearseDeps = {}): Promise<RehearsalReport> {
  const { note = () => undefined, onPlan = () => undefined, ...engineDeps } = deps;
  const timeoutMs = options.timeoutMs ?? 30_000;
  // Throwaway credentials: the sandboxes accept these and nothing else; the user's are never read.
  const giteaUser = `rehearsal-${randomBytes(4).toString('hex')}`;
  const giteaToken = randomBytes(20).toString('hex');
  const pypiToken = `pypi-${randomBytes(24).toString('base64url')}`;

  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const [gitea, pypi] = await Promise.all([
      startGiteaRegistry({
        owner: SANDBOX_OWNER,
        users: { [giteaUser]: { token: giteaToken, scopes: ['write:package'], ownsOwner: true } },
        ...(options.giteaProfile ? { profile: options.giteaProfile } : {}),
      }),
      startPypiRegistry({ tokens: { [pypiToken]: {} } }),
    ]);
    cleanup.push(
      () => gitea.close(),
      () => pypi.close(),
    );
    note(`the Gitea sandbox behaves as ${giteaProfileLabel(gitea.profile)}`);

    // The same pipeline as a publish (settings, plan, publish), with the sandboxes as its targets and
    // throwaway credentials in an environment of its own: the user's are never read.
    const env: NodeJS.ProcessEnv = { [ENV.giteaUser]: giteaUser, [ENV.giteaToken]: giteaToken, [ENV.pypiToken]: pypiToken };
    const settings = await resolveSettings({
      paths: request.paths,
      ...(request.cwd !== undefined ? { cwd: request.cwd } : {}),
      env,
      giteaUrl: gitea.url,
      giteaOwner: gitea.owner,
      pypiUrl: pypi.uploadUrl,
      pypiIndexUrl: pypi.indexUrl,
      // No pyproject.toml of the user's: its targets would point elsewhere.
      pyproject: false,
      attestations: request.attestations === true,
      engine: {
        concurrency: options.concurrency ?? 4,
        retries: 0,
        retryDelay: 0.1,
        timeout: timeoutMs / 1000,
        responseTimeout: timeoutMs / 1000,
        verify: true,
      },
    });
    // Belt and braces: a rehearsal sends to its sandboxes and nowhere else.
    for (const t of settings.targets) {
      if (![gitea.url, pypi.url].some((origin) => t.uploadUrl.startsWith(`${origin}/`) && t.indexUrl.startsWith(`${origin}/`))) {
        throw new Error(`rehearsal: target ${t.id} does not point at a sandbox registry`);
      }
    }
    const plan = await prepare(settings, options.signal ? { signal: options.signal } : {});
    onPlan(plan);
    const report = await publish({ ...plan, engine: { ...plan.engine, maxRetryDelayMs: 1_000, verifyAttempts: 1 } }, engineDeps);

    const work = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'molecule-rehearse-'));
    cleanup.push(() => rm(work, { recursive: true, force: true, maxRetries: 3 }));
    const rehearsal = await readBack(plan, report, gitea, work, options, note);
    return { ...report, rehearsal };
  } finally {
    // Always, and in reverse: temporary folders, then the registries.
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  }
}

// --- reading back --------------------------------------------------------------------------------------------

interface Python {
  command: string;
  version: string;
}

async function readBack(
  set: Plan,
  report: PublishReport,
  gitea: GiteaRegistry,
  work: string,
  options: RehearseOptions,
  note: (message: string) => void,
): Promise<Rehearsal> {
  const processTimeoutMs = options.processTimeoutMs ?? DEFAULT_PROCESS_TIMEOUT_MS;
  const run: Runner = (file, args, extra = {}) =>
    runProcess(file, args, { env: childEnv(work), cwd: work, timeout: processTimeoutMs, ...(options.signal ? { signal: options.signal } : {}), ...extra });
  const httpTimeout = options.timeoutMs ?? 30_000;

  const artifacts = set.inspections.flatMap((i) => (i.artifact ? [i.artifact] : []));
  const giteaReport = report.targets.find((t) => t.id === 'gitea');
  const python = await findPip(options.python, run);
  note(python ? `pip found: ${python.version} (${python.command})` : 'pip not found: files are fetched through the index link, wheels are not installed');
  const wantsInstall = python !== undefined && artifacts.some((a) => a.filetype === 'bdist_wheel');
  // The venv is made while the files come back (ensurepip takes seconds).
  const installer = wantsInstall && python ? makeInstaller(python, work, run, note) : undefined;

  const dispatcher = new Agent({ connect: { timeout: httpTimeout }, headersTimeout: httpTimeout, bodyTimeout: httpTimeout });
  try {
    const pages = new Map<string, Promise<Map<string, IndexLink> | string>>();
    const linksOf = (project: string) => {
      let page = pages.get(project);
      if (!page) {
        page = readLinks(gitea.indexUrl, project, dispatcher);
        pages.set(project, page);
      }
      return page;
    };

    // 1. Every file Gitea took must be listed by its index with our sha256; sdists (and wheels, without
    //    pip) are then fetched through that link.
    const locals = new Map<Artifact, string>();
    const viaPip: Artifact[] = [];
    const files = await mapLimited(artifacts, options.concurrency ?? 4, async (a): Promise<RehearsalFile> => {
      const result = giteaReport?.files.find((f) => f.filename === a.filename);
      const failed = (detail: string): RehearsalFile => ({ filename: a.filename, downloaded: false, sha256Matches: false, detail });
      if (!result || (result.status !== 'uploaded' && result.status !== 'already_present')) return failed(`not in the Gitea sandbox (${statusOf(result)})`);
      if (options.signal?.aborted) return failed('interrupted');
      const local = a.sha256 ?? (await sha256File(a.path));
      locals.set(a, local);
      const links = await linksOf(normalizeName(a.name));
      if (typeof links === 'string') return failed(links);
      const link = links.get(a.filename);
      if (!link) return failed('not listed by the Gitea sandbox index');
      if (link.sha256 !== undefined && link.sha256 !== local) {
        return failed(`the index link says sha256 ${link.sha256.slice(0, 12)}…, the local file is ${local.slice(0, 12)}…`);
      }
      if (a.filetype === 'bdist_wheel' && python) {
        viaPip.push(a);
        return { filename: a.filename, downloaded: false, sha256Matches: false };
      }
      note(`fetching ${a.filename} through the index link`);
      const fetched = await fetchSha256(link.url, dispatcher, options.signal);
      if (typeof fetched !== 'string') return failed(fetched.error);
      const out: RehearsalFile = { filename: a.filename, downloaded: true, sha256Matches: fetched === local };
      if (fetched !== local) out.detail = `downloaded sha256 ${fetched.slice(0, 12)}…, local ${local.slice(0, 12)}…`;
      else if (a.filetype === 'bdist_wheel') out.detail = 'fetched through the index link; not installed (pip not found)';
      return out;
    });
    const entry = (a: Artifact): RehearsalFile => files[artifacts.indexOf(a)] as RehearsalFile;

    // 2. Wheels through pip, as an installer gets them: one `pip download` per set of wheel tags.
    const downloaded = new Map<Artifact, string>(); // -> folder holding it
    if (python && viaPip.length > 0) {
      const groups = new Map<string, Artifact[]>();
      for (const a of viaPip) {
        const key = JSON.stringify(targetTags(a) ?? null);
        groups.set(key, [...(groups.get(key) ?? []), a]);
      }
      let n = 0;
      await mapLimited([...groups.values()], 2, async (group) => {
        const dir = join(work, 'download', String(n++));
        await mkdir(dir, { recursive: true });
        note(`pip download ${group.map((a) => a.filename).join(', ')}`);
        const batch = await pipDownload(python, group, gitea.indexUrl, dir, run);
        for (const a of group) {
          // A failed batch says little about which file: ask again for each one missing.
          let outcome = batch;
          let where = dir;
          if (!(await exists(join(dir, a.filename))) && group.length > 1 && !options.signal?.aborted) {
            where = join(work, 'download', String(n++));
            await mkdir(where, { recursive: true });
            outcome = await pipDownload(python, [a], gitea.indexUrl, where, run);
          }
          const f = entry(a);
          const got = await readdir(where).catch(() => [] as string[]);
          if (!got.includes(a.filename)) {
            f.detail = !outcome.ok
              ? `pip download: ${outcome.message}`
              : group.length === 1 && got.length > 0
                ? `pip chose ${got.join(', ')} instead`
                : 'pip download did not save it';
            continue;
          }
          const sha256 = await sha256File(join(where, a.filename));
          const local = locals.get(a) ?? '';
          f.downloaded = true;
          f.sha256Matches = sha256 === local;
          if (f.sha256Matches) downloaded.set(a, where);
          else f.detail = `downloaded sha256 ${sha256.slice(0, 12)}…, local ${local.slice(0, 12)}…`;
        }
      });
    }

    // 3. Install each wheel that came back intact, offline, into a throwaway environment.
    const rehearsal: Rehearsal = { pip: python ? 'found' : 'missing', files };
    if (python) {
      rehearsal.python = python.command;
      rehearsal.pipVersion = python.version;
    }
    if (installer) {
      const ready = await installer;
      const wheels = [...downloaded.entries()];
      if (wheels.length > 0) rehearsal.installInto = ready.into;
      if (wheels.length > 0 && !options.signal?.aborted) {
        note(`pip install ${wheels.length} wheel(s)`);
        const all = await ready.install(wheels, 'all');
        for (const [a, dir] of wheels) {
          const f = entry(a);
          // One at a time only when the batch failed, to learn which wheel (pip never runs twice at once here).
          const outcome = all === true || options.signal?.aborted ? all : await ready.install([[a, dir]], String(artifacts.indexOf(a)));
          f.installed = outcome === true;
          if (outcome !== true) f.detail = outcome;
        }
      }
    }
    return rehearsal;
  } finally {
    // Never leave a venv being made in a folder about to be removed.
    await installer?.catch(() => undefined);
    await dispatcher.close().catch(() => undefined);
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function statusOf(result: FileResult | undefined): string {
  return result ? `${result.status}${result.detail ? `: ${result.detail}` : ''}` : 'no Gitea result';
}

// --- pip -----------------------------------------------------------------------------------------------------

type Runner = (file: string, args: string[], extra?: ExecFileOptions) => Promise<ProcessResult>;

type ProcessResult = { ok: true; stdout: string; stderr: string } | { ok: false; stdout: string; stderr: string; message: string };

const execFileAsync = promisify(execFile);

/** Asynchronous on purpose: the sandboxes answer pip from this very process. */
async function runProcess(file: string, args: string[], options: ExecFileOptions): Promise<ProcessResult> {
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

function lastErrorLine(text: string): string | undefined {
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
function childEnv(home: string): NodeJS.ProcessEnv {
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
async function findPip(asked: string | undefined, run: Runner): Promise<Python | undefined> {
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
function targetTags(artifact: Artifact): string[] | undefined {
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

async function pipDownload(python: Python, wheels: Artifact[], indexUrl: string, dir: string, run: Runner): Promise<ProcessResult> {
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

interface Installer {
  into: 'venv' | 'target';
  /** true, or why not. `slot` names a fresh --target folder when installing without a venv. */
  install(wheels: Array<[Artifact, string]>, slot: string): Promise<true | string>;
}

/** A temporary venv (with pip); without one (Debian without python3-venv), `pip install --target`. */
async function makeInstaller(python: Python, work: string, run: Runner, note: (message: string) => void): Promise<Installer> {
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

interface IndexLink {
  url: string;
  sha256?: string;
}

/** The project's page of the sandbox's simple index: filename -> absolute link (or why it could not be read). */
async function readLinks(indexUrl: string, project: string, dispatcher: Dispatcher): Promise<Map<string, IndexLink> | string> {
  const pageUrl = `${indexUrl}${encodeURIComponent(project)}/`;
  try {
    const response = await request(pageUrl, { method: 'GET', headers: { accept: 'text/html' }, dispatcher });
    const html = await response.body.text();
    if (response.statusCode !== 200) return `the Gitea sandbox index answered HTTP ${response.statusCode} for ${project}`;
    const links = new Map<string, IndexLink>();
    const origin = new URL(pageUrl).origin;
    for (const [filename, entry] of parseSimpleIndex(html, pageUrl)) {
      // Only links back into the sandbox are followed.
      if (entry.url && new URL(entry.url).origin === origin) links.set(filename, entry.sha256 ? { url: entry.url, sha256: entry.sha256 } : { url: entry.url });
    }
    return links;
  } catch (err) {
    return `cannot read the Gitea sandbox index for ${project}: ${(err as Error).message}`;
  }
}

async function fetchSha256(url: string, dispatcher: Dispatcher, signal: AbortSignal | undefined): Promise<string | { error: string }> {
  try {
    const response = await request(url, { method: 'GET', dispatcher, ...(signal ? { signal } : {}) });
    if (response.statusCode !== 200) {
      await response.body.dump();
      return { error: `download answered HTTP ${response.statusCode}` };
    }
    const hash = createHash('sha256');
    for await (const chunk of response.body) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } catch (err) {
    return { error: `download failed: ${(err as Error).message}` };
  }
}
