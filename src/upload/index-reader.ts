/**
 * Reading a project's page of a PEP 503 simple index (Gitea's `/simple/{name}`, PyPI's
 * `/simple/{name}/`) to learn which files are there and their sha256, as uv's `--check-url` does.
 * This is how a re-run knows what is already published, and how "published" is confirmed.
 */
import { Parser } from 'htmlparser2';
import { request, type Dispatcher } from 'undici';
import type { Credentials } from '../targets/target.js';
import { basicAuth, networkOutcome, readCapped, USER_AGENT } from './send.js';
import { sameOrigin, sanitizeUrl } from '../util/url.js';

export interface IndexedFile {
  filename: string;
  sha256?: string;
  /** The link, absolute (resolved against the page's URL), without its fragment. */
  url?: string;
}

export type IndexLookup =
  | { kind: 'found'; files: Map<string, IndexedFile> }
  /** The project has no files there yet (404). */
  | { kind: 'absent' }
  | { kind: 'error'; message: string };

/** The anchors of a PEP 503 page: file name (the anchor's text, else the link's last segment), sha256, link. */
export function parseSimpleIndex(html: string, pageUrl?: string): Map<string, IndexedFile> {
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
        const [path = '', fragment = ''] = href.split('#', 2);
        const fromUrl = decodeURIComponent(path.split('?')[0]?.split('/').pop() ?? '');
        const filename = text.trim() || fromUrl;
        const sha256 = /(?:^|&)sha256=([0-9a-fA-F]{64})(?:&|$)/.exec(fragment)?.[1]?.toLowerCase();
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
  parser.write(html);
  parser.end();
  return files;
}

export interface IndexRequest {
  indexUrl: string;
  project: string;
  uploadUrl: string;
  credentials: Credentials | undefined;
  dispatcher: Dispatcher;
  signal?: AbortSignal;
}

export async function readIndex(req: IndexRequest): Promise<IndexLookup> {
  const url = `${req.indexUrl}${encodeURIComponent(req.project)}/`;
  const headers: Record<string, string> = { accept: 'text/html', 'user-agent': USER_AGENT };
  // Credentials go only to the host they are for: Gitea's index is on the upload host (and may be
  // private); PyPI's index is on pypi.org, which must not see the upload token.
  if (req.credentials && sameOrigin(req.indexUrl, req.uploadUrl)) headers.authorization = basicAuth(req.credentials);
  try {
    const response = await request(url, { method: 'GET', headers, dispatcher: req.dispatcher, signal: req.signal });
    const body = await readCapped(response.body);
    if (response.statusCode === 404) return { kind: 'absent' };
    if (response.statusCode !== 200) {
      return { kind: 'error', message: `index ${sanitizeUrl(url)} answered HTTP ${response.statusCode}` };
    }
    return { kind: 'found', files: parseSimpleIndex(body, url) };
  } catch (err) {
    const outcome = networkOutcome(err);
    return { kind: 'error', message: `index ${sanitizeUrl(url)}: ${outcome.kind === 'network' ? outcome.message : 'error'}` };
  }
}
