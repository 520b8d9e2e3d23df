/**
 * The simple-index reader on its own: both fragment spellings, a page parsed as its bytes stream in (an
 * anchor cut across chunks), a page far over the old 1 MiB cut with the file last (only the files looked
 * for kept), and the cap. Hostile pages: index-hostile.test.ts; the tokenizer: index-tokenizer.test.ts.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectionPool } from '../../src/http/client.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSimpleIndex, readIndex } from '../../src/http/index-reader.js';

const HEX = 'ab'.repeat(32);
const OTHER = 'cd'.repeat(32);

describe('parseSimpleIndex', () => {
  it('reads #sha256=HEX (PEP 503, Gitea ≥1.22) and #sha256-HEX (Gitea ≤1.21) alike', () => {
    const files = parseSimpleIndex(
      `<a href="https://h/files/p/1.0/p-1.0.tar.gz#sha256=${HEX}">p-1.0.tar.gz</a><br>` +
        `<a href="https://h/files/p/0.9/p-0.9.tar.gz#sha256-${OTHER.toUpperCase()}">p-0.9.tar.gz</a><br/>` +
        `<a href="https://h/files/p/0.8/p-0.8.tar.gz#md5=00">p-0.8.tar.gz</a>`,
    );
    expect(files.get('p-1.0.tar.gz')?.sha256).toBe(HEX);
    expect(files.get('p-0.9.tar.gz')?.sha256).toBe(OTHER);
    expect(files.get('p-0.8.tar.gz')?.sha256).toBeUndefined();
  });
});

describe('readIndex over HTTP', () => {
  let server: http.Server;
  let base: string;
  const pages = new Map<string, { body: string; chunk: number }>();
  const pool = new ConnectionPool({ timeoutMs: 10_000 });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const page = pages.get(req.url ?? '');
      if (!page) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' });
      // Written in small pieces, so that anchors and multi-byte characters are cut across chunks.
      const bytes = Buffer.from(page.body);
      for (let i = 0; i < bytes.length; i += page.chunk) res.write(bytes.subarray(i, i + page.chunk));
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple/`;
  });
  afterAll(async () => {
    pool.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const read = (project: string, cap?: number, files: string[] = []) =>
    readIndex({
      indexUrl: base,
      project,
      uploadUrl: base,
      credentials: undefined,
      pool,
      want: { files: new Set(files) },
      ...(cap !== undefined ? { cap } : {}),
    });

  it('reads a page of 12,000 files (about 2 MB) to its end: the file listed last is found with its sha256', async () => {
    const anchors = Array.from({ length: 12_000 }, (_, i) => `<a href="/files/big/0.0.${i}/big-0.0.${i}.tar.gz#sha256-${OTHER}">big-0.0.${i}.tar.gz</a><br>\n`);
    anchors.push(`<a href="/files/big/1.0/big-1.0.tar.gz#sha256-${HEX}" data-requires-python="&gt;=3.8">big-1.0.tar.gz</a><br>\n`);
    const body = `<!DOCTYPE html><html><head><title>Links for big</title></head><body><h1>Links for big</h1>${anchors.join('')}</body></html>`;
    expect(body.length).toBeGreaterThan(1024 * 1024);
    pages.set('/simple/big/', { body, chunk: 4093 });
    const lookup = await read('big', undefined, ['big-1.0.tar.gz', 'big-0.0.7.tar.gz', 'big-2.0.tar.gz']);
    expect(lookup.kind).toBe('found');
    if (lookup.kind !== 'found') return;
    // Every link counted, only the files looked for kept.
    expect(lookup.listed).toBe(12_001);
    expect([...lookup.files.keys()].sort()).toEqual(['big-0.0.7.tar.gz', 'big-1.0.tar.gz']);
    expect(lookup.files.get('big-1.0.tar.gz')).toEqual({
      filename: 'big-1.0.tar.gz',
      sha256: HEX,
      url: `${base.replace('/simple/', '')}/files/big/1.0/big-1.0.tar.gz`,
    });
  });

  it('keeps names whole when a chunk cuts a multi-byte character', async () => {
    pages.set('/simple/uni/', { body: `<a href="/f/caf%C3%A9-1.0.tar.gz#sha256=${HEX}">café-1.0.tar.gz</a>`, chunk: 29 });
    const lookup = await read('uni', undefined, ['café-1.0.tar.gz']);
    expect(lookup.kind === 'found' && lookup.files.get('café-1.0.tar.gz')?.sha256).toBe(HEX);
  });

  it('refuses a page over the cap with a clear message, and a missing page is absent', async () => {
    pages.set('/simple/huge/', { body: `<a href="#">x</a>`.repeat(10_000), chunk: 65_536 });
    const lookup = await read('huge', 64 * 1024);
    expect(lookup).toEqual({ kind: 'error', message: expect.stringMatching(/\/simple\/huge\/ is larger than 65536 bytes: not read$/) });
    expect(await read('nothing-here')).toEqual({ kind: 'absent' });
  });
});
