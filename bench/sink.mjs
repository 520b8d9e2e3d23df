// A loopback "sink" registry for the benchmark: Gitea's PyPI upload and simple-index routes,
// nothing stored but the sha256 of each accepted file.
//
//   POST /api/packages/OWNER/pypi[/]                 multipart upload, streamed: the `content` part is
//                                                     hashed (sha256) as it arrives and checked against the
//                                                     `sha256_digest` field, in whichever order they come
//   GET  /api/packages/OWNER/pypi/simple/NAME[/]     PEP 503 page listing the accepted files with #sha256=
//   GET  /__sink/stats     POST /__sink/reset     POST /__sink/config?delayMs=100&status=201   (bench control)
//
// Use in-process (`startSink()`), or standalone: `node bench/sink.mjs [--port N] [--delay-ms N] [--status 201]`
// prints `{"url": ...}` on its first stdout line and serves until SIGTERM/SIGINT (or, with
// `--exit-with-stdin`, until its stdin closes).
import { createHash } from 'node:crypto';
import http from 'node:http';
import { pathToFileURL } from 'node:url';

const CRLF = Buffer.from('\r\n');
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_FIELD_BYTES = 1024 * 1024;

/**
 * A streaming multipart/form-data scanner: never holds more than one chunk plus a delimiter's length.
 * Callbacks: onPartStart(headers: string), onPartData(Buffer), onPartEnd(); error() on malformed input.
 */
export class MultipartScanner {
  #delim;
  #state = 'preamble'; // preamble | afterDelim | headers | body | epilogue
  #carry; // tail held back while looking for the delimiter (body/preamble), or pending bytes (afterDelim/headers)
  #handlers;
  done = false;

  constructor(boundary, handlers) {
    this.#delim = Buffer.from(`\r\n--${boundary}`, 'latin1');
    // A virtual CRLF in front, so that a body starting with `--boundary` matches the delimiter.
    this.#carry = Buffer.from(CRLF);
    this.#handlers = handlers;
  }

  write(chunk) {
    let buf = chunk;
    while (buf.length > 0) {
      switch (this.#state) {
        case 'preamble':
        case 'body':
          buf = this.#scanBody(buf);
          break;
        case 'afterDelim': {
          const pending = this.#carry.length ? Buffer.concat([this.#carry, buf]) : buf;
          let i = 0;
          while (i < pending.length && (pending[i] === 0x20 || pending[i] === 0x09)) i++; // transport padding
          if (pending.length - i < 2) {
            this.#carry = Buffer.from(pending);
            return;
          }
          this.#carry = Buffer.alloc(0);
          if (pending[i] === 0x2d && pending[i + 1] === 0x2d) {
            this.#state = 'epilogue';
            this.done = true;
            return;
          }
          if (pending[i] !== 0x0d || pending[i + 1] !== 0x0a) throw new Error('malformed multipart: bad delimiter line');
          this.#state = 'headers';
          buf = pending.subarray(i + 2);
          break;
        }
        case 'headers': {
          const pending = this.#carry.length ? Buffer.concat([this.#carry, buf]) : buf;
          let end;
          let skip;
          if (pending.length >= 2 && pending[0] === 0x0d && pending[1] === 0x0a) {
            end = 0; // no headers at all
            skip = 2;
          } else {
            end = pending.indexOf('\r\n\r\n', 0, 'latin1');
            skip = 4;
          }
          if (end === -1) {
            if (pending.length > MAX_HEADER_BYTES) throw new Error('malformed multipart: part headers too long');
            this.#carry = Buffer.from(pending);
            return;
          }
          this.#handlers.onPartStart(pending.subarray(0, end).toString('utf8'));
          this.#carry = Buffer.alloc(0);
          this.#state = 'body';
          buf = pending.subarray(end + skip);
          break;
        }
        case 'epilogue':
          return;
      }
    }
  }

  end() {
    if (!this.done) throw new Error('malformed multipart: body ended before the closing delimiter');
  }

  #emit(data) {
    if (this.#state === 'body' && data.length > 0) this.#handlers.onPartData(data);
  }

  #found() {
    if (this.#state === 'body') this.#handlers.onPartEnd();
    this.#state = 'afterDelim';
  }

  /** Looks for the delimiter in carry+buf; emits what cannot be part of one; returns what is left of buf. */
  #scanBody(buf) {
    const d = this.#delim;
    const keep = d.length - 1;
    if (this.#carry.length > 0) {
      const head = buf.subarray(0, keep);
      const comb = Buffer.concat([this.#carry, head]);
      const i = comb.indexOf(d);
      if (i !== -1) {
        // A match cannot lie wholly inside `head` (shorter than the delimiter): it starts in the carry.
        this.#emit(comb.subarray(0, i));
        const consumed = i + d.length - this.#carry.length;
        this.#carry = Buffer.alloc(0);
        this.#found();
        return buf.subarray(consumed);
      }
      if (buf.length < keep) {
        const cut = Math.max(0, comb.length - keep);
        this.#emit(comb.subarray(0, cut));
        this.#carry = Buffer.from(comb.subarray(cut));
        return buf.subarray(buf.length);
      }
      this.#emit(this.#carry);
      this.#carry = Buffer.alloc(0);
    }
    const i = buf.indexOf(d);
    if (i !== -1) {
      this.#emit(buf.subarray(0, i));
      this.#found();
      return buf.subarray(i + d.length);
    }
    const cut = Math.max(0, buf.length - keep);
    this.#emit(buf.subarray(0, cut));
    this.#carry = Buffer.from(buf.subarray(cut));
    return buf.subarray(buf.length);
  }
}

function dispositionParam(headers, param) {
  const line = headers.split('\r\n').find((l) => /^content-disposition\s*:/i.test(l));
  if (!line) return undefined;
  const re = new RegExp(`(?:^|;)\\s*${param}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i');
  const m = re.exec(line.slice(line.indexOf(':') + 1));
  if (!m) return undefined;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
}

const giteaName = (name) => name.replace(/[._]/g, '-').toLowerCase();
const htmlEscape = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#39;');

/**
 * Starts the sink on 127.0.0.1 (port 0 by default). Returns { url, port, stats(), reset(), configure(), close() }.
 * Options: delayMs (wait before answering an upload), status (201 like Gitea, or 200), owner check off.
 */
export async function startSink(options = {}) {
  const config = { delayMs: options.delayMs ?? 0, status: options.status ?? 201 };
  /** project -> Map(filename -> sha256) */
  let projects = new Map();
  let stats;
  let inFlight = 0;
  const resetStats = () => {
    stats = {
      uploads: 0,
      accepted: 0,
      rejected: 0,
      digestMismatches: 0,
      bytesReceived: 0,
      fileBytes: 0,
      indexReads: 0,
      digestAfterContent: 0,
      maxUploadsInFlight: 0,
      // Epoch milliseconds (Date.now()), for a timeline of the client's run.
      firstRequestAt: null,
      firstUploadAt: null,
      lastUploadDoneAt: null,
      lastRequestDoneAt: null,
      errors: [],
    };
    inFlight = 0;
  };
  resetStats();

  const reject = (res, status, message) => {
    stats.rejected++;
    if (stats.errors.length < 20) stats.errors.push(`${status} ${message}`);
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
    res.end(`${message}\n`);
  };

  const handleUpload = (req, res) => {
    stats.uploads++;
    stats.firstUploadAt ??= Date.now();
    inFlight++;
    stats.maxUploadsInFlight = Math.max(stats.maxUploadsInFlight, inFlight);
    const counted = stats;
    let left = false;
    const leave = () => {
      if (left || counted !== stats) return; // a reset in between starts a new count
      left = true;
      inFlight--;
      stats.lastUploadDoneAt = Date.now();
    };
    res.on('finish', leave);
    res.on('close', leave);
    const type = req.headers['content-type'] ?? '';
    const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(type);
    if (!/^multipart\/form-data/i.test(type) || !boundary) {
      req.resume();
      return reject(res, 400, 'expected multipart/form-data with a boundary');
    }
    if (!/^basic /i.test(req.headers.authorization ?? '')) {
      req.resume();
      return reject(res, 401, 'basic authentication required');
    }
    const fields = new Map();
    const file = { filename: undefined, sha256: undefined, size: 0 };
    let part; // { kind: 'file', hash } | { kind: 'field', name, chunks, size }
    let failure;
    let digestSeenAfterContent = false;
    const scanner = new MultipartScanner(boundary[1] ?? boundary[2], {
      onPartStart(headers) {
        const name = dispositionParam(headers, 'name') ?? '';
        const filename = dispositionParam(headers, 'filename');
        if (name === 'content' || filename !== undefined) {
          if (file.sha256 !== undefined || part?.kind === 'file') throw new Error('more than one file part');
          file.filename = filename;
          part = { kind: 'file', hash: createHash('sha256') };
        } else {
          part = { kind: 'field', name, chunks: [], size: 0 };
        }
      },
      onPartData(data) {
        if (part.kind === 'file') {
          part.hash.update(data);
          file.size += data.length;
        } else {
          part.size += data.length;
          if (part.size > MAX_FIELD_BYTES) throw new Error(`field ${part.name} too long`);
          part.chunks.push(Buffer.from(data));
        }
      },
      onPartEnd() {
        if (part.kind === 'file') {
          file.sha256 = part.hash.digest('hex');
        } else {
          const value = Buffer.concat(part.chunks).toString('utf8');
          if (!fields.has(part.name)) fields.set(part.name, value);
          if (part.name === 'sha256_digest' && file.sha256 !== undefined) digestSeenAfterContent = true;
        }
        part = undefined;
        // Compare as soon as both are known, whichever came first.
        const expected = fields.get('sha256_digest');
        if (expected !== undefined && file.sha256 !== undefined && expected.trim().toLowerCase() !== file.sha256) {
          throw Object.assign(new Error(`sha256 mismatch: form says ${expected}, content hashes to ${file.sha256}`), { mismatch: true });
        }
      },
    });
    req.on('data', (chunk) => {
      stats.bytesReceived += chunk.length;
      if (failure) return;
      try {
        scanner.write(chunk);
      } catch (err) {
        failure = err;
      }
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (!failure) {
        try {
          scanner.end();
        } catch (err) {
          failure = err;
        }
      }
      if (failure) {
        if (failure.mismatch) stats.digestMismatches++;
        return reject(res, 400, failure.message);
      }
      const expected = fields.get('sha256_digest');
      const name = fields.get('name');
      if (file.sha256 === undefined || !file.filename) return reject(res, 400, 'no content part with a file name');
      if (expected === undefined) return reject(res, 400, 'sha256_digest missing');
      if (!name || !fields.get('version')) return reject(res, 400, 'name or version missing');
      if (digestSeenAfterContent) stats.digestAfterContent++;
      stats.accepted++;
      stats.fileBytes += file.size;
      const project = giteaName(name);
      if (!projects.has(project)) projects.set(project, new Map());
      projects.get(project).set(file.filename, file.sha256);
      const answer = () => {
        res.writeHead(config.status, { 'content-type': 'text/plain; charset=utf-8' });
        res.end();
      };
      if (config.delayMs > 0) setTimeout(answer, config.delayMs);
      else answer();
    });
  };

  const handleIndex = (res, project) => {
    stats.indexReads++;
    const files = projects.get(giteaName(decodeURIComponent(project)));
    if (!files || files.size === 0) {
      res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' });
      return res.end('{"errors":[{"message":""}]}\n');
    }
    let html = `<!DOCTYPE html>\n<html>\n\t<head>\n\t\t<title>Links for ${htmlEscape(project)}</title>\n\t</head>\n\t<body>\n\t\t<h1>Links for ${htmlEscape(project)}</h1>\n`;
    for (const [filename, sha256] of files) {
      html += `\t\t<a href="/files/${encodeURIComponent(filename)}#sha256=${sha256}">${htmlEscape(filename)}</a><br>\n`;
    }
    html += '\t</body>\n</html>\n';
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  };

  const server = http.createServer({ requestTimeout: 15 * 60_000, headersTimeout: 60_000, keepAliveTimeout: 10_000 }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://sink');
    const path = url.pathname;
    let m;
    if (!path.startsWith('/__sink/')) {
      stats.firstRequestAt ??= Date.now();
      res.on('finish', () => {
        stats.lastRequestDoneAt = Date.now();
      });
    }
    if (path.startsWith('/__sink/')) {
      req.resume();
      if (path === '/__sink/reset' && req.method === 'POST') {
        projects = new Map();
        resetStats();
      } else if (path === '/__sink/config' && req.method === 'POST') {
        if (url.searchParams.has('delayMs')) config.delayMs = Number(url.searchParams.get('delayMs')) || 0;
        if (url.searchParams.has('status')) config.status = Number(url.searchParams.get('status')) || 201;
      } else if (path !== '/__sink/stats') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ...stats, config }));
      return;
    }
    if (req.method === 'POST' && /^\/api\/packages\/[^/]+\/pypi\/?$/.test(path)) return handleUpload(req, res);
    m = /^\/api\/packages\/[^/]+\/pypi\/simple\/([^/]+)\/?$/.exec(path);
    if ((req.method === 'GET' || req.method === 'HEAD') && m) {
      req.resume();
      return handleIndex(res, m[1]);
    }
    req.resume();
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stats: () => ({ ...stats, config: { ...config } }),
    reset: () => {
      projects = new Map();
      resetStats();
    },
    configure: (c) => Object.assign(config, c),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const arg = (name, fallback) => {
    const i = args.indexOf(name);
    return i === -1 ? fallback : args[i + 1];
  };
  const sink = await startSink({ port: Number(arg('--port', '0')), delayMs: Number(arg('--delay-ms', '0')), status: Number(arg('--status', '201')) });
  process.stdout.write(`${JSON.stringify({ url: sink.url })}\n`);
  const stop = async () => {
    await sink.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (args.includes('--exit-with-stdin')) {
    // Started by the bench with a pipe: if the bench dies, so does the sink.
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.resume();
  }
}
