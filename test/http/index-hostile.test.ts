/**
 * Index pages as a broken proxy, a misconfigured CDN or a hostile host serves them (issue 19), each
 * generated here and each read within bounds: deep nesting read in linear time, a page that drips
 * given up at its deadline, a compressed answer decoded within the cap (a bomb stopped at it) or
 * refused naming its encoding, a huge unterminated tag skipped past, an interruption answered at
 * once, and no long synchronous stretch while a page is read. Memory is measured in a child process
 * (test/e2e/hostile-index.test.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionPool } from '../../src/http/client.js';
import { AnchorScanner, feedPage, INDEX_PAGE_CAP, readIndex, type IndexLookup } from '../../src/http/index-reader.js';

const HEX = 'ab'.repeat(32);
const FILE = 'p-1.0.tar.gz';
const ANCHOR = `<a href="/files/p/1.0/${FILE}#sha256=${HEX}">${FILE}</a>`;

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const routes = new Map<string, Handler>();
const requests: http.IncomingHttpHeaders[] = [];
let server: http.Server;
let base: string;
const pool = new ConnectionPool({ timeoutMs: 10_000 });

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests.push(req.headers);
    const route = routes.get(req.url ?? '');
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple/`;
});
afterAll(async () => {
  pool.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Serves `body` for project `name` (written in 64 KiB pieces, as a server streams it). */
function serve(name: string, body: Buffer | string, headers: Record<string, string> = {}): void {
  routes.set(`/simple/${name}/`, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html', ...headers });
    const bytes = Buffer.from(body);
    for (let i = 0; i < bytes.length; i += 65_536) res.write(bytes.subarray(i, i + 65_536));
    res.end();
  });
}

const read = (project: string, extra: { cap?: number; timeoutMs?: number; signal?: AbortSignal } = {}) =>
  readIndex({ indexUrl: base, project, uploadUrl: base, credentials: undefined, pool, want: { files: new Set([FILE]) }, ...extra });

async function timed(run: () => Promise<IndexLookup>): Promise<{ lookup: IndexLookup; ms: number }> {
  const started = performance.now();
  const lookup = await run();
  return { lookup, ms: performance.now() - started };
}

const found = (lookup: IndexLookup) => (lookup.kind === 'found' ? lookup.files.get(FILE)?.sha256 : lookup);

describe('nesting: time linear in the page', () => {
  it('400,000 unclosed <div> (2 MB) before the file: read within 10 s (htmlparser2 took 51 s), the file found', async () => {
    const page = `<html><body>${'<div>'.repeat(400_000)}${ANCHOR}`;
    expect(page.length).toBeGreaterThan(2_000_000);
    serve('nested', page);
    const { lookup, ms } = await timed(() => read('nested'));
    expect(found(lookup)).toBe(HEX);
    expect(ms).toBeLessThan(10_000);
  });

  it('400,000 nested anchors, open tags of every kind, and unclosed attribute-laden tags: each read within 10 s', async () => {
    const pages = {
      anchors: `${'<a href="/x">'.repeat(400_000)}${ANCHOR}`,
      mixed: `${'<div><span><b><table><tr><td><ul><li>'.repeat(60_000)}${ANCHOR}`,
      attributes: `${'<p a=1 b="2" c=\'3\' d>'.repeat(150_000)}${ANCHOR}`,
      comments: `${'<!-- <a href=/x> -- -'.repeat(100_000)} -->${ANCHOR}`,
    };
    for (const [name, page] of Object.entries(pages)) {
      serve(name, page);
      const { lookup, ms } = await timed(() => read(name));
      expect(found(lookup), name).toBe(HEX);
      expect(ms, name).toBeLessThan(10_000);
    }
  });

  it('a 10 MB tag that never ends (an unclosed quote) is skipped past with bounded state; the file after a 10 MB href or text is found', async () => {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    serve('unterminated', `<html><a href="${huge}`);
    const { lookup, ms } = await timed(() => read('unterminated'));
    expect(lookup).toMatchObject({ kind: 'found', listed: 0 });
    expect(ms).toBeLessThan(10_000);
    serve('long-href', `<a href="${huge}">x</a><a href=/y>${huge}</a><${huge}>${ANCHOR}`);
    expect(found(await read('long-href'))).toBe(HEX);

    // What the tokenizer carries between chunks stays under its cap whatever it is fed.
    const scanner = new AnchorScanner(() => undefined);
    scanner.write('<a href="');
    for (let i = 0; i < 100; i++) scanner.write('y'.repeat(100_000));
    const state = scanner as unknown as { value: string; text: string };
    expect(state.value.length).toBeLessThanOrEqual(64 * 1024);
  });
});

describe('the deadline', () => {
  it('a page that drips a byte every 100 ms (the stall timeout never fires) ends at its deadline with a message', async () => {
    routes.set('/simple/drip/', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      const timer = setInterval(() => res.write('<'), 100);
      res.on('close', () => clearInterval(timer));
    });
    const { lookup, ms } = await timed(() => read('drip', { timeoutMs: 1_000 }));
    expect(lookup).toEqual({
      kind: 'error',
      message: expect.stringMatching(
        /^index http:\/\/127\.0\.0\.1:\d+\/simple\/drip\/ was not read within 1 s \(the server sends it too slowly\): \d+ byte\(s\) had come; --index-timeout sets the limit$/,
      ),
    });
    expect(ms).toBeGreaterThanOrEqual(990);
    expect(ms).toBeLessThan(3_000);
  });

  it('a server that never answers is given up at the deadline too', async () => {
    routes.set('/simple/silent/', () => undefined);
    const { lookup, ms } = await timed(() => read('silent', { timeoutMs: 500 }));
    expect(lookup).toMatchObject({ kind: 'error', message: expect.stringContaining('was not read within 0.5 s') });
    expect(ms).toBeLessThan(2_500);
  });

  it('an interruption during a slow page ends the read at once', async () => {
    routes.set('/simple/slow/', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      const timer = setInterval(() => res.write('<div>'.repeat(1_000)), 10);
      res.on('close', () => clearInterval(timer));
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted by SIGTERM')), 300);
    const { lookup, ms } = await timed(() => read('slow', { signal: controller.signal }));
    expect(lookup).toEqual({ kind: 'error', message: expect.stringMatching(/\/simple\/slow\/: interrupted$/) });
    expect(ms).toBeLessThan(1_300);
  });
});

describe('Content-Encoding', () => {
  const page = `<html><body>${'<a href="/x">x</a>\n'.repeat(1_000)}${ANCHOR}</body></html>`;

  it('asks for identity; a gzip, deflate or br answer is decoded and its file found', async () => {
    serve('gz', gzipSync(page), { 'content-encoding': 'gzip' });
    serve('zz', deflateSync(page), { 'content-encoding': 'Deflate' });
    serve('br', brotliCompressSync(page), { 'content-encoding': 'br' });
    serve('both', brotliCompressSync(gzipSync(page)), { 'content-encoding': 'gzip, identity, br' });
    requests.length = 0;
    for (const name of ['gz', 'zz', 'br', 'both']) expect(found(await read(name)), name).toBe(HEX);
    expect(requests.map((h) => h['accept-encoding'])).toEqual(['identity', 'identity', 'identity', 'identity']);
  });

  it('an encoding it does not decode is refused, naming it (before, the file was said not to be listed)', async () => {
    serve('zstd', Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3]), { 'content-encoding': 'zstd' });
    expect(await read('zstd')).toEqual({
      kind: 'error',
      message: expect.stringMatching(
        /\/simple\/zstd\/ came with Content-Encoding: zstd although identity was asked for: not read \(only gzip, deflate and br are decoded\)$/,
      ),
    });
  });

  it('a gzip bomb stops at the cap on the decoded size; a corrupt stream is an error naming the encoding', async () => {
    // 80 MiB of markup in 80 KB: refused at 64 MiB decoded, without holding it.
    const bomb = gzipSync(Buffer.alloc(80 * 1024 * 1024, '<div>'), { level: 9 });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    serve('bomb', bomb, { 'content-encoding': 'gzip' });
    const { lookup, ms } = await timed(() => read('bomb'));
    expect(lookup).toEqual({
      kind: 'error',
      message: expect.stringMatching(/\/simple\/bomb\/ is larger than 64 MiB once decoded \(Content-Encoding: gzip\): not read$/),
    });
    expect(ms).toBeLessThan(10_000);
    expect(await read('bomb', { cap: 1024 * 1024 })).toMatchObject({ message: expect.stringContaining('is larger than 1 MiB once decoded') });

    serve('corrupt', Buffer.concat([gzipSync(page).subarray(0, 100), Buffer.from('not gzip at all')]), { 'content-encoding': 'gzip' });
    expect(await read('corrupt')).toEqual({
      kind: 'error',
      message: expect.stringMatching(/\/simple\/corrupt\/ came with Content-Encoding: gzip, which could not be decoded \(.+\)$/),
    });
  });
});

describe('signals during a read', () => {
  it('no synchronous stretch over ~50 ms, even for a 64 MiB page that comes as one chunk', async () => {
    const page = Buffer.from(`${'<a href="x">y</a><div>'.repeat(Math.floor((INDEX_PAGE_CAP - 1000) / 22))}${ANCHOR}`);
    expect(page.length).toBeGreaterThan(60 * 1024 * 1024);
    async function* oneChunk(): AsyncGenerator<Buffer> {
      yield page;
    }
    let anchors = 0;
    let last = performance.now();
    let longest = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 1);
    try {
      last = performance.now();
      await feedPage(oneChunk(), new AnchorScanner(() => anchors++), { cap: INDEX_PAGE_CAP });
      longest = Math.max(longest, performance.now() - last);
    } finally {
      clearInterval(ticker);
    }
    expect(anchors).toBeGreaterThan(2_900_000);
    // The read lets the event loop turn every 20 ms; 100 ms leaves room for a busy test machine.
    expect(longest).toBeLessThan(100);
  });
});
