/**
 * Trusted Publishing (Warehouse `oidc/views.py`): GET /_/oidc/audience, and POST /_/oidc/mint-token, which
 * exchanges an OIDC token whose claims match a configured publisher for a short-lived upload token. The double
 * does not check the JWT's signature: it stands in for PyPI, not for GitHub's issuer.
 */
import type { Reply } from '../http/reply.js';
import type { RequestContext } from '../http/server.js';
import { randomBytes } from 'node:crypto';
import { PYPI_DEFAULT_USER } from './options.js';
import type { PypiSite } from './site.js';

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
  const publisher = tp.publishers.find((p) => Object.entries(p.claims).every(([k, v]) => claims[k] === v));
  if (!publisher) return tokenFailure('invalid-publisher', 'valid token, but no corresponding publisher (All lookup strategies exhausted)');
  const lifetime = tp.lifetimeSeconds ?? 900;
  const minted = `pypi-minted-${randomBytes(12).toString('hex')}`;
  const expiresAt = Date.now() + lifetime * 1000;
  site.tokens[minted] = { user: publisher.user ?? PYPI_DEFAULT_USER, expiresAt, trustedPublishing: true };
  return json(200, { success: true, token: minted, expires: Math.floor(expiresAt / 1000) });
}
