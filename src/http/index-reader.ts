/**
 * Reading a project's page of a PEP 503 simple index (Gitea's `/simple/{name}`, PyPI's
 * `/simple/{name}/`) to learn which files are there and their sha256, as uv's `--check-url` does.
 * This is how a re-run knows what is already published, and how "published" is confirmed.
 *
 * Pages are parsed as their bytes arrive and never cut: Gitea lists every file of every version on
 * one page, ordered by plain string compare (`templates/api/packages/pypi/simple.tmpl`), so a project
 * with thousands of files has a page of several MB and a new file may be anywhere on it.
 */
import { Parser } from 'htmlparser2';
import type { BasicCredentials } from './types.js';
import { basicAuth, networkOutcome, USER_AGENT } from './send.js';
import { httpRequest, type ConnectionPool } from './client.js';
import { sameOrigin, sanitizeUrl } from '../util/url.js';

/** Far above any real page (PyPI's largest are a few MB) yet a bound on a hostile or broken server. */
export const INDEX_PAGE_CAP = 64 * 1024 * 1024;

export interface IndexedFile {
  filename: string;
  sha256?: string;
  /** The link, absolute (resolved against the page's URL), without its fragment. */
  url?: string;
  /** When the file was uploaded (ms since the epoch): PEP 700's `upload-time`, on PEP 691 JSON pages only. */
  uploadedAt?: number;
}

export type IndexLookup =
  | { kind: 'found'; files: Map<string, IndexedFile> }
  /** The project has no files there yet (404). */
  | { kind: 'absent' }
  | { kind: 'error'; message: string };

// PEP 503 writes `#sha256=HEX`. Gitea up to 1.21 wrote `#sha256-HEX` (templates/api/packages/pypi/
// simple.tmpl, fixed by go-gitea/gitea#30594 in 1.22.0): both name the same digest.
const SHA256_FRAGMENT = /(?:^|&)sha256[=-]([0-9a-fA-F]{64})(?:&|$)/;

/** A PEP 503 page parser fed chunk by chunk; `files()` once the page has ended. */
export function simpleIndexParser(pageUrl?: string): { write(text: string): void; end(): Map<string, IndexedFile> } {
  const files = new Map<string, IndexedFile>();
  let href: string | undefined;
  let text = '';
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === 'a') {
          href = attributes.href;
          text = '';
        }
      },
      ontext(chunk) {
        if (href !== undefined) text += chunk;
      },
      onclosetag(name) {
        if (name !== 'a' || href === undefined) return;
        const hash = href.indexOf('#');
        const path = hash === -1 ? href : href.slice(0, hash);
        const fragment = hash === -1 ? '' : href.slice(hash + 1);
        let fromUrl = path.split('?')[0]?.split('/').pop() ?? '';
        try {
          fromUrl = decodeURIComponent(fromUrl);
        } catch {
          // a malformed escape: keep the segment as written
        }
        const filename = text.trim() || fromUrl;
        const sha256 = SHA256_FRAGMENT.exec(fragment)?.[1]?.toLowerCase();
        const entry: IndexedFile = { filename };
        if (sha256) entry.sha256 = sha256;
        if (pageUrl) {
          try {
            entry.url = new URL(path, pageUrl).href;
          } catch {
            // an unusable link: listed, not followable
          }
        }
        if (filename) files.set(filename, entry);
        href = undefined;
      },
    },
    { decodeEntities: true },
  );
  return {
    write: (chunk) => parser.write(chunk),
    end: () => {
      parser.end();
      return files;
    },
  };
}

/** The anchors of a whole PEP 503 page: file name (the anchor's text, else the link's last segment), sha256, link. */
export function parseSimpleIndex(html: string, pageUrl?: string): Map<string, IndexedFile> {
  const parser = simpleIndexParser(pageUrl);
  parser.write(html);
  return parser.end();
}

export interface IndexRequest {
  indexUrl: string;
  project: string;
  uploadUrl: string;
  credentials: BasicCredentials | undefined;
  pool: ConnectionPool;
  signal?: AbortSignal;
  /** Bytes of page read at the most (INDEX_PAGE_CAP). */
  cap?: number;
  /**
   * Ask for PEP 691 JSON first (HTML still read when that is what comes): PyPI's JSON pages carry each
   * file's upload time (PEP 700), which its 14-day rule needs. Gitea serves HTML whatever is asked.
   */
  json?: boolean;
}

/** PEP 691's JSON media type, preferred, with HTML as the fallback any PEP 503 index serves. */
const JSON_ACCEPT = 'application/vnd.pypi.simple.v1+json, text/html;q=0.1';

function authHeaders(req: { credentials: BasicCredentials | undefined; uploadUrl: string }, url: string, accept: string): Record<string, string> {
  const headers: Record<string, string> = { accept, 'user-agent': USER_AGENT };
  // Credentials go only to the host they are for: Gitea's index is on the upload host (and may be
  // private); PyPI's index is on pypi.org, which must not see the upload token.
  if (req.credentials && sameOrigin(url, req.uploadUrl)) headers.authorization = basicAuth(req.credentials);
  return headers;
}

export async function readIndex(req: IndexRequest): Promise<IndexLookup> {
  const url = `${req.indexUrl}${encodeURIComponent(req.project)}/`;
  const cap = req.cap ?? INDEX_PAGE_CAP;
  try {
    const response = await httpRequest(url, req.pool, {
      method: 'GET',
      headers: authHeaders(req, url, req.json ? JSON_ACCEPT : 'text/html'),
      ...(req.signal ? { signal: req.signal } : {}),
    });
    if (response.statusCode !== 200) {
      response.body.resume();
      if (response.statusCode === 404) return { kind: 'absent' };
      return { kind: 'error', message: `index ${sanitizeUrl(url)} answered HTTP ${response.statusCode}` };
    }
    const type = String(response.headers['content-type'] ?? '').toLowerCase();
    if (type.startsWith('application/vnd.pypi.simple.v1+json'))
      return await readJsonPage(response.body as AsyncIterable<Buffer> & { destroy(): void }, url, cap);
    const parser = simpleIndexParser(url);
    const decoder = new TextDecoder('utf-8');
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > cap) {
        response.body.destroy();
        return {
          kind: 'error',
          message: `index ${sanitizeUrl(url)} is larger than ${cap % 1048576 === 0 ? `${cap / 1048576} MiB` : `${cap} bytes`}: not read`,
        };
      }
      parser.write(decoder.decode(chunk, { stream: true }));
    }
    parser.write(decoder.decode());
    return { kind: 'found', files: parser.end() };
  } catch (err) {
    const outcome = networkOutcome(err);
    return { kind: 'error', message: `index ${sanitizeUrl(url)}: ${outcome.kind === 'network' ? outcome.message : 'error'}` };
  }
}

/**
 * A PEP 691 JSON project page: `files[]` with `filename`, `url`, `hashes.sha256` and (PEP 700,
 * api-version 1.1+) `upload-time`, as Warehouse writes them (packaging/utils.py `_simple_detail`).
 */
async function readJsonPage(body: AsyncIterable<Buffer> & { destroy(): void }, url: string, cap: number): Promise<IndexLookup> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > cap) {
      body.destroy();
      return { kind: 'error', message: `index ${sanitizeUrl(url)} is larger than ${Math.round(cap / 1048576)} MiB: not read` };
    }
    chunks.push(chunk);
  }
  let page: { files?: unknown };
  try {
    page = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { files?: unknown };
  } catch {
    return { kind: 'error', message: `index ${sanitizeUrl(url)} is not valid JSON` };
  }
  if (!Array.isArray(page?.files)) return { kind: 'error', message: `index ${sanitizeUrl(url)} has no files list` };
  const files = new Map<string, IndexedFile>();
  for (const item of page.files as Array<Record<string, unknown>>) {
    const filename = item?.filename;
    if (typeof filename !== 'string' || filename === '') continue;
    const entry: IndexedFile = { filename };
    const sha256 = (item.hashes as Record<string, unknown> | undefined)?.sha256;
    if (typeof sha256 === 'string' && /^[0-9a-fA-F]{64}$/.test(sha256)) entry.sha256 = sha256.toLowerCase();
    if (typeof item.url === 'string') {
      try {
        entry.url = new URL(item.url, url).href;
      } catch {
        // an unusable link: listed, not followable
      }
    }
    const uploaded = typeof item['upload-time'] === 'string' ? Date.parse(item['upload-time']) : Number.NaN;
    if (!Number.isNaN(uploaded)) entry.uploadedAt = uploaded;
    files.set(filename, entry);
  }
  return { kind: 'found', files };
}

export interface FileListRequest {
  /** A JSON list of one version's files, each with `name` and `sha256` (Gitea's management API). */
  url: string;
  uploadUrl: string;
  credentials: BasicCredentials | undefined;
  pool: ConnectionPool;
  signal?: AbortSignal;
}

/**
 * Gitea's `GET /api/v1/packages/{owner}/pypi/{name}/{version}/files` (routers/api/v1/packages/
 * package.go ListPackageFiles): `[{id, Size, name, md5, sha1, sha256, sha512}]`. Asked when the
 * simple page cannot confirm a file the server accepted (a fragment the page reader does not know,
 * a proxy that rewrites pages). Needs a token that can read packages.
 */
export async function readFileList(req: FileListRequest): Promise<IndexLookup> {
  try {
    const response = await httpRequest(req.url, req.pool, {
      method: 'GET',
      headers: authHeaders(req, req.url, 'application/json'),
      ...(req.signal ? { signal: req.signal } : {}),
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > INDEX_PAGE_CAP) {
        response.body.destroy();
        return { kind: 'error', message: `file list ${sanitizeUrl(req.url)} is too large` };
      }
      chunks.push(chunk);
    }
    if (response.statusCode === 404) return { kind: 'absent' };
    if (response.statusCode !== 200) return { kind: 'error', message: `file list ${sanitizeUrl(req.url)} answered HTTP ${response.statusCode}` };
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (!Array.isArray(parsed)) return { kind: 'error', message: `file list ${sanitizeUrl(req.url)} is not a JSON list` };
    const files = new Map<string, IndexedFile>();
    for (const item of parsed as Array<{ name?: unknown; sha256?: unknown }>) {
      if (typeof item?.name !== 'string') continue;
      const entry: IndexedFile = { filename: item.name };
      if (typeof item.sha256 === 'string' && /^[0-9a-fA-F]{64}$/.test(item.sha256)) entry.sha256 = item.sha256.toLowerCase();
      files.set(item.name, entry);
    }
    return { kind: 'found', files };
  } catch (err) {
    if (err instanceof SyntaxError) return { kind: 'error', message: `file list ${sanitizeUrl(req.url)} is not JSON` };
    const outcome = networkOutcome(err);
    return { kind: 'error', message: `file list ${sanitizeUrl(req.url)}: ${outcome.kind === 'network' ? outcome.message : 'error'}` };
  }
}
