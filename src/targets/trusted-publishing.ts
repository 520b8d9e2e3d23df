/**
 * PyPI Trusted Publishing from GitHub Actions (as twine 6.1+ and uv do; ../shared/spec/pypi-upload.md
 * §1.6, §2.6): ask the index for its OIDC audience, get an OIDC token for it from the Actions
 * runtime, and exchange it for a short-lived upload token (15 minutes), minted again when it is close
 * to expiring during a long publish. Neither the OIDC token nor the minted one is ever printed; the
 * token's claims (repository, workflow, ref, environment) are, since they say what PyPI refused.
 */
import type { Credentials } from './target.js';
import { readCapped, USER_AGENT } from '../http/send.js';
import { ConnectionPool, httpRequest } from '../http/client.js';
import { sanitizeUrl } from '../util/url.js';

export const OIDC_ENV = { url: 'ACTIONS_ID_TOKEN_REQUEST_URL', token: 'ACTIONS_ID_TOKEN_REQUEST_TOKEN' } as const;

/** Re-mint when less than this is left (twine 6.2 uses the same margin). */
export const RENEW_MARGIN_MS = 5 * 60 * 1000;

export class TrustedPublishingError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export function oidcAvailable(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env[OIDC_ENV.url] && env[OIDC_ENV.token]);
}

async function getJson(url: string, pool: ConnectionPool, init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {}) {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: 'application/json', ...init.headers };
  if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
  const response = await httpRequest(url, pool, { method: init.method ?? 'GET', headers, ...(init.body !== undefined ? { body: init.body } : {}) });
  return { status: response.statusCode, json: parseJson(await readCapped(response.body)) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The claims of a JWT that say which workflow asked (never the token itself). */
export function describeClaims(jwt: string): string {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    const keys = ['sub', 'repository', 'repository_owner', 'workflow_ref', 'job_workflow_ref', 'ref', 'environment'];
    return keys
      .filter((k) => typeof payload[k] === 'string')
      .map((k) => `${k}=${String(payload[k])}`)
      .join(', ');
  } catch {
    return '(unreadable claims)';
  }
}

export interface MintOptions {
  uploadUrl: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  pool?: ConnectionPool;
  now?: () => number;
}

export interface MintedToken {
  token: string;
  expiresAt: number;
}

export async function mintUploadToken(options: MintOptions): Promise<MintedToken> {
  // The three requests of one minting share connections (the caller's, or their own, closed after).
  const pool = options.pool ?? new ConnectionPool({ timeoutMs: options.timeoutMs });
  try {
    return await mint(options, pool);
  } finally {
    if (!options.pool) pool.close();
  }
}

async function mint(options: MintOptions, pool: ConnectionPool): Promise<MintedToken> {
  const origin = new URL(options.uploadUrl).origin;
  const audience = await getJson(`${origin}/_/oidc/audience`, pool).catch((err: Error) => {
    throw new TrustedPublishingError(`cannot reach ${origin}/_/oidc/audience (${err.message.split('\n')[0]})`);
  });
  const aud = (audience.json as { audience?: unknown } | undefined)?.audience;
  if (audience.status !== 200 || typeof aud !== 'string') {
    throw new TrustedPublishingError(
      `${sanitizeUrl(options.uploadUrl)} does not offer Trusted Publishing (audience request answered HTTP ${audience.status})`,
      audience.status,
    );
  }

  const requestUrl = new URL(options.env[OIDC_ENV.url] ?? '');
  requestUrl.searchParams.set('audience', aud);
  const oidc = await getJson(requestUrl.toString(), pool, { headers: { authorization: `bearer ${options.env[OIDC_ENV.token] ?? ''}` } }).catch((err: Error) => {
    throw new TrustedPublishingError(`cannot get an OIDC token from the CI runtime (${err.message.split('\n')[0]})`);
  });
  const jwt = (oidc.json as { value?: unknown } | undefined)?.value;
  if (oidc.status !== 200 || typeof jwt !== 'string') {
    throw new TrustedPublishingError(`the CI runtime gave no OIDC token (HTTP ${oidc.status}): is the 'id-token: write' permission missing?`, oidc.status);
  }

  const minted = await getJson(`${origin}/_/oidc/mint-token`, pool, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: jwt }),
  }).catch((err: Error) => {
    throw new TrustedPublishingError(`cannot reach ${origin}/_/oidc/mint-token (${err.message.split('\n')[0]})`);
  });
  const body = minted.json as
    | { success?: boolean; token?: unknown; expires?: unknown; message?: string; errors?: Array<{ code?: string; description?: string }> }
    | undefined;
  if (minted.status !== 200 || typeof body?.token !== 'string') {
    const reasons = (body?.errors ?? []).map((e) => `${e.code ?? '?'}: ${e.description ?? ''}`.trim()).join('; ');
    throw new TrustedPublishingError(
      `PyPI refused the OIDC token (HTTP ${minted.status}${reasons ? `: ${reasons}` : body?.message ? `: ${body.message}` : ''}); ` +
        `the token's claims, which must match the publisher configured on PyPI: ${describeClaims(jwt)}`,
      minted.status,
    );
  }
  const now = options.now?.() ?? Date.now();
  const expiresAt = typeof body.expires === 'number' ? body.expires * 1000 : now + 15 * 60 * 1000;
  return { token: body.token, expiresAt };
}

/** Credentials from a minted token, able to renew themselves before they expire. */
export async function trustedPublishingCredentials(options: MintOptions, onToken?: (token: string) => void): Promise<Credentials> {
  const first = await mintUploadToken(options);
  onToken?.(first.token);
  const credentials: Credentials = {
    username: '__token__',
    password: first.token,
    source: 'Trusted Publishing (OIDC)',
    trustedPublishing: true,
    expiresAt: first.expiresAt,
    renew: async () => {
      const next = await mintUploadToken(options);
      onToken?.(next.token);
      credentials.password = next.token;
      credentials.expiresAt = next.expiresAt;
    },
  };
  return credentials;
}
