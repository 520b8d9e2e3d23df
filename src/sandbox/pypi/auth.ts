/**
 * Who uploads and whether they may: warehouse/forklift/decorators.py `ensure_uploads_allowed` (admin flags, then
 * the identity from accounts/security_policy.py), legacy.py `_ensure_user_can_upload` (verified e-mail, 2FA), and
 * `request.has_permission(ProjectsUpload)` (the macaroon's caveats, then the project's ACL).
 */
import type http from 'node:http';
import { HELP } from './help-links.js';
import { PYPI_DEFAULT_USER, type PypiToken } from './options.js';
import { pyRepr } from './python.js';
import { normalizePep503 } from './rules/names.js';
import type { PypiSite } from './site.js';
import type { PProject } from './store.js';
import { refuse } from './upload/refusal.js';

export interface Identity {
  token: PypiToken;
  /** The token's owner. */
  user: string;
}

/** decorators.py `ensure_uploads_allowed`: admin flags, then the identity (security policies). */
export function ensureUploadsAllowed(site: PypiSite, req: http.IncomingMessage): Identity {
  if (site.options.readOnly) refuse(403, 'Read-only mode: Uploads are temporarily disabled.');
  if (site.options.uploadsDisabled) refuse(403, `New uploads are temporarily disabled. See ${HELP}#admin-intervention for more information.`);
  const raw = tokenSecretOf(req.headers.authorization ?? '');
  const token = raw !== undefined ? site.tokens[raw] : undefined;
  if (!token) refuse(403, `Invalid or non-existent authentication information. See ${HELP}#invalid-auth for more information.`);
  return { token, user: token.user ?? PYPI_DEFAULT_USER };
}

/** The token secret of `Basic __token__:<secret>` or `Bearer|token <secret>`; a Basic login with a username is refused. */
function tokenSecretOf(header: string): string | undefined {
  const sp = header.indexOf(' ');
  const scheme = sp < 0 ? header.toLowerCase() : header.slice(0, sp).toLowerCase();
  const cred = sp < 0 ? '' : header.slice(sp + 1).trim();
  if (scheme === 'bearer' || scheme === 'token') return cred;
  if (scheme !== 'basic') return undefined;
  const decoded = Buffer.from(cred, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  if (decoded.slice(0, colon) !== '__token__') {
    // accounts/security_policy.py BasicAuthSecurityPolicy.identity: status line only (no detail in the body).
    refuse(
      403,
      `Username/Password authentication is no longer supported. Migrate to API Tokens or Trusted Publishers instead. See ${HELP}#apitoken and ${HELP}#trusted-publishers`,
      null,
    );
  }
  return decoded.slice(colon + 1);
}

/** legacy.py `_ensure_user_can_upload` (only for user identities, not Trusted Publishing). */
export function ensureUserCanUpload({ token, user }: Identity): void {
  if (token.trustedPublishing) return;
  if (token.unverifiedEmail) {
    refuse(
      403,
      `User ${pyRepr(user)}, associated with the API token used, does not have a verified primary email address. ` +
        `Please add a verified primary email before attempting to upload to PyPI. See ${HELP}#verified-email for more information.`,
    );
  }
  if (token.no2fa) {
    refuse(
      403,
      `User ${pyRepr(user)}, associated with the API token used, does not have two-factor authentication enabled. ` +
        `Please enable two-factor authentication before attempting to upload to PyPI. See ${HELP}#two-factor-authentication for more information.`,
    );
  }
}

/** `request.has_permission(ProjectsUpload)`: the macaroon's caveats (expiry, project scope), then the ACL (owner). */
export function ensureCanUploadTo({ token, user }: Identity, normalized: string, projectName: string, existing: PProject | undefined): void {
  if (token.oidcProjects) {
    ensureOidcTokenCanUploadTo(token, token.oidcProjects, normalized, projectName);
    return;
  }
  if (token.expired || (token.expiresAt !== undefined && Date.now() >= token.expiresAt)) refuse(403, 'Invalid API Token: token is expired');
  if (token.projects && !token.projects.map(normalizePep503).includes(normalized)) {
    refuse(403, `Invalid API Token: project-scoped token is not valid for project: ${pyRepr(projectName)}`);
  }
  if (existing && existing.owner !== user) {
    refuse(403, `The user '${user}' isn't allowed to upload to project '${projectName}'. See ${HELP}#project-name for more information.`);
  }
}

/**
 * A token minted by a Trusted Publisher (oidc/views.py `mint_token`) carries the caveats `OIDCPublisher`,
 * `ProjectID` (its publisher's projects) and `Expiration`, in that order; pymacaroons' Verifier stops at the
 * first unmet one, so the project scope is reported before the expiry. macaroons/caveats/__init__.py
 * `OIDCPublisher.verify`: "OIDC scoped token is not valid for project '<context.name>'" (an f-string, not a
 * repr), prefixed "Invalid API Token: " by macaroons/security_policy.py `MacaroonSecurityPolicy.permits`; legacy.py
 * sends that message (`allowed.msg`) as a 403. The project's ACL lets its publishers upload: no owner check.
 */
function ensureOidcTokenCanUploadTo(token: PypiToken, projects: string[], normalized: string, projectName: string): void {
  if (!projects.includes(normalized)) refuse(403, `Invalid API Token: OIDC scoped token is not valid for project '${projectName}'`);
  if (token.expired || (token.expiresAt !== undefined && Date.now() >= token.expiresAt)) refuse(403, 'Invalid API Token: token is expired');
}
