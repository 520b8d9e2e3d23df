/**
 * What a target's index says of a file: there with our bytes, there with other bytes, or not there.
 * One page read per project is shared by the uploads in flight; after the server accepted a file, a
 * page that cannot confirm it is backed by the server's own file list (Gitea's management API).
 */
import type { Artifact } from '../artifacts/artifact.js';
import { hashFile, sha256File } from '../artifacts/digests.js';
import { readFileList, readIndex, type IndexLookup, type IndexWant } from '../http/index-reader.js';
import type { FileResult } from '../outcome/model.js';
import type { Refusal, Target } from '../targets/target.js';
import type { ConnectionPool } from '../http/client.js';
import { versionKey } from '../artifacts/pep440.js';
import { fileResult, type Context } from './context.js';

export type IndexState = 'same' | 'different' | 'no-hash' | 'absent' | 'unknown';

/** The project's page: the one already read (or being read), unless `fresh`. */
export async function lookup(ctx: Context, artifact: Artifact, fresh: boolean): Promise<IndexLookup> {
  const project = ctx.target.kind.indexProjectName(artifact.name);
  const cached = ctx.index.get(project);
  if (cached && !fresh) return cached;
  const read = readTargetPage(ctx.target, project, wanted(ctx, ctx.target.kind.indexProjectName, project, artifact), ctx.pool, {
    ...(ctx.options.indexTimeoutMs !== undefined ? { timeoutMs: ctx.options.indexTimeoutMs } : {}),
    ...(ctx.options.signal ? { signal: ctx.options.signal } : {}),
  });
  ctx.index.set(project, read);
  const outcome = await read;
  ctx.deps.emit({ type: 'index', target: ctx.target.id, project, outcome: describe(outcome) });
  return outcome;
}

/**
 * A target's page of one project, read as its kind needs (publish, the dry run, `status` and the
 * reference check alike): PEP 691 JSON where the kind has a release-age rule (upload times), and a
 * redirect as "not here" where its index sends a project it has not got to pypi.org (pypiserver's
 * fallback, GitLab's forwarding), never followed (pypi.org may hold other bytes).
 */
export async function readTargetPage(
  target: Target,
  project: string,
  want: IndexWant,
  pool: ConnectionPool,
  options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<IndexLookup> {
  const page = await readIndex({
    indexUrl: target.indexUrl,
    project,
    uploadUrl: target.uploadUrl,
    credentials: target.credentials,
    pool,
    want,
    ...(target.kind.newFilesWithinDays !== undefined ? { json: true } : {}),
    ...options,
  });
  const redirected = page.kind === 'error' && page.status !== undefined && page.status >= 300 && page.status < 400;
  return redirected && target.kind.redirectMeansAbsent ? { kind: 'absent' } : page;
}

/**
 * What a read of a project's page keeps (a page may list millions of files): this run's files of that
 * project, and their versions' first upload times.
 */
function wanted(ctx: Context, projectOf: (name: string) => string, project: string, artifact: Artifact): IndexWant {
  const files = new Set<string>();
  const versions = new Set<string>();
  for (const a of [artifact, ...ctx.artifacts]) {
    if (a !== artifact && projectOf(a.name) !== project) continue;
    files.add(a.filename);
    const key = versionKey(a.version);
    if (key !== undefined) versions.add(key);
  }
  return { files, versions };
}

function describe(outcome: IndexLookup): string {
  return outcome.kind === 'found' ? `${outcome.listed} file(s) listed` : outcome.kind === 'absent' ? 'not there yet' : outcome.message;
}

/**
 * Our sha256 is computed here only if the index lists the name (a re-run): otherwise the upload
 * computes it while sending.
 */
export async function compare(ctx: Context, outcome: IndexLookup, artifact: Artifact): Promise<IndexState> {
  if (outcome.kind === 'error') return 'unknown';
  if (outcome.kind === 'absent') return 'absent';
  const entry = outcome.files.get(artifact.filename);
  if (!entry) return 'absent';
  if (entry.sha256) return entry.sha256 === (await digestOf(ctx, artifact)) ? 'same' : 'different';
  // An index that lists only md5 (Nexus 3.30): weaker, but other bytes still show as other bytes.
  if (entry.md5) return entry.md5 === (await md5Of(ctx, artifact)) ? 'same' : 'different';
  return 'no-hash';
}

/** The file's md5, hashed once per run (kept beside the sha256s under a key no file name has). */
async function md5Of(ctx: Context, artifact: Artifact): Promise<string> {
  const key = `md5:${artifact.filename}`;
  const known = ctx.digests.get(key);
  if (known !== undefined) return known;
  const computed = await hashFile(artifact.path, 'md5');
  ctx.digests.set(key, computed);
  return computed;
}

/** The file's sha256: known from inspection (a dry run) or this run, else hashed now, once. */
export async function digestOf(ctx: Context, artifact: Artifact): Promise<string> {
  const known = artifact.sha256 ?? ctx.digests.get(artifact.filename);
  if (known !== undefined) return known;
  const computed = await sha256File(artifact.path);
  ctx.digests.set(artifact.filename, computed);
  return computed;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Why the server will take no new file for this file's release: the release is older than the
 * kind's limit (PyPI: 14 days), by the earliest upload time its page lists for that version. Only a
 * file the page does not list is new; a page without upload times (HTML) predicts nothing.
 */
export function releaseTooOld(ctx: Context, page: IndexLookup, artifact: Artifact): Refusal | undefined {
  const days = ctx.target.kind.newFilesWithinDays;
  if (days === undefined || page.kind !== 'found' || page.files.has(artifact.filename)) return undefined;
  // The page's reader kept, for each version this run publishes, its files' earliest upload time.
  const version = versionKey(artifact.version);
  const first = version === undefined ? undefined : page.firstUploads.get(version);
  if (first === undefined) return undefined;
  const age = ctx.deps.now() - first;
  if (age <= days * DAY_MS) return undefined;
  const label = ctx.target.label ?? ctx.target.kind.label;
  return {
    reason: `${label} takes no new files for a release older than ${days} days: ${artifact.version} was first uploaded on ${new Date(first).toISOString().slice(0, 10)}, ${Math.floor(age / DAY_MS)} days ago (Uploading new files to releases older than ${days} days is not allowed.)`,
    fix: `publish the missing files as a new release (a post-release such as ${postRelease(artifact.version)}), or leave this release as it is on ${label}`,
  };
}

function postRelease(version: string): string {
  const post = /^(.*?)\.post(\d+)$/.exec(version);
  return post ? `${post[1]}.post${Number(post[2]) + 1}` : `${version}.post1`;
}

/**
 * What the server holds under this file's name, once it has accepted (or says it has) the file: the
 * simple page first; when the page cannot confirm it (not listed, no hash, unreadable), the server's
 * own list of the version's files where it has one (Gitea's management API).
 */
export async function confirmAccepted(ctx: Context, artifact: Artifact, page: IndexLookup): Promise<{ outcome: IndexLookup; state: IndexState }> {
  const state = await compare(ctx, page, artifact);
  if (state === 'same' || state === 'different') return { outcome: page, state };
  const url = ctx.target.kind.fileListUrl?.(ctx.target.uploadUrl, artifact.name, artifact.version);
  if (!url) return { outcome: page, state };
  const list = await readFileList({
    url,
    uploadUrl: ctx.target.uploadUrl,
    credentials: ctx.target.credentials,
    pool: ctx.pool,
    ...(ctx.options.signal ? { signal: ctx.options.signal } : {}),
  });
  ctx.deps.emit({ type: 'index', target: ctx.target.id, project: `${artifact.name} ${artifact.version} (file list)`, outcome: describe(list) });
  const listed = await compare(ctx, list, artifact);
  // Only a definite answer replaces the page's: an unreadable list leaves the page's reason standing.
  return listed === 'same' || listed === 'different' ? { outcome: list, state: listed } : { outcome: page, state };
}

/**
 * One set of bytes per file name, across registries: another configured registry that already lists
 * this file name with other bytes (a rebuild after an outage) makes it a conflict here, before any
 * upload. An index that cannot be read is said once, and the upload goes on.
 */
export async function referenceConflict(ctx: Context, artifact: Artifact): Promise<FileResult | undefined> {
  for (const reference of ctx.references) {
    const project = reference.kind.indexProjectName(artifact.name);
    const key = `${reference.id} ${project}`;
    let pending = ctx.referencePages.get(key);
    if (!pending) {
      pending = readTargetPage(reference, project, wanted(ctx, reference.kind.indexProjectName, project, artifact), ctx.pool, {
        ...(ctx.options.indexTimeoutMs !== undefined ? { timeoutMs: ctx.options.indexTimeoutMs } : {}),
        ...(ctx.options.signal ? { signal: ctx.options.signal } : {}),
      });
      ctx.referencePages.set(key, pending);
      const page = await pending;
      if (page.kind === 'error') {
        ctx.deps.emit({
          type: 'warning',
          target: ctx.target.id,
          message: `could not read ${reference.label ?? reference.kind.label}'s index to compare (${page.message}); going on`,
        });
      }
    }
    const page = await pending;
    const entry = page.kind === 'found' ? page.files.get(artifact.filename) : undefined;
    if (!entry?.sha256) continue;
    const local = await digestOf(ctx, artifact);
    if (entry.sha256 === local) continue;
    const name = reference.label ?? reference.kind.label;
    return fileResult(artifact, 'conflict', {
      detail: `${name} already holds a different file under this name (local sha256 ${local.slice(0, 12)}…, ${name} ${entry.sha256.slice(0, 12)}…)`,
      hint: `a rebuild is not the release ${name} has: publish the very files it holds (download them from its index), or bump the version`,
    });
  }
  return undefined;
}

export function conflictResult(ctx: Context, artifact: Artifact, outcome: IndexLookup, attempts: number, durationMs: number): FileResult {
  const remote = outcome.kind === 'found' ? outcome.files.get(artifact.filename)?.sha256 : undefined;
  const local = artifact.sha256 ?? ctx.digests.get(artifact.filename);
  return fileResult(artifact, 'conflict', {
    detail: `a different file with this name is already published (local sha256 ${local?.slice(0, 12) ?? '?'}…, remote ${remote?.slice(0, 12) ?? '?'}…)`,
    hint: 'published files cannot be replaced: bump the version (or delete that version on the server) and rebuild',
    attempts,
    durationMs,
  });
}
