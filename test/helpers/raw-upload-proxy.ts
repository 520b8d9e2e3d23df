/**
 * A loopback proxy in front of a test registry that answers upload POSTs with raw bytes the test
 * registries cannot produce (they always send a well-formed answer): a response cut short (headers
 * announce more body than is sent, then the connection closes), an empty 5xx delimited by the end of
 * the connection, or bytes that are not HTTP at all. Everything else (the simple index, downloads)
 * is passed through unchanged, so the engine's index look-ups see the real registry.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type RawFault =
  /** Forward the upload (the registry stores it), then send its status with a Content-Length 64 bytes too large, a partial body, and close. */
  | 'truncated-after-store'
  /** Do not forward (nothing stored); send `201 Created` with Content-Length 64 and 7 bytes of body, and close. */
  | 'truncated-unstored'
  /** Do not forward; send `502 Bad Gateway` with no Content-Length and no body, and close (body ends at EOF: empty). */
  | 'empty-5xx-eof'
  /** Do not forward; send bytes that are not an HTTP response, and close. */
  | 'not-http';

export interface RawUploadProxy {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  url: string;
  /** Upload POSTs that reached the proxy. */
  uploads: number;
  /** Upload POSTs forwarded to the registry. */
  forwarded: number;
  close(): Promise<void>;
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function forward(
  upstream: URL,
  req: http.IncomingMessage,
  body: Buffer,
): Promise<{ status: number; reason: string; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, host: upstream.host };
    const out = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (res) => {
      readAll(res).then((b) => resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', headers: res.headers, body: b }), reject);
    });
    out.on('error', reject);
    out.end(body);
  });
}

/** Ends the connection after `data`, bypassing node:http's response writer (raw bytes on the socket). */
function rawEnd(socket: Socket, data: string | Buffer): void {
  socket.end(data);
  setTimeout(() => socket.destroy(), 200).unref();
}

export async function startRawUploadProxy(
  upstreamUrl: string,
  isUpload: (method: string, pathname: string) => boolean,
  fault: RawFault,
): Promise<RawUploadProxy> {
  const upstream = new URL(upstreamUrl);
  const sockets = new Set<Socket>();
  const state = { uploads: 0, forwarded: 0 };

  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const pathname = new URL(req.url ?? '/', 'http://proxy').pathname;
      if (!isUpload(req.method ?? 'GET', pathname)) {
        const answer = await forward(upstream, req, body);
        const headers = { ...answer.headers };
        delete headers['transfer-encoding'];
        headers['content-length'] = String(answer.body.length);
        res.writeHead(answer.status, answer.reason, headers);
        res.end(answer.body);
        return;
      }
      state.uploads++;
      const socket = req.socket;
      switch (fault) {
        case 'truncated-after-store': {
          state.forwarded++;
          const answer = await forward(upstream, req, body);
          const partial = Buffer.concat([answer.body, Buffer.from('partial')]);
          rawEnd(
            socket,
            Buffer.concat([
              Buffer.from(`HTTP/1.1 ${answer.status} ${answer.reason}\r\nContent-Type: text/plain\r\nContent-Length: ${partial.length + 64}\r\n\r\n`, 'latin1'),
              partial,
            ]),
          );
          return;
        }
        case 'truncated-unstored':
          rawEnd(socket, 'HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nContent-Length: 64\r\n\r\npartial');
          return;
        case 'empty-5xx-eof':
          rawEnd(socket, 'HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n');
          return;
        case 'not-http':
          rawEnd(socket, 'SSH-2.0-OpenSSH_9.2p1 this is not an HTTP server\r\n');
          return;
      }
    })().catch(() => res.destroy());
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    get uploads() {
      return state.uploads;
    },
    get forwarded() {
      return state.forwarded;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
        sockets.clear();
      });
      return closing;
    },
  };
}
