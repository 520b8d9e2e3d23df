/**
 * Trusted Publishing (Warehouse `oidc/views.py`): GET /_/oidc/audience, and POST /_/oidc/mint-token, which
 * exchanges an OIDC token whose claims match a configured publisher for a short-lived upload token. The double
 * does not check the JWT's signature: it stands in for PyPI, not for GitHub's issuer.
 *
 * `mint_token` (pypi/warehouse 6b62157): a matching pending publisher first creates its project and becomes an
 * ordinary publisher of it; then the ordinary publisher's token is minted with the caveats `OIDCPublisher`,
 * `ProjectID` (the publisher's projects) and `Expiration` (900 s), so it uploads to those projects only
 * (../auth.ts) and creates none (./upload/project.ts).
 */
import type { Reply } from '../http/reply.js';
import type { RequestContext } from '../http/server.js';
import { randomBytes } from 'node:crypto';
import { PYPI_DEFAULT_USER, type PypiTrustedPublisher } from './options.js';
import { normalizePep503 } from './rules/names.js';
import type { PypiSite } from './site.js';
import { checkNewProject } from './upload/project.js';
import { UploadRefusal } from './upload/refusal.js';

const json = (status: number, body: unknown): Reply => ({ status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const tokenFailure = (code: string, description: string): Reply => json(422, { message: 'Token request failed', errors: [{ code, description }] });

export function audience(site: PypiSite): Reply {
  if (!site.options.trustedPublishing) return json(403, { message: 'Trusted publishing functionality not enabled' });
  return json(200, { audience: site.options.trustedPublishing.audience ?? 'pypi' });
}

export function mintToken(site: PypiSite, ctx: RequestContext): Reply {
  const tp = site.options.trustedPublishing;
  if (!tp) return tokenFailure('not-enabled', 'Trusted publishing functionality not enabled');
  let jwt: unknown;
  try {
    jwt = (JSON.parse(ctx.body.toString('utf8')) as { token?: unknown }).token;
  } catch {
    return tokenFailure('invalid-payload', 'malformed JSON');
  }
  if (typeof jwt !== 'string') return tokenFailure('invalid-payload', 'token is missing');
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return tokenFailure('invalid-token', 'malformed token');
  }
  if (claims['aud'] !== (tp.audience ?? 'pypi')) return tokenFailure('invalid-token', 'invalid audience');
  const matches = (p: PypiTrustedPublisher): boolean => Object.entries(p.claims).every(([k, v]) => claims[k] === v);
  const done = site.pendingPublishersDone;
  const pending = tp.publishers.find((p) => p.pending && !done.has(p) && matches(p));
  if (pending) {
    const failure = reifyPendingPublisher(site, pending);
    if (failure) return failure;
  }
  const publisher = tp.publishers.find((p) => (!p.pending || done.get(p) === 'reified') && matches(p));
  if (!publisher) return tokenFailure('invalid-publisher', 'valid token, but no corresponding publisher (All lookup strategies exhausted)');
  const lifetime = tp.lifetimeSeconds ?? 900;
  const minted = `pypi-minted-${randomBytes(12).toString('hex')}`;
  const expiresAt = Date.now() + lifetime * 1000;
  site.tokens[minted] = { user: publisher.user ?? PYPI_DEFAULT_USER, expiresAt, trustedPublishing: true };
  const projects = publisherProjects(publisher);
  if (projects) site.tokens[minted].oidcProjects = projects.map(normalizePep503);
  return json(200, { success: true, token: minted, expires: Math.floor(expiresAt / 1000) });
}

/** The names a publisher is registered to; undefined for the double's unscoped publishers (see options.ts). */
function publisherProjects(p: PypiTrustedPublisher): string[] | undefined {
  return p.project === undefined ? undefined : typeof p.project === 'string' ? [p.project] : p.project;
}

/**
 * oidc/views.py `mint_token`, pending publisher: its project already exists → the pending publisher is deleted and
 * 422 `invalid-pending-publisher` "valid token, but project already exists"; else packaging/services.py
 * `create_project(…, ratelimited=False)` (an HTTPException → 422 `invalid-payload` with its message) and
 * `reify_pending_publisher`. Returns the failure, if any.
 */
function reifyPendingPublisher(site: PypiSite, pending: PypiTrustedPublisher): Reply | undefined {
  const names = publisherProjects(pending) ?? [];
  const name = names[0];
  if (names.length !== 1 || name === undefined) throw new Error('PyPI double: a pending publisher names exactly one `project`');
  const normalized = normalizePep503(name);
  if (site.store.get(normalized)) {
    site.pendingPublishersDone.set(pending, 'deleted');
    return tokenFailure('invalid-pending-publisher', 'valid token, but project already exists');
  }
  try {
    checkNewProject(site, normalized, name, false);
  } catch (e) {
    if (e instanceof UploadRefusal) return tokenFailure('invalid-payload', e.message);
    throw e;
  }
  site.store.createProject(name, pending.user ?? PYPI_DEFAULT_USER);
  site.pendingPublishersDone.set(pending, 'reified');
  return undefined;
}
