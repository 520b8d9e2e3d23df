/**
 * The loopback server under both doubles: a real `node:http` server bound to 127.0.0.1 on an ephemeral port that
 * prints nothing. It reads each body into memory (413 past a cap), parses the form of upload POSTs, and hands
 * the request to the double's handler. Every request is recorded and upload POSTs go through the fault queue
 * (both test-only, ../testing/); with no fault queued they change nothing.
 * Specs: /work/shared/spec/gitea-pypi.md and /work/shared/spec/pypi-upload.md.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FaultQueue, FaultTimers, faultAfterHandler, faultBeforeHandler, stallMidBody } from '../testing/faults.js';
import { recordUploadForm, RequestLog, type RecordedRequest } from '../testing/recording.js';
import { parseUploadForm, type MultipartError, type ParsedForm } from './multipart.js';
import { sanitizeReason, type Reply } from './reply.js';

export interface RequestContext {
  req: http.IncomingMessage;
  url: URL;
  body: Buffer;
  rec: RecordedRequest;
  /** Set for upload POSTs with a multipart body that parsed. */
  form?: ParsedForm;
  formError?: MultipartError;
  /** The handler sets this when it stored a file (used by 'status-after-store'). */
  stored: boolean;
}

export interface ServerOptions {
  /** Is this request an upload POST (faults apply, form gets parsed and recorded)? */
  isUpload(method: string, pathname: string): boolean;
  handle(ctx: RequestContext): Promise<Reply>;
  /** Default Location for 'redirect' faults. */
  defaultRedirect(ctx: RequestContext): string;
  maxBodyBytes?: number;
}

export interface RunningServer {
  url: string;
  requests: RecordedRequest[];
  uploads(): RecordedRequest[];
  faults: FaultQueue;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY = 2 * 1024 * 1024 * 1024;

type BodyResult = { kind: 'ok'; body: Buffer } | { kind: 'too-large' } | { kind: 'reset' } | { kind: 'aborted' };

/** Reads the whole body; with `resetMidBody` (a test fault) resets the connection halfway instead. */
function readBody(req: http.IncomingMessage, maxBytes: number, resetMidBody: boolean): Promise<BodyResult> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length']);
    const hasLength = req.headers['content-length'] !== undefined && Number.isFinite(declared);
    if (hasLength && declared > maxBytes) {
      resolve({ kind: 'too-large' });
      return;
    }
    // 'reset-mid-body': once about half of the declared body (or the first chunk of a chunked one) has arrived.
    const resetAt = hasLength ? Math.floor(declared / 2) : 1;
    if (resetMidBody && resetAt <= 0) {
      req.socket.resetAndDestroy();
      resolve({ kind: 'reset' });
      return;
    }
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    const finish = (r: BodyResult): void => {
      if (done) return;
      done = true;
      resolve(r);
    };
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      total += chunk.length;
      if (resetMidBody && total >= resetAt) {
        req.socket.resetAndDestroy();
        finish({ kind: 'reset' });
        return;
      }
      if (total > maxBytes) {
        req.pause();
        finish({ kind: 'too-large' });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => finish({ kind: 'ok', body: Buffer.concat(chunks, total) }));
    req.on('error', () => finish({ kind: 'aborted' }));
    req.on('close', () => finish({ kind: 'aborted' }));
  });
}

/** Sends a reply (once) and notes its status, reason and text body in the request's record. */
function writeReply(res: http.ServerResponse, rec: RecordedRequest, reply: Reply): void {
  if (res.destroyed || res.headersSent) return;
  const body = reply.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(reply.body) ? reply.body : Buffer.from(reply.body, 'utf8');
  res.statusCode = reply.status;
  res.statusMessage = sanitizeReason(reply.reason ?? http.STATUS_CODES[reply.status] ?? 'Unknown');
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  if (reply.status !== 204 && reply.status !== 304) res.setHeader('Content-Length', body.length);
  rec.status = reply.status;
  rec.statusMessage = res.statusMessage;
  if (!reply.binary) rec.responseBody = body.toString('utf8');
  res.end(reply.status === 204 || reply.status === 304 ? undefined : body);
}

/** Parses an upload's form into the context (and its record); a malformed multipart body becomes `formError`. */
function readUploadForm(ctx: RequestContext): void {
  const { form, error } = parseUploadForm(ctx.req.headers['content-type'] ?? '', ctx.body);
  if (error) ctx.formError = error;
  if (form) {
    ctx.form = form;
    recordUploadForm(ctx.rec, form);
  }
}

/** The double's handler; a crash becomes a 500 with the error's text instead of a dropped connection. */
async function handleSafely(opts: ServerOptions, ctx: RequestContext): Promise<Reply> {
  try {
    return await opts.handle(ctx);
  } catch (e) {
    return { status: 500, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: `test registry crashed: ${String(e)}\n` };
  }
}

export function startServer(opts: ServerOptions): Promise<RunningServer> {
  const log = new RequestLog();
  const faults = new FaultQueue();
  const timers = new FaultTimers();
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  let baseUrl = '';

  const onRequest = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const rec = log.open(req);
    const url = new URL(req.url ?? '/', baseUrl);
    const upload = opts.isUpload(rec.method, url.pathname);
    if (upload) log.markUpload(rec);
    const fault = upload ? faults.take() : undefined;
    if (fault) rec.fault = fault.kind;
    if (stallMidBody(fault, req, timers)) return;

    const read = await readBody(req, maxBody, fault?.kind === 'reset-mid-body');
    if (read.kind === 'reset' || read.kind === 'aborted') return;
    if (read.kind === 'too-large') {
      writeReply(res, rec, { status: 413, headers: { Connection: 'close' }, body: 'test registry: request body too large\n' });
      res.on('finish', () => req.socket.destroy());
      return;
    }
    const ctx: RequestContext = { req, url, body: read.body, rec, stored: false };
    if (upload) readUploadForm(ctx);

    const early = await faultBeforeHandler(fault, req, timers, () => opts.defaultRedirect(ctx));
    if (early === 'handled') return;
    if (early !== 'continue') {
      writeReply(res, rec, early.reply);
      return;
    }
    const reply = await handleSafely(opts, ctx);
    if (ctx.stored) rec.stored = true;
    writeReply(res, rec, faultAfterHandler(fault, ctx.stored, reply));
  };

  const server = http.createServer((req, res) => {
    onRequest(req, res).catch(() => res.destroy());
  });
  const close = closerOf(server, timers);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      // Silent for good: a later server error must not become an uncaught exception (and a stack trace).
      server.on('error', () => undefined);
      const { port } = server.address() as AddressInfo;
      baseUrl = `http://127.0.0.1:${port}`;
      resolve({ url: baseUrl, requests: log.requests, uploads: () => log.uploads(), faults, close });
    });
  });
}

/** Tracks the server's sockets; the returned `close` destroys them and pending fault timers, so it never hangs. Idempotent. */
function closerOf(server: http.Server, timers: FaultTimers): () => Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  let closing: Promise<void> | undefined;
  return () => {
    closing ??= new Promise<void>((resolve) => {
      timers.clear();
      server.close(() => resolve());
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      sockets.clear();
    });
    return closing;
  };
}
