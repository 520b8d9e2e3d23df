/**
 * Sending one upload: a multipart body (form-data) streamed from disk with an exact Content-Length,
 * over an undici Agent (one pool per target). Redirects are never followed: the body and the
 * credentials would go somewhere the user did not name. A transport failure is a value, not a throw.
 */
import { createReadStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import { rootCertificates } from 'node:tls';
import FormData from 'form-data';
import { Agent, request, type Dispatcher } from 'undici';
import type { BasicCredentials, FormField, ServerAnswer } from './types.js';
import { VERSION } from '../version.js';
import { FILE_CHUNK, HashingStream } from '../artifacts/digests.js';

export const USER_AGENT = `molecule-publish/${VERSION} node/${process.versions.node}`;
// uv's Accept: PyPI answers errors as JSON {code, message} when JSON is preferred.
const ACCEPT = 'application/json;q=0.9, text/plain;q=0.8, text/html;q=0.7';
const MAX_ANSWER_BYTES = 1024 * 1024;

export type SendOutcome =
  | { kind: 'answer'; answer: ServerAnswer }
  /** `retryable: false` for problems a retry cannot fix (an untrusted certificate). */
  | { kind: 'network'; message: string; code?: string; retryable: boolean };

export interface HttpOptions {
  /** Bounds connecting and any stall while sending or waiting for the answer. */
  timeoutMs: number;
  /** Connections kept per origin (kept alive between uploads). */
  connections?: number;
  /** Extra TLS material: CA certificates added to the system's, a client certificate and key (PEM). */
  tls?: TlsOptions;
  /** Test seam: undici connect options (e.g. a failing `lookup`). */
  connect?: Record<string, unknown>;
}

export interface TlsOptions {
  /** PEM CA certificates trusted in addition to Node's bundled roots. */
  ca?: string[];
  /** PEM client certificate and key (twine's --client-cert: one file holding both). */
  clientCert?: string;
}

export function createDispatcher(options: HttpOptions): Dispatcher {
  const tls: Record<string, unknown> = {};
  // Node's `ca` option replaces the default roots: keep them, so a private CA for Gitea does not
  // break PyPI's public certificate (twine's --cert replaces; adding is what a mixed release needs).
  if (options.tls?.ca?.length) tls.ca = [...rootCertificates, ...options.tls.ca];
  if (options.tls?.clientCert) {
    tls.cert = options.tls.clientCert;
    tls.key = options.tls.clientCert;
  }
  return new Agent({
    connect: { timeout: options.timeoutMs, ...tls, ...options.connect },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 10_000,
    connections: options.connections ?? 8,
  });
}

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
  dispatcher: Dispatcher;
  signal?: AbortSignal;
  onBytes?: (sent: number, total: number) => void;
  /** Longest stall while the body is being sent (the server not reading); default: the dispatcher's. */
  stallTimeoutMs?: number;
  /** Longest wait for the answer once the body is sent; default: the dispatcher's headers timeout. */
  responseTimeoutMs?: number;
}

export interface UploadResult {
  outcome: SendOutcome;
  /** The file's sha256, when the whole file was read for this request. */
  sha256?: string;
}

const SHA256_HEX_LENGTH = 64;

export async function sendUpload(req: UploadRequest): Promise<UploadResult> {
  // A new form and a newly opened file on every attempt: a stream cannot be replayed.
  const form = new FormData();
  for (const [name, value] of req.fields) form.append(name, value);
  let computed: string | undefined;
  let stallTimer: NodeJS.Timeout | undefined;
  // Progress counts the file's bytes as they are taken for sending (what a person expects to see).
  const hashing = new HashingStream({
    onChunk: (bytes) => {
      stallTimer?.refresh();
      req.onBytes?.(bytes, req.file.size);
    },
    onDigest: (hex, bytes) => {
      if (bytes === req.file.size) computed = hex;
    },
  });
  // A small file gets a small buffer: a 1 MiB one per 20 KB wheel is 200 MiB of garbage for 200 wheels.
  const file = createReadStream(req.file.path, { highWaterMark: Math.max(16 * 1024, Math.min(FILE_CHUNK, req.file.size)) });
  file.on('error', (err) => hashing.destroy(err));
  file.pipe(hashing);
  form.append('content', hashing, { filename: req.file.filename, contentType: 'application/octet-stream', knownLength: req.file.size });
  // The digest travels after the file, so one read of the file both hashes and sends it. Its value is
  // produced when the file has been read; form-data reaches this part only after that.
  const digest = new PassThrough();
  if (req.sha256 !== undefined) digest.end(req.sha256);
  else hashing.once('end', () => digest.end(hashing.digest));
  form.append('sha256_digest', digest, {
    knownLength: SHA256_HEX_LENGTH,
    // A plain text field: no filename and no Content-Type, as for the other fields.
    header: `--${form.getBoundary()}\r\nContent-Disposition: form-data; name="sha256_digest"\r\n\r\n`,
  });
  const total = form.getLengthSync();
  const body = new PassThrough({ highWaterMark: 256 * 1024 });
  form.on('error', (err: Error) => body.destroy(err));
  hashing.on('error', (err: Error) => body.destroy(err));
  form.pipe(body);

  // undici's headers timeout covers both a stall while sending and the wait for the answer. The wait
  // gets its own, longer bound (responseTimeoutMs), so a stall while sending is watched here: no byte
  // taken by the connection for stallTimeoutMs aborts the request, as a timeout. The file is read only
  // as fast as the connection takes it (backpressure through `body`), so its reading is the measure;
  // `body` ends once the connection has taken everything.
  const stall = new AbortController();
  if (req.stallTimeoutMs !== undefined && req.responseTimeoutMs !== undefined) {
    const limit = req.stallTimeoutMs;
    stallTimer = setTimeout(() => stall.abort(new StallError(limit)), limit);
    stallTimer.unref();
    body.once('end', () => clearTimeout(stallTimer));
    body.once('close', () => clearTimeout(stallTimer));
  }
  const signal = req.signal ? AbortSignal.any([req.signal, stall.signal]) : stall.signal;

  try {
    const response = await request(req.url, {
      method: 'POST',
      dispatcher: req.dispatcher,
      headers: {
        'content-type': form.getHeaders()['content-type'] as string,
        'content-length': String(total),
        authorization: basicAuth(req.credentials),
        accept: ACCEPT,
        'user-agent': USER_AGENT,
      },
      body,
      signal,
      ...(req.responseTimeoutMs !== undefined ? { headersTimeout: req.responseTimeoutMs } : {}),
    });
    clearTimeout(stallTimer);
    const answer: ServerAnswer = { status: response.statusCode, headers: response.headers, body: await readCapped(response.body) };
    return computed === undefined ? { outcome: { kind: 'answer', answer } } : { outcome: { kind: 'answer', answer }, sha256: computed };
  } catch (err) {
    clearTimeout(stallTimer);
    body.destroy();
    file.destroy();
    // Aborted by the stall watch: a timeout (retryable), not the user's interruption.
    const cause: unknown = stall.signal.aborted && !req.signal?.aborted ? stall.signal.reason : err;
    return computed === undefined ? { outcome: networkOutcome(cause) } : { outcome: networkOutcome(cause), sha256: computed };
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
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < MAX_ANSWER_BYTES) chunks.push(chunk);
    size += chunk.length;
  }
  return Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8');
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
  UND_ERR_CONNECT_TIMEOUT: 'timed out while connecting',
  UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for the server',
  MOLECULE_SEND_STALL: 'timed out: the server stopped taking data while the file was being sent',
  UND_ERR_BODY_TIMEOUT: 'timed out reading the answer',
  UND_ERR_SOCKET: 'connection closed unexpectedly',
  UND_ERR_ABORTED: 'aborted',
  ABORT_ERR: 'aborted',
  EPROTO: 'TLS handshake failed',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (is this an http:// server?)',
};

/** One line for a transport error; never includes headers (they hold the credentials). */
export function networkOutcome(err: unknown): SendOutcome {
  const e = err as { code?: string; message?: string; name?: string; cause?: { code?: string; message?: string } };
  const code = e.cause?.code ?? e.code;
  if (code !== undefined && CERTIFICATE_CODES.has(code)) {
    return {
      kind: 'network',
      code,
      retryable: false,
      message: `TLS certificate not accepted (${code}: ${e.cause?.message ?? e.message}); for a private CA give --cert FILE (or SSL_CERT_FILE / NODE_EXTRA_CA_CERTS)`,
    };
  }
  const known = code !== undefined ? NETWORK_MESSAGES[code] : e.name === 'AbortError' ? 'aborted' : undefined;
  const message = known ?? (e.cause?.message || e.message || 'network error').split('\n')[0] ?? 'network error';
  return code === undefined ? { kind: 'network', message, retryable: true } : { kind: 'network', message, code, retryable: true };
}
