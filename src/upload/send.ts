/**
 * Sending one upload: a multipart body (form-data) streamed from disk with an exact Content-Length,
 * over an undici Agent (one pool per target). Redirects are never followed: the body and the
 * credentials would go somewhere the user did not name. A transport failure is a value, not a throw.
 */
import { createReadStream } from 'node:fs';
import { PassThrough, Transform } from 'node:stream';
import FormData from 'form-data';
import { Agent, request, type Dispatcher } from 'undici';
import type { FormField } from './form.js';
import type { Credentials, ServerAnswer } from '../targets/target.js';
import { VERSION } from '../version.js';

export const USER_AGENT = `molecule-publish/${VERSION} node/${process.versions.node}`;
// uv's Accept: PyPI answers errors as JSON {code, message} when JSON is preferred.
const ACCEPT = 'application/json;q=0.9, text/plain;q=0.8, text/html;q=0.7';
const MAX_ANSWER_BYTES = 1024 * 1024;

export type SendOutcome = { kind: 'answer'; answer: ServerAnswer } | { kind: 'network'; message: string; code?: string };

export interface HttpOptions {
  /** Bounds connecting and any stall while sending or waiting for the answer. */
  timeoutMs: number;
  /** Test seam: undici connect options (e.g. a failing `lookup`). */
  connect?: Record<string, unknown>;
}

export function createDispatcher(options: HttpOptions): Dispatcher {
  return new Agent({
    connect: { timeout: options.timeoutMs, ...options.connect },
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 10_000,
    connections: 8,
  });
}

export function basicAuth(credentials: Credentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}

export interface UploadRequest {
  url: string;
  fields: readonly FormField[];
  file: { path: string; filename: string; size: number };
  credentials: Credentials;
  dispatcher: Dispatcher;
  signal?: AbortSignal;
  onBytes?: (sent: number, total: number) => void;
}

export async function sendUpload(req: UploadRequest): Promise<SendOutcome> {
  // A new form and a newly opened file on every attempt: a stream cannot be replayed.
  const form = new FormData();
  for (const [name, value] of req.fields) form.append(name, value);
  form.append('content', createReadStream(req.file.path), {
    filename: req.file.filename,
    contentType: 'application/octet-stream',
    knownLength: req.file.size,
  });
  const total = form.getLengthSync();
  let sent = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      sent += chunk.length;
      req.onBytes?.(sent, total);
      done(null, chunk);
    },
  });
  const body = new PassThrough({ highWaterMark: 256 * 1024 });
  form.on('error', (err: Error) => body.destroy(err));
  form.pipe(body);
  const stream = body.pipe(counter);
  body.on('error', (err) => counter.destroy(err));

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
      body: stream,
      signal: req.signal,
    });
    return { kind: 'answer', answer: { status: response.statusCode, headers: response.headers, body: await readCapped(response.body) } };
  } catch (err) {
    stream.destroy();
    return networkOutcome(err);
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

/** One line for a transport error; never includes headers (they hold the credentials). */
export function networkOutcome(err: unknown): SendOutcome {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  const messages: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset by the server',
    EPIPE: 'connection closed by the server while sending',
    ENOTFOUND: 'host name not found (DNS)',
    EAI_AGAIN: 'host name lookup failed (DNS)',
    ETIMEDOUT: 'connection timed out',
    UND_ERR_CONNECT_TIMEOUT: 'timed out while connecting',
    UND_ERR_HEADERS_TIMEOUT: 'timed out waiting for the server',
    UND_ERR_BODY_TIMEOUT: 'timed out reading the answer',
    UND_ERR_SOCKET: 'connection closed unexpectedly',
    UND_ERR_ABORTED: 'aborted',
    ABORT_ERR: 'aborted',
  };
  const known = code !== undefined ? messages[code] : undefined;
  const message = known ?? (e.cause?.message || e.message || 'network error');
  return code === undefined ? { kind: 'network', message } : { kind: 'network', message, code };
}
