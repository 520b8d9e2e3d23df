/**
 * The built command line against index pages a broken proxy or a hostile host serves (issue 19),
 * generated here by a plain node server on 127.0.0.1: SIGTERM while a slow, deeply nested page is
 * read ends the run within a second with the summary and says the run was reading an index; pages at
 * the 64 MiB cap (3M links, a PEP 691 page of 280k files, one of 20M empty objects) are read with the
 * process's peak RSS under 100 MB; a dripping page ends at --index-timeout with a message; a gzip page
 * is decoded and an unknown encoding named.
 *
 * Memory is the child's peak resident set (getrusage's maxRSS), printed at its exit by a module
 * loaded with NODE_OPTIONS=--import: the whole process as a user runs it, every buffer included,
 * measured by the kernel rather than sampled, and apart from the test's own memory (the server
 * generating the page runs in the test process).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES, giteaEnv, runCli, startCli, type CliResult } from '../helpers/cli.js';
import { parseSummary } from '../helpers/summary.js';

const WHEEL = 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl';
const SHA256 = createHash('sha256')
  .update(readFileSync(join(FIXTURES, WHEEL)))
  .digest('hex');
const ANCHOR = `<a href="/files/${WHEEL}#sha256=${SHA256}">${WHEEL}</a>\n`;
const JSON_FILE = `{"filename":"${WHEEL}","url":"/files/${WHEEL}","hashes":{"sha256":"${SHA256}"},"upload-time":"2099-01-01T00:00:00Z"}`;

/** What the server sends: its headers, then pieces written one after the other (with the socket's backpressure). */
interface Page {
  headers: Record<string, string>;
  pieces: () => Iterable<string | Buffer>;
  /** Wait between pieces (ms): a slow page. */
  every?: number;
}

let hook: string;
beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'molecule-maxrss-'));
  const file = join(dir, 'maxrss.mjs');
  await writeFile(file, 'process.on("exit", () => process.stderr.write("maxrss-kb " + process.resourceUsage().maxRSS + "\\n"));\n');
  hook = pathToFileURL(file).href;
});

const open: http.Server[] = [];
afterEach(async () => {
  for (const server of open.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A registry whose Gitea index (/api/…/simple/…) and PyPI index (/simple/…) serve the given pages; every request is counted. */
async function hostile(pages: { gitea?: Page; pypi?: Page }): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = http.createServer(async (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const page = req.url?.startsWith('/api/') && req.url.includes('/simple/') ? pages.gitea : req.url?.startsWith('/simple/') ? pages.pypi : undefined;
    if (!page) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, page.headers);
    for (const piece of page.pieces()) {
      if (res.destroyed) return;
      if (!res.write(piece)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done).off('close', done);
            resolve();
          };
          res.on('drain', done).on('close', done);
        });
      }
      if (page.every) await sleep(page.every);
    }
    res.end();
  });
  open.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const html = (pieces: () => Iterable<string | Buffer>, every?: number): Page => ({
  headers: { 'content-type': 'text/html' },
  pieces,
  ...(every ? { every } : {}),
});

/** `count` items made by `item`, joined in pieces of 10,000. */
function* repeated(count: number, item: (i: number) => string, separator = ''): Generator<string> {
  for (let i = 0; i < count; i += 10_000) {
    const batch: string[] = [];
    for (let j = i; j < Math.min(count, i + 10_000); j++) batch.push(item(j));
    yield batch.join(separator) + separator;
  }
}

function maxRssMb(r: CliResult): number {
  const kb = /maxrss-kb (\d+)/.exec(r.stderr)?.[1];
  expect(kb, r.stderr).toBeDefined();
  return Number(kb) / 1024;
}

const dryRun = (url: string, pypi: boolean, extra: string[] = []) =>
  runCli(
    ['--gitea-url', url, '--gitea-owner', 'o', ...(pypi ? ['--pypi-url', `${url}/legacy/`] : ['--no-pypi']), '--dry-run', ...extra, join(FIXTURES, WHEEL)],
    { env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token', NODE_OPTIONS: `--import=${hook}` }) },
  );

const planned = (r: CliResult) => Object.values(parseSummary(r.stdout).files)[0];

describe('SIGTERM while a hostile index page is read', () => {
  it('a slow page of nested tags: the run ends within a second, exit 143, with the summary, saying it was reading an index', async () => {
    // 2,000 unclosed <div> every 10 ms: a page that never ends, deeper at every piece.
    const registry = await hostile({ gitea: html(() => repeated(10_000_000, () => '<div>'.repeat(2_000)), 10) });
    const cli = await startCli(['--gitea-url', registry.url, '--gitea-owner', 'o', '--no-pypi', join(FIXTURES, WHEEL)], { env: giteaEnv() });
    const until = Date.now() + 10_000;
    while (!registry.requests.some((r) => r.includes('/simple/')) && Date.now() < until) await sleep(20);
    await sleep(700);
    const sent = Date.now();
    cli.child.kill('SIGTERM');
    const r = await cli.done;
    expect(Date.now() - sent).toBeLessThan(1_000);
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toContain('interrupted by SIGTERM while reading an index (no upload had started: nothing was sent)');
    expect(r.stderr).not.toContain('during upload');
    expect(r.stderr).not.toContain('uploading');
    const summary = parseSummary(r.summary);
    expect(summary.targets).toEqual({ Gitea: 'interrupted' });
    expect(summary.details.Gitea).toContain('interrupted while reading the index');
    expect(registry.requests.filter((line) => line.startsWith('POST'))).toEqual([]);
  }, 30_000);
});

describe('pages at the 64 MiB cap, read with the peak RSS under 100 MB', () => {
  it('3M links (58 MB): the file found, peak RSS under 100 MB (it was 780 MB)', async () => {
    const registry = await hostile({ gitea: html(() => [...repeated(3_000_000, (i) => `<a href="${i.toString(36)}"></a>`), ANCHOR]) });
    const r = await dryRun(registry.url, false, ['-v']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('3000001 file(s) listed');
    expect(planned(r)).toEqual({ Gitea: 'already_present' });
    expect(maxRssMb(r)).toBeLessThan(100);
  }, 60_000);

  it('PEP 691 pages: 280k files (61 MB) and 20M empty objects (40 MB): the file found, peak RSS under 100 MB (they were 418 MB and 2.1 GB)', async () => {
    const json = (item: (i: number) => string, count: number): Page => ({
      headers: { 'content-type': 'application/vnd.pypi.simple.v1+json' },
      pieces: () => ['{"meta":{"api-version":"1.1"},"name":"molecule-demo-hatch","files":[', ...repeated(count, item, ','), JSON_FILE, ']}'],
    });
    const files = json(
      (i) =>
        `{"filename":"molecule_demo_hatch-0.${i}-py3-none-any.whl","url":"/f/${i}","hashes":{"sha256":"${SHA256}"},"upload-time":"2020-01-01T00:00:00Z","yanked":false}`,
      280_000,
    );
    const empty = json(() => '{}', 20_000_000);
    for (const page of [files, empty]) {
      const registry = await hostile({ gitea: html(() => [ANCHOR]), pypi: page });
      const r = await dryRun(registry.url, true);
      expect(r.code, r.stderr).toBe(0);
      expect(planned(r), r.stderr).toEqual({ Gitea: 'already_present', PyPI: 'already_present' });
      expect(maxRssMb(r)).toBeLessThan(100);
    }
  }, 60_000);
});

describe('deadline and encodings, as the user sees them', () => {
  it('a page that drips a byte a second ends at --index-timeout, with a message naming the limit', async () => {
    const registry = await hostile({ gitea: html(() => repeated(1_000, () => '<'), 1_000) });
    const started = Date.now();
    const r = await dryRun(registry.url, false, ['--index-timeout', '1', '--timeout', '5']);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /could not read its index \(index http:\/\/127\.0\.0\.1:\d+\/api\/packages\/o\/pypi\/simple\/molecule-demo-hatch\/ was not read within 1 s \(the server sends it too slowly\): \d+ byte\(s\) had come; --index-timeout sets the limit\)/,
    );
  }, 30_000);

  it('a gzip page is decoded (the file found); a zstd one is refused naming its encoding', async () => {
    const page = `<html><body>${ANCHOR}</body></html>`;
    const gz = await hostile({ gitea: { headers: { 'content-type': 'text/html', 'content-encoding': 'gzip' }, pieces: () => [gzipSync(page)] } });
    const r = await dryRun(gz.url, false);
    expect(planned(r)).toEqual({ Gitea: 'already_present' });
    const zstd = await hostile({
      gitea: { headers: { 'content-type': 'text/html', 'content-encoding': 'zstd' }, pieces: () => [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0])] },
    });
    const refused = await dryRun(zstd.url, false);
    expect(planned(refused)).toEqual({ Gitea: 'would_upload' });
    expect(refused.stderr).toContain('came with Content-Encoding: zstd although identity was asked for: not read');
  }, 30_000);
});
