/**
 * Who is asking, from HTTP Basic credentials and a kind's users table (./profiles.ts `users`): nobody (no usable
 * credentials), somebody unknown (credentials not in the table), or a user with or without upload permission.
 */
import type http from 'node:http';
import type { KindProfile, KindUser } from './profiles.js';

export type Principal = { kind: 'none' } | { kind: 'wrong'; username: string } | { kind: 'user'; username: string; user: KindUser };

export function authenticate(profile: KindProfile, users: readonly KindUser[], req: http.IncomingMessage): Principal {
  const header = String(req.headers.authorization ?? '');
  const sp = header.indexOf(' ');
  if (!header || sp < 0 || header.slice(0, sp).toLowerCase() !== 'basic') return { kind: 'none' };
  const decoded = Buffer.from(header.slice(sp + 1).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  // Without a colon there is no password: bottle's parse_auth gives None (pypiserver: 401), others see none either.
  if (colon < 0) return { kind: 'none' };
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (profile.auth.emptyIsAnonymous && username === '' && password === '') return { kind: 'none' };
  const user = users.find((u) => u.password === password && (u.anyUsername ? username !== '' : u.username === username));
  return user ? { kind: 'user', username, user } : { kind: 'wrong', username };
}
