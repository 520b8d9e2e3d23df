/**
 * POST /api/v1/packages/{owner}/{type}/{name}/-/link/{repo_name}: a package linked to a repository of its
 * owner, so that it shows on the repository's page (go-gitea/gitea routers/api/v1/packages/package.go
 * LinkPackage, services/packages/package_update.go LinkToRepository; Gitea 1.24+). Only with the
 * `linkApi` option: the double's versions (1.17 to 1.22, Forgejo) predate it and answer 404, as those do.
 * - the package, then the repository, looked up under the owner: 404 `package does not exist` /
 *   `repository does not exist`;
 * - the owner differs, or the doer cannot write the repository's packages: 403 (ErrPermissionDenied);
 * - already linked to a repository: 400 (ErrInvalidArgument, `invalid argument`);
 * - linked: 201, empty. The route needs a token with write:package (reqToken, reqPackageAccess(write)).
 */
import type { Reply } from '../http/reply.js';
import type { Principal } from './auth.js';
import { goJson } from './go-http.js';
import type { GiteaSite } from './site.js';
import { giteaNormalizeName } from './store.js';

export function linkPackage(site: GiteaSite, p: Principal, type: string, name: string, repoName: string): Reply {
  const jsonError = (status: number, message: string): Reply => goJson(status, { message, url: `${site.rootUrl}/api/swagger` });
  const { auth } = site;
  if (p.kind !== 'user') return jsonError(401, 'token is required');
  if (p.viaToken && !auth.hasScope(p, 'write')) return jsonError(403, 'token does not have at least one of required scope(s): [write:package]');
  if (auth.accessMode(p) < 2 && !auth.isAdmin(p)) return jsonError(403, 'user should have specific permission or be a site admin');
  const pkg = type === 'pypi' ? site.store.get(giteaNormalizeName(name)) : undefined;
  if (!pkg) return jsonError(404, 'package does not exist');
  const repo = (site.options.repositories ?? []).find((r) => r.toLowerCase() === repoName.toLowerCase());
  if (!repo) return jsonError(404, 'repository does not exist');
  if (pkg.repo !== undefined) return jsonError(400, 'invalid argument');
  pkg.repo = repo;
  return { status: 201, headers: {}, body: '' };
}
