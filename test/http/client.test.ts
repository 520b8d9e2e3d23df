/**
 * The HTTP client's bounds and answers (src/http/client.ts, src/http/send.ts), against real servers
 * on 127.0.0.1 that misbehave on purpose: a look-up that never ends, an answer that stops half-way,
 * an answer that comes before the body is read, a connection kept alive between requests, and an
 * upload whose memory must not depend on the file's size.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConnectionPool, httpRequest, readText } from '../../src/http/client.js';
import { networkOutcome, sendUpload } from '../../src/http/send.js';
import { makeTempDir } from '../helpers/archives.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});
const temp = makeTempDir();
afterAll(temp.cleanup);

async function serve(handler: http.RequestListener): Promise<{ url: string; connections: () => number }> {
  const server = http.createServer(handler);
  let connections = 0;
  server.on('connection', () => connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connections: () => connections };
}

function message(err: unknown): string {
  const outcome = networkOutcome(err);
  return outcome.kind === 'network' ? outcome.message : 'answer';
}

describe('bounds', () => {
  it('a connection that never comes (a look-up that never answers) ends at the timeout, said as connecting', async () => {
    const pool = new ConnectionPool({ timeoutMs: 300, lookup: () => undefined });
    const started = performance.now();
    const err = await httpRequest('http://registry.invalid/simple/x/', pool, { method: 'GET', headers: {} }).catch((e: unknown) => e);
    pool.close();
    expect(message(err)).toBe('timed out while connecting');
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('an answer that stops half-way ends at the timeout, said as reading the answer', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('only part of it'); // ...and nothing more
    });
    const pool = new ConnectionPool({ timeoutMs: 300 });
    const response = await httpRequest(url, pool, { method: 'GET', headers: {} });
    const err = await readText(response.body, 1024).catch((e: unknown) => e);
    pool.close();
    expect(message(err)).toBe('timed out reading the answer');
  });

  it('a server that takes the request and never answers: the wait is the response timeout, not the connect one', async () => {
    const { url } = await serve(() => undefined);
    const pool = new ConnectionPool({ timeoutMs: 5_000 });
    const started = performance.now();
    const err = await httpRequest(url, pool, { method: 'GET', headers: {}, responseTimeoutMs: 300 }).catch((e: unknown) => e);
    pool.close();
    expect(message(err)).toBe('timed out waiting for the server');
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('the caller can cancel: the request ends as aborted', async () => {
    const { url } = await serve(() => undefined);
    const pool = new ConnectionPool({ timeoutMs: 5_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted by SIGINT')), 100);
    const err = await httpRequest(url, pool, { method: 'GET', headers: {}, signal: controller.signal }).catch((e: unknown) => e);
    pool.close();
    expect(message(err)).toBe('aborted');
  });
});

describe('answers', () => {
  it('an answer that comes before the body is read (an early 413) is the answer, and the file is not sent whole', async () => {
    let received = 0;
    const { url } = await serve((req, res) => {
      req.on('data', (chunk: Buffer) => {
        received += chunk.length;
      });
      res.writeHead(413, { 'content-type': 'text/plain' });
      res.end('enforcePackagesQuota\n');
    });
    const path = join(temp.dir, 'big.whl');
    writeFileSync(path, randomBytes(8 * 1024 * 1024));
    const pool = new ConnectionPool({ timeoutMs: 5_000 });
    const sent = await sendUpload({
      url,
      fields: [['name', 'demo']],
      file: { path, filename: 'big.whl', size: 8 * 1024 * 1024 },
      credentials: { username: 'u', password: 'p' },
      pool,
      stallTimeoutMs: 5_000,
    });
    pool.close();
    expect(sent.outcome).toMatchObject({ kind: 'answer', answer: { status: 413, body: 'enforcePackagesQuota\n' } });
    expect(received).toBeLessThan(8 * 1024 * 1024);
  });

  it('keeps the connection alive between requests to the same server', async () => {
    const server = await serve((_req, res) => res.end('ok'));
    const pool = new ConnectionPool({ timeoutMs: 5_000, connections: 1 });
    for (let i = 0; i < 5; i++) {
      const response = await httpRequest(server.url, pool, { method: 'GET', headers: {} });
      expect(await readText(response.body, 1024)).toBe('ok');
    }
    pool.close();
    expect(server.connections()).toBe(1);
  });

  it('sends the form with an exact length and the digest after the file, whatever the file size', async () => {
    const bodies: Buffer[] = [];
    const { url } = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        bodies.push(body);
        res.statusCode = Number(req.headers['content-length']) === body.length ? 201 : 400;
        res.end();
      });
    });
    const pool = new ConnectionPool({ timeoutMs: 5_000 });
    for (const size of [0, 1, 512 * 1024, 512 * 1024 + 1, 3 * 512 * 1024 + 7]) {
      const bytes = randomBytes(size);
      const path = join(temp.dir, `f-${size}.whl`);
      writeFileSync(path, bytes);
      const sent = await sendUpload({
        url,
        fields: [['name', 'demo']],
        file: { path, filename: `f-${size}.whl`, size },
        credentials: { username: 'u', password: 'p' },
        pool,
      });
      expect(sent.outcome).toMatchObject({ kind: 'answer', answer: { status: 201 } });
      const body = bodies.at(-1) as Buffer;
      // The file's bytes, whole and in order, then the sha256 field.
      expect(body.includes(bytes)).toBe(true);
      expect(body.toString('latin1')).toMatch(new RegExp(`name="sha256_digest"\\r\\n\\r\\n${sent.sha256}\\r\\n--[-0-9a-f]+--\\r\\n$`));
    }
    pool.close();
  });
});

describe('the socket a server closes', () => {
  it('a server that closes the connection without answering: connection closed unexpectedly', async () => {
    const { url } = await serve((req) => (req.socket as Socket).destroy());
    const pool = new ConnectionPool({ timeoutMs: 5_000 });
    const err = await httpRequest(url, pool, { method: 'GET', headers: {} }).catch((e: unknown) => e);
    pool.close();
    expect(message(err)).toBe('connection closed unexpectedly');
  });
});

describe('the pool', () => {
  it('a request waiting for a free connection behind a slow one is not a connect timeout', async () => {
    const { url } = await serve((req, res) => {
      setTimeout(() => res.end(req.url), req.url === '/slow' ? 600 : 0);
    });
    const pool = new ConnectionPool({ timeoutMs: 300, connections: 1 });
    const slow = httpRequest(`${url}/slow`, pool, { method: 'GET', headers: {}, responseTimeoutMs: 2_000 });
    const queued = httpRequest(`${url}/queued`, pool, { method: 'GET', headers: {} });
    expect(await readText((await slow).body, 100)).toBe('/slow');
    expect(await readText((await queued).body, 100)).toBe('/queued');
    pool.close();
  });
});
