/**
 * Reading a rehearsed release back, as an installer would: every file Gitea took is fetched through
 * its simple index (wheels by `pip download`, sdists by following the link), its sha256 compared
 * with the local file's, and each wheel installed offline.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Artifact } from '../artifacts/artifact.js';
import { sha256File } from '../artifacts/digests.js';
import { normalizeName } from '../artifacts/filename.js';
import { ConnectionPool, httpRequest } from '../http/client.js';
import { readIndex } from '../http/index-reader.js';
import type { FileResult, PublishReport } from '../outcome/model.js';
import type { Plan } from '../prepare.js';
import type { GiteaRegistry } from '../sandbox/gitea.js';
import { mapLimited } from '../util/concurrency.js';
import { childEnv, DEFAULT_PROCESS_TIMEOUT_MS, findPip, makeInstaller, pipDownload, runProcess, targetTags, type Runner } from './pip.js';

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

/** What reading back needs to know of the rehearsal's options. */
export interface ReadBackOptions {
  concurrency?: number;
  python?: string;
  processTimeoutMs?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export async function readBack(
  set: Plan,
  report: PublishReport,
  gitea: GiteaRegistry,
  work: string,
  options: ReadBackOptions,
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

  const pool = new ConnectionPool({ timeoutMs: httpTimeout });
  try {
    const pages = new Map<string, Promise<Map<string, IndexLink> | string>>();
    const linksOf = (project: string) => {
      let page = pages.get(project);
      if (!page) {
        // Only the names of this release's files are kept of the page.
        const names = new Set(artifacts.filter((a) => normalizeName(a.name) === project).map((a) => a.filename));
        page = readLinks(gitea.indexUrl, project, names, pool);
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
      const fetched = await fetchSha256(link.url, pool, options.signal);
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
    pool.close();
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

interface IndexLink {
  url: string;
  sha256?: string;
}

/** The project's page of the sandbox's simple index: filename -> absolute link, for the files named (or why it could not be read). */
async function readLinks(indexUrl: string, project: string, filenames: ReadonlySet<string>, pool: ConnectionPool): Promise<Map<string, IndexLink> | string> {
  const page = await readIndex({ indexUrl, project, uploadUrl: indexUrl, credentials: undefined, pool, want: { files: filenames } });
  if (page.kind === 'absent') return `the Gitea sandbox index answered HTTP 404 for ${project}`;
  if (page.kind === 'error') return `cannot read the Gitea sandbox index for ${project}: ${page.message}`;
  const links = new Map<string, IndexLink>();
  const origin = new URL(indexUrl).origin;
  for (const [filename, entry] of page.files) {
    // Only links back into the sandbox are followed.
    if (entry.url && new URL(entry.url).origin === origin) links.set(filename, entry.sha256 ? { url: entry.url, sha256: entry.sha256 } : { url: entry.url });
  }
  return links;
}

async function fetchSha256(url: string, pool: ConnectionPool, signal: AbortSignal | undefined): Promise<string | { error: string }> {
  try {
    const response = await httpRequest(url, pool, { method: 'GET', headers: {}, ...(signal ? { signal } : {}) });
    if (response.statusCode !== 200) {
      response.body.resume();
      return { error: `download answered HTTP ${response.statusCode}` };
    }
    const hash = createHash('sha256');
    for await (const chunk of response.body) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } catch (err) {
    return { error: `download failed: ${(err as Error).message}` };
  }
}
