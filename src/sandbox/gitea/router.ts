/**
 * Routing of the Gitea double, in Gitea's order: path clean-up, /api/v1 management routes, then for
 * /api/packages: verifyAuth (before routing), route match, owner lookup, reqPackageAccess, Forgejo's quota
 * middleware, and the handler.
 *
 *   POST   /api/packages/{owner}/pypi[/]                              upload (multipart), 201 empty on success
 *   GET    /api/packages/{owner}/pypi/simple/{name}[/]                PEP 503 HTML (no root /simple/)
 *   GET    /api/packages/{owner}/pypi/files/{name}/{version}/{file}   download
 *   DELETE /api/v1/packages/{owner}/pypi/{name}/{version}             delete a version, 204
 *   GET    /api/v1/packages/{owner}/pypi/{name}/{version}/files       JSON list of files with hashes
 */
import type http from 'node:http';
import type { Reply } from '../http/reply.js';
import type { RequestContext } from '../http/server.js';
import { apiError, goError } from './go-http.js';
import { managementApi } from './management-api.js';
import { download, simpleIndex } from './simple.js';
import type { GiteaSite } from './site.js';
import { upload } from './upload.js';

type Route = 'upload' | 'simple' | 'files';

/** Is this a POST to the owner's upload URL (the requests faults apply to)? */
export function isUploadRequest(owner: string, method: string, pathname: string): boolean {
  if (method !== 'POST') return false;
  const m = /^\/api\/packages\/([^/]+)\/pypi\/?$/.exec(pathname.replace(/\/{2,}/g, '/'));
  return m !== null && decodeURIComponent(m[1] ?? '').toLowerCase() === owner.toLowerCase();
}

/** The decoded path segments; undefined when one does not decode. */
function pathSegments(pathname: string): string[] | undefined {
  // Gitea strips duplicate and trailing slashes before routing.
  let path = pathname.replace(/\/{2,}/g, '/');
  if (path.length > 1) path = path.replace(/\/$/, '');
  try {
    return path
      .split('/')
      .slice(1)
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

function routeOf(method: string, rest: string[]): Route | Reply | undefined {
  const isGet = method === 'GET' || method === 'HEAD';
  if (rest.length === 0) return method === 'POST' ? 'upload' : { status: 405, headers: { Allow: 'POST' } };
  if (isGet && rest[0] === 'simple' && rest.length === 2) return 'simple';
  if (isGet && rest[0] === 'files' && rest.length === 4) return 'files';
  return undefined;
}

function ownerNotFound(req: http.IncomingMessage): Reply {
  if (String(req.headers.accept ?? '').includes('text/html')) {
    return {
      status: 404,
      headers: { 'Content-Type': 'text/html; charset=utf-8' },
      body: '<!DOCTYPE html>\n<html>\n<head><title>Page Not Found - Gitea</title></head>\n<body><p>The page you are trying to reach either does not exist or you are not authorized to view it.</p></body>\n</html>\n',
    };
  }
  return apiError(404, 'Not found.\n');
}

export async function handle(site: GiteaSite, ctx: RequestContext): Promise<Reply> {
  const segs = pathSegments(ctx.url.pathname);
  if (!segs) return goError(404, '404 page not found');
  const method = ctx.req.method ?? 'GET';
  if (segs[0] === 'api' && segs[1] === 'v1' && segs[2] === 'packages') return managementApi(site, ctx, segs.slice(3));
  if (segs[0] !== 'api' || segs[1] !== 'packages') return goError(404, '404 page not found');

  // verifyAuth runs for every /api/packages request, before routing, owner lookup and body parsing.
  const p = site.auth.authenticate(ctx.req, ctx.url);
  if (p.kind === 'error') return goError(401, 'authGroup.Verify');

  const [ownerSeg, type, ...rest] = segs.slice(2);
  if (ownerSeg === undefined || type !== 'pypi') return goError(404, '404 page not found');
  const route = routeOf(method, rest);
  if (!route) return goError(404, '404 page not found');
  if (typeof route === 'object') return route;

  if (ownerSeg.toLowerCase() !== site.owner.toLowerCase()) return ownerNotFound(ctx.req);
  const denied = site.auth.reqPackageAccess(p, 'read') ?? (route === 'upload' ? site.auth.reqPackageAccess(p, 'write') : undefined);
  if (denied) return denied;
  // Forgejo: enforcePackagesQuota runs as route middleware, before the handler reads the form; no admin exemption.
  const q = site.behaviour.quota;
  const { quotaBytes } = site.options;
  if (route === 'upload' && q.kind === 'forgejo' && quotaBytes !== undefined && !(site.store.ownerBytes() < quotaBytes)) {
    return goError(q.status, q.body.replace(/\n$/, ''));
  }
  if (route === 'upload') return await upload(site, ctx, p);
  if (route === 'simple') return simpleIndex(site, rest[1] ?? '');
  return download(site, rest[1] ?? '', rest[2] ?? '', rest[3] ?? '');
}
