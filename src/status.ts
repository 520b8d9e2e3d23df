/**
 * What each configured registry holds for a release, without the build's files: `status NAME[==VERSION]`.
 * The day after an outage the dist/ folder is gone with its runner; the registries' indexes are what is
 * left. Each target's project page is read (GET only, credentials only where the index is on the upload
 * host, as the dry run reads it), and per file of the version the report says which targets list it, with
 * which digest; which targets miss it; and which hold other bytes under the same name (the worst state a
 * dual push can end in). Values in (Settings, the projects asked for), a StatusReport out: nothing is
 * printed here.
 *
 * The StatusReport (`--json` prints it as it is, plus `reportFormat` and `tool`):
 *
 *   {
 *     exitCode: 0 | 1,            // 0: every target lists every file of each version, with the same bytes
 *     complete: boolean,          // exitCode === 0
 *     targets: [{ id, label, policy: 'required' | 'best-effort', indexUrl, credentials: 'sent' | 'none' }],
 *     projects: [{
 *       name, requested?: '1.2.0',        // requested: the version asked for (absent: the newest listed)
 *       version?: '1.2.0',                // the version looked at (absent: none found)
 *       pages: { [targetId]: { state: 'found' | 'absent' | 'unreadable', detail?, listed? } },
 *       files: [{ filename, at: { [targetId]: { sha256?, md5? } | null } }],   // null: not listed there
 *       problems: [{ kind, message, filename?, targets? }],
 *     }],
 *     notes: string[],                    // said, not failing (e.g. credentials not sent over http://)
 *   }
 *
 * Problem kinds, each of which makes exitCode 1 except `uncompared`:
 *   missing     a target does not list a file another target lists (at a best-effort target too: the
 *               operator wants to know, and without the file its rules cannot be asked whether it would take it)
 *   different   two targets list the file with different digests (sha256, else md5 where both have only that)
 *   unreadable  a target's index could not be read (the file column shows `?`)
 *   not_found   no target lists that version (or, without a version, any version)
 *   uncompared  listed at two targets with no digest in common (md5 here, sha256 there): said, not failing
 */
import { parseDistFilename } from './artifacts/filename.js';
import { normalizeVersion, parseVersion, versionKey, type Pep440Version } from './artifacts/pep440.js';
import { insecureTargets } from './config/resolve.js';
import type { Settings } from './config/settings.js';
import { UsageError } from './errors.js';
import { ConnectionPool } from './http/client.js';
import type { IndexedFile, IndexLookup, IndexWant } from './http/index-reader.js';
import { readTargetPage } from './upload/index-view.js';
import type { Policy, Target } from './targets/target.js';
import { sameOrigin, sanitizeUrl } from './util/url.js';

/** One project asked for: `NAME` (its newest version any target lists) or `NAME==VERSION`. */
export interface StatusSpec {
  name: string;
  version?: string;
}

export interface StatusOptions {
  signal?: AbortSignal;
  /** Send credentials over plain http:// to a host other than loopback (as publish's --allow-http). */
  allowHttp?: boolean;
  /** Called once per index read, as it ends (a log line per read). */
  onRead?: (target: string, project: string, outcome: string) => void;
}

export interface StatusTarget {
  id: string;
  label: string;
  policy: Policy;
  indexUrl: string;
  /** Whether the read carried the target's credentials (only where the index is on the upload host). */
  credentials: 'sent' | 'none';
}

export interface FileCopy {
  sha256?: string;
  md5?: string;
}

export interface StatusFile {
  filename: string;
  /** Per target id: what its index lists under this name, or null when it does not list it. */
  at: Record<string, FileCopy | null>;
}

export type StatusProblemKind = 'missing' | 'different' | 'unreadable' | 'not_found' | 'uncompared';

export interface StatusProblem {
  kind: StatusProblemKind;
  message: string;
  filename?: string;
  /** Target ids concerned. */
  targets?: string[];
}

export interface PageState {
  state: 'found' | 'absent' | 'unreadable';
  detail?: string;
  /** Files the page lists, all versions. */
  listed?: number;
}

export interface ProjectStatus {
  name: string;
  requested?: string;
  version?: string;
  pages: Record<string, PageState>;
  files: StatusFile[];
  problems: StatusProblem[];
}

export interface StatusReport {
  exitCode: 0 | 1;
  complete: boolean;
  targets: StatusTarget[];
  projects: ProjectStatus[];
  notes: string[];
}

/** `NAME` or `NAME==VERSION` (spaces around `==` allowed); anything else is a usage error. */
export function parseStatusSpec(text: string): StatusSpec {
  const match = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:==\s*(\S+)\s*)?$/.exec(text);
  if (!match?.[1]) throw new UsageError(`'${text}': expected NAME or NAME==VERSION (e.g. molecule-demo==1.2.0)`);
  const version = match[2];
  if (version === undefined) return { name: match[1] };
  if (!parseVersion(version)) throw new UsageError(`'${text}': '${version}' is not a PEP 440 version`);
  return { name: match[1], version };
}

export async function status(settings: Settings, specs: readonly StatusSpec[], options: StatusOptions = {}): Promise<StatusReport> {
  const notes: string[] = [...settings.notes];
  const unconfigured = settings.targets.filter((t) => t.indexUrl === '');
  if (unconfigured.length > 0) {
    const why = settings.blockers.filter((b) => !/credentials missing/.test(b));
    throw new UsageError(why.length > 0 ? why.join('\n') : `${unconfigured.map(labelOf).join(', ')}: no index URL configured`, { code: 'config' });
  }
  if (settings.targets.length === 0) throw new UsageError('no target is configured', { code: 'config' });
  // A status run sends no upload, but a read of an index on the upload host carries the credentials:
  // over plain http:// to another host than loopback they are left out unless --allow-http.
  const clear = new Set(insecureTargets(settings.targets).map((t) => t.id));
  const targets = settings.targets.map((t): Target => {
    if (!clear.has(t.id) || options.allowHttp) return t;
    notes.push(`${labelOf(t)}: credentials not sent over plain http:// to ${sanitizeUrl(t.indexUrl)} (--allow-http sends them)`);
    return { ...t, credentials: undefined };
  });

  const e = settings.engine;
  const pool = new ConnectionPool({ timeoutMs: e.timeout * 1000, connections: e.concurrency, tls: settings.tls, proxyEnv: settings.env });
  try {
    const projects: ProjectStatus[] = [];
    for (const spec of specs) projects.push(await projectStatus(spec, targets, pool, e.indexTimeout * 1000, options));
    const failing = projects.some((p) => p.problems.some((problem) => problem.kind !== 'uncompared'));
    return {
      exitCode: failing ? 1 : 0,
      complete: !failing,
      targets: targets.map((t) => ({
        id: t.id,
        label: labelOf(t),
        policy: t.policy,
        indexUrl: sanitizeUrl(t.indexUrl),
        credentials: t.credentials && sameOrigin(t.indexUrl, t.uploadUrl) ? 'sent' : 'none',
      })),
      projects,
      notes,
    };
  } finally {
    pool.close();
  }
}

function labelOf(t: Target): string {
  return t.label ?? t.kind.label;
}

/**
 * What a read keeps: the index reader keeps the files IndexWant.files names, and status does not know
 * the names in advance. This set answers by the name's version instead: every distribution file of the
 * version asked for (of every version, for NAME alone). It is never iterated: the reader only asks `has`.
 */
class FilesOfVersion extends Set<string> {
  constructor(private readonly key: string | undefined) {
    super();
  }

  override has(filename: string): boolean {
    const parsed = parseDistFilename(filename);
    if (!parsed.ok) return false;
    return this.key === undefined || versionKey(parsed.value.version) === this.key;
  }
}

async function readPage(
  target: Target,
  project: string,
  want: IndexWant,
  pool: ConnectionPool,
  indexTimeoutMs: number,
  options: StatusOptions,
): Promise<IndexLookup> {
  // As the dry run reads it (upload/index-view.ts readTargetPage).
  return readTargetPage(target, project, want, pool, { timeoutMs: indexTimeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
}

async function projectStatus(
  spec: StatusSpec,
  targets: readonly Target[],
  pool: ConnectionPool,
  indexTimeoutMs: number,
  options: StatusOptions,
): Promise<ProjectStatus> {
  const requestedKey = spec.version === undefined ? undefined : versionKey(spec.version);
  const want: IndexWant = { files: new FilesOfVersion(requestedKey) };
  const lookups = await Promise.all(
    targets.map(async (t) => {
      const project = t.kind.indexProjectName(spec.name);
      const page = await readPage(t, project, want, pool, indexTimeoutMs, options);
      options.onRead?.(t.id, project, page.kind === 'found' ? `${page.listed} file(s) listed` : page.kind === 'absent' ? 'not there' : page.message);
      return page;
    }),
  );

  const pages: Record<string, PageState> = {};
  const problems: StatusProblem[] = [];
  targets.forEach((t, i) => {
    const page = lookups[i] as IndexLookup;
    if (page.kind === 'found') pages[t.id] = { state: 'found', listed: page.listed };
    else if (page.kind === 'absent') pages[t.id] = { state: 'absent', detail: 'the project is not there (404)' };
    else {
      const hint =
        page.status === 401 || page.status === 403 ? (t.credentials ? ' (the credentials were refused)' : ` (a private index: set ${t.credentialNames})`) : '';
      pages[t.id] = { state: 'unreadable', detail: `${page.message}${hint}` };
      problems.push({ kind: 'unreadable', message: `${labelOf(t)}: could not read its index: ${page.message}${hint}`, targets: [t.id] });
    }
  });

  // The version: the one asked for, else the newest (PEP 440 order) any target lists.
  const files = (page: IndexLookup | undefined): IndexedFile[] => (page?.kind === 'found' ? [...page.files.values()] : []);
  let key = requestedKey;
  let version = spec.version === undefined ? undefined : (normalizeVersion(spec.version) ?? spec.version);
  if (key === undefined) {
    let newest: { parsed: Pep440Version; text: string } | undefined;
    for (const page of lookups) {
      for (const f of files(page)) {
        const parsed = parseDistFilename(f.filename);
        const v = parsed.ok ? parseVersion(parsed.value.version) : undefined;
        if (parsed.ok && v && (!newest || compareVersions(v, newest.parsed) > 0)) newest = { parsed: v, text: parsed.value.version };
      }
    }
    if (newest) {
      key = versionKey(newest.text);
      version = normalizeVersion(newest.text) ?? newest.text;
    }
  }
  const base: ProjectStatus = { name: spec.name, ...(spec.version !== undefined ? { requested: spec.version } : {}), pages, files: [], problems };
  if (key === undefined || version === undefined) {
    const read = targets.filter((t) => pages[t.id]?.state !== 'unreadable');
    problems.push({
      kind: 'not_found',
      message: `${spec.name}: no version listed${read.length > 0 ? ` by ${read.map(labelOf).join(' or ')}` : ''}`,
    });
    return base;
  }

  // Every file of that version any target lists, in name order.
  const byName = new Map<string, StatusFile>();
  targets.forEach((t, i) => {
    for (const f of files(lookups[i])) {
      const parsed = parseDistFilename(f.filename);
      if (!parsed.ok || versionKey(parsed.value.version) !== key) continue;
      const entry = byName.get(f.filename) ?? { filename: f.filename, at: {} };
      entry.at[t.id] = { ...(f.sha256 ? { sha256: f.sha256 } : {}), ...(f.md5 ? { md5: f.md5 } : {}) };
      byName.set(f.filename, entry);
    }
  });
  const statusFiles = [...byName.values()].sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  const readable = targets.filter((t) => pages[t.id]?.state !== 'unreadable');
  for (const file of statusFiles) {
    for (const t of readable) if (!(t.id in file.at)) file.at[t.id] = null;
    const missing = readable.filter((t) => file.at[t.id] === null);
    if (missing.length > 0) {
      problems.push({
        kind: 'missing',
        filename: file.filename,
        targets: missing.map((t) => t.id),
        message: `${file.filename}: missing at ${missing.map((t) => `${labelOf(t)} (${t.policy})`).join(', ')}`,
      });
    }
    problems.push(...compareCopies(file, readable));
  }
  if (statusFiles.length === 0) {
    problems.push({
      kind: 'not_found',
      message: `${spec.name} ${version}: no file of this version listed${readable.length > 0 ? ` by ${readable.map(labelOf).join(' or ')}` : ''}`,
    });
  }
  return { ...base, version, files: statusFiles };
}

/** Other bytes under one name: every pair of copies compared by sha256, else md5 where both have only that. */
function compareCopies(file: StatusFile, targets: readonly Target[]): StatusProblem[] {
  const present = targets.flatMap((t) => {
    const copy = file.at[t.id];
    return copy ? [{ target: t, copy }] : [];
  });
  let differ = false;
  const uncompared: string[] = [];
  for (let i = 0; i < present.length; i++) {
    for (let j = i + 1; j < present.length; j++) {
      const a = present[i]?.copy as FileCopy;
      const b = present[j]?.copy as FileCopy;
      if (a.sha256 && b.sha256) differ ||= a.sha256 !== b.sha256;
      else if (a.md5 && b.md5) differ ||= a.md5 !== b.md5;
      else uncompared.push(`${labelOf(present[i]?.target as Target)} and ${labelOf(present[j]?.target as Target)}`);
    }
  }
  if (differ) {
    const digests = present.map(({ target, copy }) => `${labelOf(target)} ${digestText(copy)}`).join(', ');
    return [
      {
        kind: 'different',
        filename: file.filename,
        targets: present.map((p) => p.target.id),
        message: `${file.filename}: different bytes under the same name: ${digests}`,
      },
    ];
  }
  if (uncompared.length > 0) {
    return [
      {
        kind: 'uncompared',
        filename: file.filename,
        targets: present.map((p) => p.target.id),
        message: `${file.filename}: no digest in common to compare (${uncompared.join('; ')})`,
      },
    ];
  }
  return [];
}

/** `sha256 0123456789ab` (or `md5 …`, or `no digest`): the prefix shown in tables and messages. */
export function digestText(copy: FileCopy): string {
  return copy.sha256 ? `sha256 ${copy.sha256.slice(0, 12)}` : copy.md5 ? `md5 ${copy.md5.slice(0, 12)}` : 'no digest';
}

/**
 * PEP 440 order, as packaging's Version compares (its _cmpkey): epoch, release (trailing zeros do not
 * count), then a dev-only release before its pre-releases, pre-releases before the final release, post
 * releases after it, dev releases of each before it, and a local version after the same public one.
 */
export function compareVersions(a: Pep440Version, b: Pep440Version): number {
  const keyA = sortKey(a);
  const keyB = sortKey(b);
  for (let i = 0; i < keyA.length; i++) {
    const c = compareParts(keyA[i] as Part, keyB[i] as Part);
    if (c !== 0) return c;
  }
  return 0;
}

type Part = bigint | number | string | Part[];

const PRE_ORDER = { a: 0, b: 1, rc: 2 } as const;

function sortKey(v: Pep440Version): Part[] {
  const release = [...v.release];
  while (release.length > 1 && release[release.length - 1] === 0n) release.pop();
  const pre: Part = v.pre ? [PRE_ORDER[v.pre.label], v.pre.number] : v.post === undefined && v.dev !== undefined ? -Infinity : Infinity;
  const post: Part = v.post !== undefined ? v.post : -Infinity;
  const dev: Part = v.dev !== undefined ? v.dev : Infinity;
  // Local segments: numbers after strings, numbers by value, strings by text; none sorts first.
  const local: Part = v.local === undefined ? -Infinity : v.local.split('.').map((s): Part => (/^[0-9]+$/.test(s) ? [1, BigInt(s)] : [0, s]));
  return [v.epoch, release, pre, post, dev, local];
}

function compareParts(a: Part, b: Part): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = compareParts(a[i] as Part, b[i] as Part);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  // ±Infinity stands for packaging's Infinity/NegativeInfinity: beyond any other value of its place.
  if (a === Infinity || b === -Infinity) return a === b ? 0 : 1;
  if (a === -Infinity || b === Infinity) return -1;
  if (Array.isArray(a) || Array.isArray(b)) return 0; // not reached: each place holds one shape or ±Infinity
  return a < b ? -1 : a > b ? 1 : 0;
}
