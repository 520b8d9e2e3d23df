/**
 * Sending one upload: a multipart body written by hand, streamed from disk through two fixed read
 * buffers with an exact Content-Length, over the target's keep-alive pool. Redirects are never
 * followed: the body and the credentials would go somewhere the user did not name. A transport
 * failure is a value, not a throw.
 *
 * Memory stays flat whatever the file's size: a buffer is read into again only once the connection
 * has taken all of it (the write's callback), so nothing waits for the garbage collector. (form-data
 * and a stream pipeline allocated a fresh 1 MiB buffer per read: 1 GiB of garbage for a 1 GiB wheel,
 * freed only when V8 noticed, about 60 MB above the process's own footprint.)
 */
import { randomBytes, createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import type { ClientRequest } from 'node:http';
import type { BasicCredentials, FormField, ServerAnswer } from './types.js';
import { VERSION } from '../version.js';
import { httpRequest, readText, type ConnectionPool } from './client.js';

export const USER_AGENT = `molecule-publish/${VERSION} node/${process.versions.node}`;
// uv's Accept: PyPI answers errors as JSON {code, message} when JSON is preferred.
const ACCEPT = 'application/json;q=0.9, text/plain;q=0.8, text/html;q=0.7';
const MAX_ANSWER_BYTES = 1024 * 1024;
/** Each of the two read buffers. Large enough for loopback speed, small enough to stay flat. */
export const SEND_CHUNK = 512 * 1024;

export type SendOutcome =
  | { kind: 'answer'; answer: ServerAnswer }
  /** `retryable: false` for problems a retry cannot fix (an untrusted certificate). */
  | { kind: 'network'; message: string; code?: string; retryable: boolean };

export function basicAuth(credentials: BasicCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}

export interface UploadRequest {
  url: string;
  /** Text fields sent before the file part (see form.ts). */
  fields: readonly FormField[];
  file: { path: string; filename: string; size: number };
  /** The file's sha256 if already known; otherwise it is computed while the file streams. */
  sha256?: string;
  credentials: BasicCredentials;
  pool: ConnectionPool;
  signal?: AbortSignal;
  onBytes?: (sent: number, total: number) => void;
  /** Longest stall while the body is being sent (the server not taking data); default: none. */
  stallTimeoutMs?: number;
  /** Longest wait for the answer once the body is sent; default: the pool's timeout. */
  responseTimeoutMs?: number;
}

export interface UploadResult {
  outcome: SendOutcome;
  /** The file's sha256, when the whole file was read for this request. */
  sha256?: string;
}

const SHA256_HEX_LENGTH = 64;

/** The form around the file: everything before its bytes, and everything after (the digest last). */
export function formFrame(
  fields: readonly FormField[],
  filename: string,
): { boundary: string; head: Buffer; tail: (sha256: string) => Buffer; tailLength: number } {
  let boundary = '';
  // A boundary that no field contains (24 random hex digits: in practice, the first one drawn).
  do boundary = `----------------------------${randomBytes(12).toString('hex')}`;
  while (fields.some(([, value]) => value.includes(boundary)));
  const part = (name: string, extra = '') => `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"${extra}\r\n\r\n`;
  const head =
    fields.map(([name, value]) => `${part(name)}${value}\r\n`).join('') +
    part('content', `; filename="${quoted(filename)}"\r\nContent-Type: application/octet-stream`);
  const tail = (sha256: string) => `\r\n${part('sha256_digest')}${sha256}\r\n--${boundary}--\r\n`;
  return {
    boundary,
    head: Buffer.from(head, 'utf8'),
    tail: (sha256) => Buffer.from(tail(sha256), 'utf8'),
    tailLength: Buffer.byteLength(tail('0'.repeat(SHA256_HEX_LENGTH)), 'utf8'),
  };
}

// The HTML form encoding of a name in a header (what browsers, undici and requests do).
function quoted(name: string): string {
  return name.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22');
}

export async function sendUpload(req: UploadRequest): Promise<UploadResult> {
  const frame = formFrame(req.fields, req.file.filename);
  const total = frame.head.length + req.file.size + frame.tailLength;
  let computed: string | undefined;
  // The digest travels after the file, so one read of the file both hashes and sends it.
  const body = async (request: ClientRequest) => {
    const handle = await open(req.file.path, 'r');
    let stallTimer: NodeJS.Timeout | undefined;
    try {
      let answered = false;
      request.once('response', () => (answered = true));
      // Settles when the connection has taken the chunk, or when the request is gone (its error is
      // the request's to report): never rejects, so no write is left with an unheard failure.
      const closed = new Promise<void>((resolve) => request.once('close', resolve));
      const write = (chunk: Buffer) => Promise.race([new Promise<void>((resolve) => request.write(chunk, () => resolve())), closed]);
      // The form's head leaves once connected (the connect bound is the client's); from then on, a
      // stall is the connection taking nothing for stallTimeoutMs.
      await write(frame.head);
      if (req.stallTimeoutMs !== undefined) {
        const limit = req.stallTimeoutMs;
        stallTimer = setTimeout(() => request.destroy(new StallError(limit)), limit);
        stallTimer.unref();
      }
      const hash = createHash('sha256');
      const size = req.file.size;
      const chunk = Math.min(SEND_CHUNK, Math.max(size, 1));
      const buffers = [Buffer.allocUnsafeSlow(chunk), Buffer.allocUnsafeSlow(chunk)];
      const inFlight: Array<Promise<void> | undefined> = [undefined, undefined];
      let sent = 0;
      let read = 0;
      for (let i = 0; read < size; i ^= 1) {
        // The buffer is filled again only once the connection has taken what it held.
        await inFlight[i];
        if (answered || request.destroyed) return;
        const buffer = buffers[i] as Buffer;
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - read), read);
        if (bytesRead === 0) throw new Error(`${req.file.filename} became shorter while it was being sent`);
        const chunk = buffer.subarray(0, bytesRead);
        hash.update(chunk);
        read += bytesRead;
        inFlight[i] = write(chunk).then(() => {
          sent += bytesRead;
          stallTimer?.refresh();
          req.onBytes?.(sent, size);
        });
      }
      await Promise.all(inFlight);
      const digest = hash.digest('hex');
      if (read === size) computed = digest;
      if (answered || request.destroyed) return;
      await write(frame.tail(req.sha256 ?? digest));
    } finally {
      clearTimeout(stallTimer);
      await handle.close().catch(() => undefined);
    }
  };

  try {
    const response = await httpRequest(req.url, req.pool, {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${frame.boundary}`,
        'content-length': String(total),
        authorization: basicAuth(req.credentials),
        accept: ACCEPT,
        'user-agent': USER_AGENT,
      },
      body,
      ...(req.signal ? { signal: req.signal } : {}),
      ...(req.responseTimeoutMs !== undefined ? { responseTimeoutMs: req.responseTimeoutMs } : {}),
    });
    const answer: ServerAnswer = { status: response.statusCode, headers: response.headers, body: await readText(response.body, MAX_ANSWER_BYTES) };
    // devpi and Nexus say why in the reason phrase ("409 x.whl already exists in non-volatile index").
    if (response.body.statusMessage) answer.reason = response.body.statusMessage;
    // An answer that came before the whole body was sent leaves the connection unusable.
    if (!response.request.writableFinished) response.request.destroy();
    return computed === undefined ? { outcome: { kind: 'answer', answer } } : { outcome: { kind: 'answer', answer }, sha256: computed };
  } catch (err) {
    return computed === undefined ? { outcome: networkOutcome(err) } : { outcome: networkOutcome(err), sha256: computed };
  }
}

/** No progress while sending the body for the stall timeout. */
export class StallError extends Error {
  readonly code = 'MOLECULE_SEND_STALL';
  constructor(ms: number) {
    super(`the server took no data for ${Math.round(ms / 100) / 10} s while the file was being sent`);
  }
}

export async function readCapped(body: AsyncIterable<Buffer>): Promise<string> {
  return readText(body, MAX_ANSWER_BYTES);
}

// Certificate problems: a retry cannot fix them, and the fix is always the same.
const CERTIFICATE_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const NETWORK_MESSAGES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server while sending',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'host name lookup failed (DNS)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  MOLECULE_CONNECT_TIMEOUT: 'timed out while connecting',
  MOLECULE_HEADERS_TIMEOUT: 'timed out waiting for the server',
  MOLECULE_SEND_STALL: 'timed out: the server stopped taking data while the file was being sent',
  MOLECULE_BODY_TIMEOUT: 'timed out reading the answer',
  ERR_STREAM_PREMATURE_CLOSE: 'connection closed unexpectedly',
  ERR_STREAM_DESTROYED: 'connection closed unexpectedly',
  ABORT_ERR: 'aborted',
  EPROTO: 'TLS handshake failed',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (is this an http:// server?)',
};

/** One line for a transport error; never includes headers (they hold the credentials). */
export function networkOutcome(err: unknown): SendOutcome {
  const outcome = transportOutcome(err);
  // Through a proxy (client.ts notes which, as scheme://host:port): the line says so.
  const via = (err as { viaProxy?: unknown } | undefined)?.viaProxy;
  if (outcome.kind === 'network' && typeof via === 'string' && !outcome.message.includes(via))
    return { ...outcome, message: `${outcome.message} (through the proxy ${via})` };
  return outcome;
}

// A proxy's refusal (403, 407) or an unusable proxy variable: the message is whole, and a retry cannot fix it.
// A tunnel the proxy could not open (its 5xx) may open on a retry.
const PROXY_CODES: Record<string, boolean> = { MOLECULE_PROXY_REFUSED: false, MOLECULE_PROXY_UNUSABLE: false, MOLECULE_PROXY_TUNNEL: true };

function transportOutcome(err: unknown): SendOutcome {
  const e = err as { code?: string; message?: string; name?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  if (code !== undefined && Object.hasOwn(PROXY_CODES, code))
    return { kind: 'network', code, retryable: PROXY_CODES[code] === true, message: e.message ?? 'proxy error' };
  if (code !== undefined && CERTIFICATE_CODES.has(code)) {
    return {
      kind: 'network',
      code,
      retryable: false,
      message: `TLS certificate not accepted (${code}: ${e.cause?.message ?? e.message}); for a private CA give --cert FILE (or SSL_CERT_FILE / NODE_EXTRA_CA_CERTS)`,
    };
  }
  // Node says 'socket hang up' (ECONNRESET) when the server closed before an answer came, and 'aborted'
  // when it closed in the middle of one: not a reset.
  if (code === 'ECONNRESET' && (e.message === 'socket hang up' || e.message === 'aborted'))
    return { kind: 'network', message: 'connection closed unexpectedly', code, retryable: true };
  // Node's HTTP parser: HPE_* codes, with the reason in the message ('Parse Error: Expected HTTP/…').
  if (code?.startsWith('HPE_')) {
    const reason = (e.message ?? '').replace(/^Parse Error:\s*/, '').split('\n')[0];
    return { kind: 'network', message: `the answer is not HTTP/1.1 (${code}: ${reason})`, code, retryable: true };
  }
  const known = code !== undefined ? NETWORK_MESSAGES[code] : e.name === 'AbortError' ? 'aborted' : undefined;
  const message = known ?? (e.cause?.message || e.message || 'network error').split('\n')[0] ?? 'network error';
  return code === undefined ? { kind: 'network', message, retryable: true } : { kind: 'network', message, code, retryable: true };
}
