/**
 * Who is asking and what they may do, as Gitea decides it: services/auth (OAuth2 token from the query or a
 * `token`/`Bearer` header, then Basic with a token or a password), services/context/package.go
 * determineAccessMode, and routers/api/packages/api.go reqPackageAccess. Profile differences come from
 * ./profiles.ts (bad-credential handling, token scopes, public-only tokens, Actions tokens).
 */
import type http from 'node:http';
import type { Reply } from '../http/reply.js';
import { goError } from './go-http.js';
import type { GiteaRegistryOptions, GiteaUser } from './options.js';
import type { GiteaProfileBehaviour } from './profiles.js';

export type Principal = { kind: 'anonymous' } | { kind: 'error' } | { kind: 'actions' } | { kind: 'user'; name: string; user: GiteaUser; viaToken: boolean };

const REQ_PACKAGE_ACCESS = goError(401, 'reqPackageAccess', { 'WWW-Authenticate': 'Basic realm="Gitea Package API"' });

export class GiteaAuth {
  constructor(
    private readonly users: Record<string, GiteaUser>,
    private readonly behaviour: Readonly<GiteaProfileBehaviour>,
    private readonly options: Pick<GiteaRegistryOptions, 'actionsToken' | 'privateOwner'>,
  ) {}

  /** services/auth: OAuth2 (query or `token`/`Bearer` header), then Basic. Bad credentials → error. */
  authenticate(req: http.IncomingMessage, url: URL): Principal {
    const header = req.headers.authorization ?? '';
    const oauthToken = oauthTokenOf(header, url);
    if (oauthToken !== undefined) {
      const found = this.findUserByToken(oauthToken);
      if (found) return found;
      // ≤1.19 (oauth2.go returned no error for an unknown token): fall through to Basic, else anonymous.
      if (this.behaviour.badCredentials === 'all') return { kind: 'error' };
    }
    const sp = header.indexOf(' ');
    if (!header || sp < 0 || header.slice(0, sp).toLowerCase() !== 'basic') return { kind: 'anonymous' };
    return this.basicLogin(header.slice(sp + 1).trim());
  }

  isAdmin(p: Principal): boolean {
    return p.kind === 'user' && p.user.admin === true;
  }

  /** services/context/package.go determineAccessMode (simplified: one user/org owner). 0 none, 1 read, 2 write, 4 owner. */
  accessMode(p: Principal): number {
    if (p.kind === 'user' && (p.user.ownsOwner || p.user.admin)) return 4;
    if (p.kind === 'actions') return 1; // 1.22: "TODO: ActionUser permission check" → read only
    return this.options.privateOwner ? 0 : 1;
  }

  hasScope(p: Principal, need: 'read' | 'write'): boolean {
    if (p.kind !== 'user' || !p.viaToken || !this.behaviour.tokenScopes) return true;
    const s = p.user.scopes ?? [];
    if (s.includes('all') || s.includes('write:package')) return true;
    return need === 'read' && s.includes('read:package');
  }

  /** routers/api/packages/api.go reqPackageAccess. */
  reqPackageAccess(p: Principal, need: 'read' | 'write'): Reply | undefined {
    if (p.kind === 'user' && p.viaToken) {
      if (!this.hasScope(p, need)) return REQ_PACKAGE_ACCESS;
      if (this.behaviour.publicOnlyScope && (p.user.scopes ?? []).includes('public-only') && this.options.privateOwner) return goError(403, 'reqToken');
    }
    if (this.accessMode(p) < (need === 'read' ? 1 : 2) && !this.isAdmin(p)) return REQ_PACKAGE_ACCESS;
    return undefined;
  }

  private findUserByToken(token: string): Principal | undefined {
    if (token === '') return undefined;
    for (const [name, user] of Object.entries(this.users))
      if (user.token !== undefined && user.token === token) return { kind: 'user', name, user, viaToken: true };
    if (this.behaviour.actionsTokens && this.options.actionsToken !== undefined && token === this.options.actionsToken) return { kind: 'actions' };
    return undefined;
  }

  /** Basic credentials: a token as password (or as username with an empty / `x-oauth-basic` password), else a password. */
  private basicLogin(encoded: string): Principal {
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const uname = colon < 0 ? decoded : decoded.slice(0, colon);
    const passwd = colon < 0 ? '' : decoded.slice(colon + 1);
    const usernameIsToken = passwd === '' || passwd === 'x-oauth-basic';
    const viaToken = this.findUserByToken(usernameIsToken ? uname : passwd);
    if (viaToken) return viaToken;
    for (const [name, user] of Object.entries(this.users)) {
      if (name.toLowerCase() === uname.toLowerCase() && user.password !== undefined && passwd !== '' && user.password === passwd) {
        return { kind: 'user', name, user, viaToken: false };
      }
    }
    return { kind: 'error' };
  }
}

/** The OAuth2 token of a request: `?token=` / `?access_token=`, else a `token X` / `Bearer X` header. */
function oauthTokenOf(header: string, url: URL): string | undefined {
  const queryToken = url.searchParams.get('token') || url.searchParams.get('access_token') || '';
  if (queryToken) return queryToken;
  if (!header) return undefined;
  const f = header.trim().split(/\s+/);
  if (f.length === 2 && (f[0] === 'token' || f[0]?.toLowerCase() === 'bearer')) return f[1];
  return undefined;
}
