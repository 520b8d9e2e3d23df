/**
 * The read routes of the PyPI double: the simple index, /simple/ and /simple/<name>/ (PEP 503 HTML, PEP 691 JSON
 * when the Accept header asks for it; a non-normalised name redirects), and the file downloads under /packages/.
 */
import type { Reply } from '../http/reply.js';
import type { RequestContext } from '../http/server.js';
import { acceptableOffers, pyHtmlEscape } from './pyramid.js';
import { normalizePep503 } from './rules/names.js';
import type { PypiSite } from './site.js';
import { fileUrl, type PFile, type PProject, type PRelease } from './store.js';

const NOT_FOUND: Reply = { status: 404, headers: { 'Content-Type': 'text/plain; charset=UTF-8' }, body: '404 Not Found' };

const SIMPLE_OFFERS = [
  'text/html',
  'application/vnd.pypi.simple.v1+json',
  'application/vnd.pypi.simple.v1+html',
  'application/vnd.pypi.simple.latest+json',
  'application/vnd.pypi.simple.latest+html',
];

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
  const offers = acceptableOffers(ctx.req.headers.accept, SIMPLE_OFFERS);
  const chosen = offers === null ? 'text/html' : offers[0];
  if (chosen === undefined) return { status: 406, headers: { 'Content-Type': 'text/plain; charset=UTF-8' }, body: '406 Not Acceptable' };
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
      body: JSON.stringify({
        meta: { 'api-version': '1.1', '_last-serial': serial },
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

/** /simple/<name>/: the project's files, sorted by filename. */
function projectPage(site: PypiSite, { json, headers }: Page, project: PProject): Reply {
  const { serial } = site.store;
  const rows: Array<[PRelease, PFile]> = [];
  for (const r of project.releases.values()) for (const f of r.files) rows.push([r, f]);
  rows.sort((a, b) => (a[1].filename < b[1].filename ? -1 : a[1].filename > b[1].filename ? 1 : 0));
  if (json) {
    return {
      status: 200,
      headers,
      body: JSON.stringify({
        meta: { 'api-version': '1.1', '_last-serial': serial },
        name: project.normalized,
        versions: [...project.releases.values()].map((r) => r.version),
        files: rows.map(([r, f]) => ({
          filename: f.filename,
          url: fileUrl(site.base, f),
          hashes: { sha256: f.sha256, blake2b_256: f.blake2_256 },
          'requires-python': r.requiresPython ?? null,
          size: f.size,
          'upload-time': f.uploadTime.toISOString(),
          yanked: false,
        })),
      }),
    };
  }
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
