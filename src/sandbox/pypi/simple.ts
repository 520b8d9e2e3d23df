/**
 * The read routes of the PyPI double: the simple index, /simple/ and /simple/<name>/ (PEP 503 HTML, PEP 691 JSON
 * when the Accept header asks for it; a non-normalised name redirects), and the file downloads under /packages/.
 * The JSON pages are Warehouse's (pypi/warehouse 6b62157, 2026-08-21): api/simple.py `simple_index` /
 * `simple_detail` with packaging/utils.py `_simple_index` / `_simple_detail`, rendered by the
 * "json-with-newline" renderer (config.py: `json.dumps(sort_keys=True, separators=(",", ":"),
 * ensure_ascii=False)` + "\n"). The HTML pages are the double's older rendering of Warehouse's templates.
 */
import type { Reply } from '../http/reply.js';
import type { RequestContext } from '../http/server.js';
import { acceptableOffers, pyHtmlEscape } from './pyramid.js';
import { pyIsoformatZ } from './python.js';
import { normalizePep503 } from './rules/names.js';
import { comparePep440 } from './rules/pep440.js';
import type { PypiSite } from './site.js';
import { fileUrl, type PFile, type PProject, type PRelease } from './store.js';

const NOT_FOUND: Reply = { status: 404, headers: { 'Content-Type': 'text/plain; charset=UTF-8' }, body: '404 Not Found' };

/** api/simple.py `_select_content_type`: these offers, in this order (no `latest` aliases). */
const SIMPLE_OFFERS = ['text/html', 'application/vnd.pypi.simple.v1+html', 'application/vnd.pypi.simple.v1+json'];

/** packaging/utils.py `API_VERSION` (PEP 691 1.0, PEP 700 1.1, PEP 714 1.2, PEP 740 1.3, PEP 792 1.4). */
export const SIMPLE_API_VERSION = '1.4';

/** config.py "json-with-newline": keys sorted at every level, compact, non-ASCII as is, then a newline. */
function jsonWithNewline(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .sort()
          .map((k) => [k, sorted(o[k])]),
      );
    }
    return v;
  };
  return `${JSON.stringify(sorted(value))}\n`;
}

type Page = { json: boolean; headers: Record<string, string> };

/** GET /simple[/…]: the path's name segments, or a redirect / 404 for paths the index has no page for. */
export function simpleRoute(site: PypiSite, ctx: RequestContext): Reply {
  const path = ctx.url.pathname;
  if (path === '/simple') return { status: 301, headers: { Location: `${site.base}/simple/` }, body: '' };
  let segs: string[];
  try {
    segs = path
      .slice('/simple/'.length)
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
  } catch {
    segs = ['\u0000'];
  }
  if (segs.length > 1) return NOT_FOUND;
  return simple(site, ctx, segs);
}

function simple(site: PypiSite, ctx: RequestContext, segs: string[]): Reply {
  // `_select_content_type`: the first acceptable offer; none (or no Accept header) → text/html, never a 406.
  const chosen = acceptableOffers(ctx.req.headers.accept, SIMPLE_OFFERS)?.[0] ?? 'text/html';
  const json = chosen.endsWith('+json');
  const contentType = json
    ? 'application/vnd.pypi.simple.v1+json'
    : chosen === 'text/html'
      ? 'text/html; charset=utf-8'
      : 'application/vnd.pypi.simple.v1+html';
  const page: Page = { json, headers: { 'Content-Type': contentType, Vary: 'Accept, Accept-Encoding', 'X-PyPI-Last-Serial': String(site.store.serial) } };
  if (segs.length === 0) return rootIndex(site, page);
  const name = segs[0] ?? '';
  const normalized = normalizePep503(name);
  if (name !== normalized || ctx.url.pathname !== `/simple/${name}/`) {
    return { status: 301, headers: { Location: `${site.base}/simple/${normalized}/` }, body: '' };
  }
  const project = site.store.get(normalized);
  if (!project) return NOT_FOUND;
  return projectPage(site, page, project);
}

/** /simple/: every project. */
function rootIndex(site: PypiSite, { json, headers }: Page): Reply {
  const { serial } = site.store;
  const list = site.store.list().sort((a, b) => a.normalized.localeCompare(b.normalized));
  if (json) {
    return {
      status: 200,
      headers,
      body: jsonWithNewline({
        meta: { 'api-version': SIMPLE_API_VERSION, '_last-serial': serial },
        projects: list.map((p) => ({ name: p.name, '_last-serial': serial })),
      }),
    };
  }
  const links = list.map((p) => `    <a href="/simple/${p.normalized}/">${pyHtmlEscape(p.name)}</a>\n`).join('');
  return {
    status: 200,
    headers,
    body: `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n    <title>Simple index</title>\n  </head>\n  <body>\n${links}  </body>\n</html>`,
  };
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * packaging/utils.py `_simple_detail` as PEP 691 JSON: files sorted by (version, filename), `versions` those
 * of the files (sorted), and per file `hashes` (sha256 only), `requires-python`, PEP 700 `size` and `upload-time`,
 * `yanked`, `data-dist-info-metadata` / `core-metadata` (false: the double extracts no METADATA, so it serves no
 * `.metadata` file), `provenance` (null: the double keeps no attestations); PEP 792 `project-status`. The double
 * has no yanking, no quarantine and no archived projects: every file is `yanked: false`, every project `active`.
 */
function projectJson(site: PypiSite, project: PProject): unknown {
  const rows: Array<[PRelease, PFile]> = [];
  for (const r of project.releases.values()) for (const f of r.files) rows.push([r, f]);
  rows.sort((a, b) => comparePep440(a[0].version, b[0].version) || byName(a[1].filename, b[1].filename));
  return {
    meta: { 'api-version': SIMPLE_API_VERSION, '_last-serial': site.store.serial },
    name: project.normalized,
    'project-status': { status: 'active' },
    versions: [...new Set(rows.map(([r]) => r.version))].sort(comparePep440),
    files: rows.map(([r, f]) => ({
      filename: f.filename,
      url: fileUrl(site.base, f),
      hashes: { sha256: f.sha256 },
      'requires-python': r.requiresPython || null,
      size: f.size,
      'upload-time': pyIsoformatZ(f.uploadTime),
      yanked: false,
      'data-dist-info-metadata': false,
      'core-metadata': false,
      provenance: null,
    })),
  };
}

/** /simple/<name>/: the project's files (HTML: sorted by filename). */
function projectPage(site: PypiSite, { json, headers }: Page, project: PProject): Reply {
  const { serial } = site.store;
  if (json) return { status: 200, headers, body: jsonWithNewline(projectJson(site, project)) };
  const rows: Array<[PRelease, PFile]> = [];
  for (const r of project.releases.values()) for (const f of r.files) rows.push([r, f]);
  rows.sort((a, b) => byName(a[1].filename, b[1].filename));
  const anchors = rows
    .map(([r, f]) => {
      const rp = r.requiresPython ? `data-requires-python="${pyHtmlEscape(r.requiresPython)}" ` : '';
      return `    <a href="${fileUrl(site.base, f)}#sha256=${f.sha256}" ${rp}>${pyHtmlEscape(f.filename)}</a><br />\n`;
    })
    .join('');
  return {
    status: 200,
    headers,
    body:
      `<!DOCTYPE html>\n<html>\n  <head>\n    <meta name="pypi:repository-version" content="1.1">\n` +
      `    <title>Links for ${pyHtmlEscape(project.normalized)}</title>\n  </head>\n  <body>\n` +
      `    <h1>Links for ${pyHtmlEscape(project.normalized)}</h1>\n${anchors}  </body>\n</html>\n<!--SERIAL ${serial}-->`,
  };
}

/** GET /packages/…: the file whose URL this is. */
export function download(site: PypiSite, pathname: string): Reply {
  for (const [, , f] of site.store.allFiles()) {
    if (new URL(fileUrl(site.base, f)).pathname === pathname) {
      return { status: 200, binary: true, headers: { 'Content-Type': 'application/octet-stream' }, body: f.bytes };
    }
  }
  return NOT_FOUND;
}
