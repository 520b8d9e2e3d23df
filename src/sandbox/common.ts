/**
 * Shared plumbing for the sandbox registries (Gitea's PyPI registry and PyPI's legacy upload API): the
 * loopback doubles behind `--rehearse` (see ../rehearse.ts) and the end-to-end tests.
 *
 * Both are real `node:http` servers bound to 127.0.0.1 on an ephemeral port; they print nothing. Every
 * request is recorded; upload POSTs can be disturbed with a queue of {@link FaultPlan}s. Specs:
 * /work/shared/spec/gitea-pypi.md and /work/shared/spec/pypi-upload.md.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHash } from 'node:crypto';

// ---------------------------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------------------------

export interface RecordedRequest {
  method: string;
  /** Request target as sent (path + query string). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Text parts of a multipart (or urlencoded) body, in order. Only set for upload POSTs that parsed. */
  fields?: Array<[string, string]>;
  /** The `content` file part. */
  fileName?: string;
  fileSize?: number;
  fileSha256?: string;
  fileContentType?: string;
  /** Status sent; 0 while pending or when the connection was reset / stalled / aborted without an answer. */
  status: number;
  /** Reason phrase sent (PyPI carries its error message here). */
  statusMessage?: string;
  /** Response body as UTF-8 text (not set for file downloads). */
  responseBody?: string;
  /** Fault applied to this request, if any. */
  fault?: FaultKind;
  /** True when this request stored a file. */
  stored?: boolean;
}

export type FaultKind =
  | 'status'
  | 'reset-before-response'
  | 'reset-mid-body'
  | 'stall'
  | 'stall-mid-body'
  | 'slow-answer'
  | 'redirect'
  | 'retry-after'
  | 'status-after-store';

/**
 * A disturbance applied to upload POSTs only, in injection order. Each entry is used `times` times (default 1),
 * or for every later upload when `always` is set.
 */
export interface FaultPlan {
  kind: FaultKind;
  /** 'status' default 503, 'redirect' default 307, 'retry-after' default 429, 'status-after-store' default 500. */
  status?: number;
  /** Response body (default empty). */
  body?: string;
  /** Reason phrase (default: Node's standard phrase for the status). */
  reason?: string;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** 'redirect': Location (default `${url}/redirected${uploadPath}`). */
  location?: string;
  /** 'retry-after': value of the Retry-After header in seconds (default 1). */
  retryAfterSeconds?: number;
  /**
   * 'stall': how long to hold the request, once its body is read, before destroying the socket;
   * 'stall-mid-body': how long to stop reading the body before destroying the socket;
   * 'slow-answer': how long to take over the answer (as Warehouse does, scanning a big file) before
   * handling the upload normally (default 30 000 ms).
   */
  stallMs?: number;
  times?: number;
  always?: boolean;
}

export interface RegistryFile {
  filename: string;
  /** Stored project/package name (Gitea: `.`/`_` → `-`, case kept; PyPI: the display name). */
  project: string;
  version: string;
  sha256: string;
  blake2_256?: string;
  size: number;
  requiresPython?: string;
}

export interface SeedFile {
  filename: string;
  project: string;
  version: string;
  content: Buffer;
  requiresPython?: string;
}

export interface Registry {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  url: string;
  /** Every request, including GETs, in arrival order. */
  requests: RecordedRequest[];
  /** POSTs to the upload URL only. */
  uploads(): RecordedRequest[];
  files(): RegistryFile[];
  /** Stored bytes of a file (first match by filename, case-insensitive), or undefined. */
  fileContent(filename: string): Buffer | undefined;
  injectFault(f: FaultPlan): void;
  clearFaults(): void;
  /** Pre-populate storage, bypassing every check (e.g. "already there" or "other bytes under the same name"). */
  seedFile(f: SeedFile): void;
  /** Stops the server and destroys open sockets; never hangs. Idempotent. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

/** PEP 503 normalised name: runs of `-`, `_`, `.` become one `-`, lower-cased. */
export function normalizePep503(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function md5Hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

/** Reason phrases must be latin-1 without control characters (Node refuses others); Warehouse maps to '?'. */
export function sanitizeReason(reason: string): string {
  return reason.replace(/[^\t\x20-\x7e\xa0-\xff]/g, '?');
}

// ---------------------------------------------------------------------------------------------------------------
// Multipart / form parsing
// ---------------------------------------------------------------------------------------------------------------

export interface FormPart {
  name: string;
  /** Raw `filename` parameter; a part is a *file* only when this is a non-empty string. */
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export interface ParsedForm {
  parts: FormPart[];
}

export class MultipartError extends Error {}

/** Parses `type/subtype; k=v; k2="v 2"` into a lower-cased type and parameters (keys lower-cased). */
export function parseHeaderParams(value: string): { type: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  let i = value.indexOf(';');
  const type = (i < 0 ? value : value.slice(0, i)).trim().toLowerCase();
  if (i < 0) return { type, params };
  i += 1;
  while (i < value.length) {
    while (i < value.length && (value[i] === ' ' || value[i] === '\t' || value[i] === ';')) i++;
    const eq = value.indexOf('=', i);
    if (eq < 0) break;
    const key = value.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    let val = '';
    if (value[i] === '"') {
      i++;
      while (i < value.length && value[i] !== '"') {
        if (value[i] === '\\' && i + 1 < value.length) i++;
        val += value[i];
        i++;
      }
      i++; // closing quote
      const semi = value.indexOf(';', i);
      i = semi < 0 ? value.length : semi + 1;
    } else {
      const semi = value.indexOf(';', i);
      val = (semi < 0 ? value.slice(i) : value.slice(i, semi)).trim();
      i = semi < 0 ? value.length : semi + 1;
    }
    if (key.endsWith('*')) {
      // RFC 5987 / 2231: charset'lang'pct-encoded
      const m = /^([^']*)'[^']*'(.*)$/.exec(val);
      if (m) {
        try {
          params[key.slice(0, -1)] = decodeURIComponent(m[2] ?? '');
          continue;
        } catch {
          /* fall through */
        }
      }
    }
    if (!(key in params)) params[key] = val;
  }
  return { type, params };
}

/** Parses a multipart/form-data body held in memory. Throws {@link MultipartError} on malformed input. */
export function parseMultipart(body: Buffer, boundary: string): ParsedForm {
  const delim = Buffer.from(`--${boundary}`);
  const crlfDelim = Buffer.from(`\r\n--${boundary}`);
  let pos: number;
  if (body.subarray(0, delim.length).equals(delim)) pos = delim.length;
  else {
    const at = body.indexOf(crlfDelim);
    if (at < 0) throw new MultipartError('multipart: NextPart: EOF');
    pos = at + crlfDelim.length;
  }
  const parts: FormPart[] = [];
  for (;;) {
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return { parts }; // closing "--"
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++; // transport padding
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    else if (body[pos] === 0x0a) pos += 1;
    else throw new MultipartError('multipart: NextPart: EOF');
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    let headersText: string;
    let dataStart: number;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) {
      headersText = '';
      dataStart = pos + 2;
    } else {
      if (headerEnd < 0) throw new MultipartError('multipart: NextPart: EOF');
      headersText = body.subarray(pos, headerEnd).toString('utf8');
      dataStart = headerEnd + 4;
    }
    const next = body.indexOf(crlfDelim, dataStart);
    if (next < 0) throw new MultipartError('multipart: NextPart: EOF');
    const headers: Record<string, string> = {};
    for (const line of headersText.split(/\r\n/)) {
      const c = line.indexOf(':');
      if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
    }
    const disposition = parseHeaderParams(headers['content-disposition'] ?? '');
    const part: FormPart = { name: disposition.params['name'] ?? '', data: body.subarray(dataStart, next) };
    if ('filename' in disposition.params) part.filename = disposition.params['filename'];
    if (headers['content-type'] !== undefined) part.contentType = headers['content-type'];
    parts.push(part);
    pos = next + crlfDelim.length;
    if (pos > body.length) throw new MultipartError('multipart: NextPart: EOF');
  }
}

export function isFilePart(p: FormPart): boolean {
  return typeof p.filename === 'string' && p.filename !== '';
}

/** Text fields of a form, in order. */
export function textFields(form: ParsedForm): Array<[string, string]> {
  return form.parts.filter((p) => !isFilePart(p)).map((p) => [p.name, p.data.toString('utf8')] as [string, string]);
}

// ---------------------------------------------------------------------------------------------------------------
// Fault queue
// ---------------------------------------------------------------------------------------------------------------

export class FaultQueue {
  private entries: Array<{ plan: FaultPlan; remaining: number }> = [];

  push(plan: FaultPlan): void {
    this.entries.push({ plan, remaining: Math.max(1, plan.times ?? 1) });
  }

  clear(): void {
    this.entries = [];
  }

  take(): FaultPlan | undefined {
    const head = this.entries[0];
    if (!head) return undefined;
    if (!head.plan.always) {
      head.remaining -= 1;
      if (head.remaining <= 0) this.entries.shift();
    }
    return head.plan;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Server skeleton
// ---------------------------------------------------------------------------------------------------------------

export interface Reply {
  status: number;
  reason?: string;
  headers?: Record<string, string | number | string[]>;
  body?: string | Buffer;
  /** Do not copy the body into the request log (file downloads). */
  binary?: boolean;
}

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

export function startServer(opts: ServerOptions): Promise<RunningServer> {
  const requests: RecordedRequest[] = [];
  const uploadSet = new WeakSet<RecordedRequest>();
  const faults = new FaultQueue();
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const maxBody = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  let baseUrl = '';

  const write = (res: http.ServerResponse, rec: RecordedRequest, reply: Reply): void => {
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
  };

  const onRequest = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const rec: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: { ...req.headers }, status: 0 };
    requests.push(rec);
    const url = new URL(req.url ?? '/', baseUrl);
    const upload = opts.isUpload(rec.method, url.pathname);
    if (upload) uploadSet.add(rec);
    const fault = upload ? faults.take() : undefined;
    if (fault) rec.fault = fault.kind;

    if (fault?.kind === 'stall-mid-body') {
      // Stop reading: the client's socket buffers fill and its sending stalls.
      req.pause();
      const t = setTimeout(() => {
        timers.delete(t);
        req.socket.destroy();
      }, fault.stallMs ?? 30_000);
      t.unref();
      timers.add(t);
      return;
    }
    const read = await readBody(req, maxBody, fault?.kind === 'reset-mid-body');
    if (read.kind === 'reset' || read.kind === 'aborted') return;
    if (read.kind === 'too-large') {
      write(res, rec, { status: 413, headers: { Connection: 'close' }, body: 'test registry: request body too large\n' });
      res.on('finish', () => req.socket.destroy());
      return;
    }
    const ctx: RequestContext = { req, url, body: read.body, rec, stored: false };
    if (upload) {
      const ct = req.headers['content-type'] ?? '';
      const { type, params } = parseHeaderParams(ct);
      if (type === 'multipart/form-data' && params['boundary']) {
        try {
          ctx.form = parseMultipart(read.body, params['boundary']);
        } catch (e) {
          ctx.formError = e instanceof MultipartError ? e : new MultipartError(String(e));
        }
      } else if (type === 'application/x-www-form-urlencoded') {
        ctx.form = {
          parts: [...new URLSearchParams(read.body.toString('utf8'))].map(([name, value]) => ({ name, data: Buffer.from(value, 'utf8') })),
        };
      }
      if (ctx.form) {
        rec.fields = textFields(ctx.form);
        const content = ctx.form.parts.find((p) => p.name === 'content' && isFilePart(p));
        if (content) {
          rec.fileName = content.filename;
          rec.fileSize = content.data.length;
          rec.fileSha256 = sha256Hex(content.data);
          if (content.contentType !== undefined) rec.fileContentType = content.contentType;
        }
      }
    }

    const extra = fault?.headers ?? {};
    switch (fault?.kind) {
      case 'status':
        write(res, rec, { status: fault.status ?? 503, reason: fault.reason, headers: extra, body: fault.body ?? '' });
        return;
      case 'reset-before-response':
        req.socket.resetAndDestroy();
        return;
      case 'stall': {
        const t = setTimeout(() => {
          timers.delete(t);
          req.socket.destroy();
        }, fault.stallMs ?? 30_000);
        t.unref();
        timers.add(t);
        return;
      }
      case 'redirect':
        write(res, rec, {
          status: fault.status ?? 307,
          reason: fault.reason,
          headers: { Location: fault.location ?? opts.defaultRedirect(ctx), ...extra },
          body: fault.body ?? '',
        });
        return;
      case 'retry-after':
        write(res, rec, {
          status: fault.status ?? 429,
          reason: fault.reason,
          headers: { 'Retry-After': String(fault.retryAfterSeconds ?? 1), ...extra },
          body: fault.body ?? '',
        });
        return;
      case 'slow-answer':
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            timers.delete(t);
            resolve();
          }, fault.stallMs ?? 30_000);
          timers.add(t);
        });
        if (req.socket.destroyed) return;
        break;
      default:
        break;
    }

    let reply: Reply;
    try {
      reply = await opts.handle(ctx);
    } catch (e) {
      reply = { status: 500, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: `test registry crashed: ${String(e)}\n` };
    }
    if (ctx.stored) rec.stored = true;
    if (fault?.kind === 'status-after-store' && ctx.stored) {
      reply = { status: fault.status ?? 500, reason: fault.reason, headers: extra, body: fault.body ?? '' };
    }
    write(res, rec, reply);
  };

  const server = http.createServer((req, res) => {
    onRequest(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.close(() => resolve());
      server.closeAllConnections();
      for (const s of sockets) s.destroy();
      sockets.clear();
    });
    return closing;
  };

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      // Silent for good: a later server error must not become an uncaught exception (and a stack trace).
      server.on('error', () => undefined);
      const { port } = server.address() as AddressInfo;
      baseUrl = `http://127.0.0.1:${port}`;
      resolve({ url: baseUrl, requests, uploads: () => requests.filter((r) => uploadSet.has(r)), faults, close });
    });
  });
}
