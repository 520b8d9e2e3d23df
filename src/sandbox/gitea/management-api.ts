/**
 * /api/v1/packages/{owner}/{type}/{name}/{version}[/files]: routers/api/v1/packages — DELETE a version (204) and
 * GET its files with their hashes (JSON). Errors are Gitea's JSON `{message, url}` bodies.
 */
import type { Reply } from '../http/reply.js';
import type { RequestContext } from '../http/server.js';
import type { Principal } from './auth.js';
import { goError, goJson } from './go-http.js';
import type { GiteaSite } from './site.js';
import { linkPackage } from './link-api.js';
import { listedFiles, otherHashes } from './store.js';

export function managementApi(site: GiteaSite, ctx: RequestContext, segs: string[]): Reply {
  const { auth, owner } = site;
  const swagger = `${site.rootUrl}/api/swagger`;
  const jsonError = (status: number, message: string): Reply => goJson(status, { message, url: swagger });
  const p = auth.authenticate(ctx.req, ctx.url);
  if (p.kind === 'error') return jsonError(401, 'user does not exist [uid: 0, name: ]');
  const [ownerSeg, type, name, version, tail, ...more] = segs;
  const method = ctx.req.method ?? 'GET';
  if (site.options.linkApi && method === 'POST' && version === '-' && tail === 'link' && more.length === 1 && type !== undefined && name !== undefined) {
    if (ownerSeg?.toLowerCase() !== owner.toLowerCase()) return goJson(404, { errors: [], message: "The target couldn't be found.", url: swagger });
    return linkPackage(site, p, type, name, more[0] ?? '');
  }
  const isDelete = method === 'DELETE' && tail === undefined;
  const isFiles = (method === 'GET' || method === 'HEAD') && tail === 'files' && more.length === 0;
  if (!ownerSeg || type === undefined || name === undefined || version === undefined || !(isDelete || isFiles)) {
    return goError(404, '404 page not found');
  }
  if (p.kind === 'user' && p.viaToken && !auth.hasScope(p, isDelete ? 'write' : 'read')) {
    return jsonError(403, `token does not have at least one of required scope(s): [${isDelete ? 'write' : 'read'}:package]`);
  }
  if (ownerSeg.toLowerCase() !== owner.toLowerCase()) {
    return goJson(404, { errors: [], message: "The target couldn't be found.", url: swagger });
  }
  const denied = accessRefusal(site, p, isDelete, jsonError);
  if (denied) return denied;
  const pkg = type === 'pypi' ? site.store.get(name) : undefined;
  const ver = pkg?.versions.get(version.toLowerCase());
  if (!pkg || !ver) return jsonError(404, 'package does not exist');
  if (isDelete) {
    site.store.deleteVersion(name, version);
    return { status: 204 };
  }
  return goJson(
    200,
    listedFiles(ver.files, site.options.listingLagMs).map((f) => {
      const { md5, sha1, sha512 } = otherHashes(f);
      return { id: f.id, Size: f.size, name: f.filename, md5, sha1, sha256: f.sha256, sha512 };
    }),
  );
}

/** Read access for both routes, a token where the profile needs one (`reqToken`), write access to delete. */
function accessRefusal(site: GiteaSite, p: Principal, isDelete: boolean, jsonError: (status: number, message: string) => Reply): Reply | undefined {
  const { auth } = site;
  const forbidden = jsonError(403, 'user should have specific permission or be a site admin');
  if (auth.accessMode(p) < 1 && !auth.isAdmin(p)) return forbidden;
  if (p.kind === 'anonymous' && site.behaviour.managementRequiresToken) return jsonError(401, 'token is required');
  if (isDelete && auth.accessMode(p) < 2 && !auth.isAdmin(p)) return forbidden;
  return undefined;
}
