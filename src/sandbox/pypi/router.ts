/**
 * Routing of the PyPI double:
 *   POST /legacy/                 upload (`:action=file_upload`), 200 + Pyramid default page on success
 *   POST /legacy                  308 to /legacy/
 *   GET  /legacy/                 200 info page
 *   GET  /simple/ , /simple/<n>/  PEP 503 HTML (PEP 691 JSON when asked for); non-normalised names → 301
 *   GET  /packages/<b2>/<…>/<f>   file bytes (the URLs the index links to, like files.pythonhosted.org)
 *   GET  /_/oidc/audience, POST /_/oidc/mint-token   Trusted Publishing
 * Error messages travel in the reason phrase and in a body chosen by `Accept`, exactly like Pyramid's
 * HTTPException pages.
 */
import type { Reply } from '../http/reply.js';
import type { RequestContext } from '../http/server.js';
import { audience, mintToken } from './oidc.js';
import { pyramidPage } from './pyramid.js';
import { download, simpleRoute } from './simple.js';
import type { PypiSite } from './site.js';
import { legacyUpload } from './upload/route.js';

const UPLOAD_INFO_PAGE =
  '<!DOCTYPE html>\n<html><head><title>Upload - PyPI test double</title></head><body><p>This is the upload endpoint; POST distributions here.</p></body></html>\n';

export function isUploadRequest(method: string, pathname: string): boolean {
  return method === 'POST' && pathname === '/legacy/';
}

export async function handle(site: PypiSite, ctx: RequestContext): Promise<Reply> {
  const method = ctx.req.method ?? 'GET';
  const path = ctx.url.pathname;
  const isGet = method === 'GET' || method === 'HEAD';
  if (path === '/legacy') {
    if (method !== 'POST') return pyramidPage(ctx.req, 405, { detail: null, headers: { Allow: 'POST' } });
    return pyramidPage(ctx.req, 308, {
      message: 'An upload was attempted to /legacy but the expected upload URL is /legacy/ (with a trailing slash)',
      location: '/legacy/',
      headers: { Location: `${site.base}/legacy/` },
    });
  }
  if (path === '/legacy/') {
    if (method === 'POST') return legacyUpload(site, ctx);
    if (isGet || method === 'OPTIONS') return { status: 200, headers: { 'Content-Type': 'text/html; charset=UTF-8' }, body: UPLOAD_INFO_PAGE };
    return pyramidPage(ctx.req, 405, { detail: null, headers: { Allow: 'GET, HEAD, OPTIONS' } });
  }
  if (isGet && (path === '/simple' || path.startsWith('/simple/'))) return simpleRoute(site, ctx);
  if (isGet && path.startsWith('/packages/')) return download(site, path);
  if (path === '/_/oidc/audience' && isGet) return audience(site);
  if (path === '/_/oidc/mint-token' && method === 'POST') return mintToken(site, ctx);
  return pyramidPage(ctx.req, 404);
}
