/**
 * Reading a project's page of a PEP 503 simple index (Gitea's `/simple/{name}`, PyPI's
 * `/simple/{name}/`) to learn which files are there and their sha256, as uv's `--check-url` does.
 * This is how a re-run knows what is already published, and how "published" is confirmed.
 *
 * Pages are read as their bytes arrive and never cut: Gitea lists every file of every version on
 * one page, ordered by plain string compare (`templates/api/packages/pypi/simple.tmpl`), so a project
 * with thousands of files has a page of several MB and a new file may be anywhere on it.
 *
 * A page is a server's answer like any other input, and a broken proxy or a hostile host may send
 * anything, so a read is bounded whatever the page: its time is linear in its size (a tokenizer that
 * follows `<a …>` elements only, whatever the nesting), no synchronous stretch is long (signals are
 * answered during a read), the memory kept is what the run looks for (its own files, not every link),
 * the whole read has a deadline, and a compressed answer is decoded within the same size cap.
 */
import { pipeline, type Transform } from 'node:stream';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { BasicCredentials } from './types.js';
import { basicAuth, networkOutcome, USER_AGENT } from './send.js';
import { httpRequest, type ConnectionPool } from './client.js';
import { sameOrigin, sanitizeUrl } from '../util/url.js';
import { parseDistFilename } from '../artifacts/filename.js';
import { versionKey } from '../artifacts/pep440.js';

/** Far above any real page (PyPI's largest are a few MB) yet a bound on a hostile or broken server. */
export const INDEX_PAGE_CAP = 64 * 1024 * 1024;

/** How long one index read may take, start to end, by default (--index-timeout). */
export const DEFAULT_INDEX_TIMEOUT_MS = 120_000;

/** The longest href, anchor text or JSON string kept while a page is read: longer ones are skipped past. */
export const INDEX_TOKEN_CAP = 64 * 1024;

export interface IndexedFile {
  filename: string;
  sha256?: string;
  /** `#md5=HEX`, where the page gives no sha256 (Nexus 3.30's pages, Artifactory's per users' reports). */
  md5?: string;
  /** The link, absolute (resolved against the page's URL), without its fragment. */
  url?: string;
  /** When the file was uploaded (ms since the epoch): PEP 700's `upload-time`, on PEP 691 JSON pages only. */
  uploadedAt?: number;
}

export type IndexLookup =
  | {
      kind: 'found';
      /** The files looked for (IndexWant.files) that the page lists: the page's other links are counted, not kept. */
      files: Map<string, IndexedFile>;
      /** Every file the page lists. */
      listed: number;
      /**
       * Per version looked for (IndexWant.versions, as pep440 versionKey), the earliest upload time of
       * any file of it the page lists (PEP 700: JSON pages only). PyPI's 14-day rule counts from it.
       */
      firstUploads: Map<string, number>;
    }
  /** The project has no files there yet (404). */
  | { kind: 'absent' }
  /** `status` when the server answered with something else than 200 or 404. */
  | { kind: 'error'; message: string; status?: number };

/** What a read keeps of a page: the run's own files of that project, and the first upload of its versions. */
export interface IndexWant {
  files: ReadonlySet<string>;
  /** pep440 versionKey of each version the run publishes (for IndexLookup.firstUploads). */
  versions?: ReadonlySet<string>;
}

// PEP 503 writes `#sha256=HEX`. Gitea up to 1.21 wrote `#sha256-HEX` (templates/api/packages/pypi/
// simple.tmpl, fixed by go-gitea/gitea#30594 in 1.22.0): both name the same digest.
const SHA256_FRAGMENT = /(?:^|&)sha256[=-]([0-9a-fA-F]{64})(?:&|$)/;
// nexus-public release-3.30.1-01 PyPiHostedFacet#buildPyPiLink: `#md5=HEX` only.
const MD5_FRAGMENT = /(?:^|&)md5=([0-9a-fA-F]{32})(?:&|$)/;
const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

/** What a page lists, as it is read: the wanted files kept, every file counted. */
class PageFiles {
  readonly files = new Map<string, IndexedFile>();
  readonly firstUploads = new Map<string, number>();
  listed = 0;

  constructor(
    private readonly pageUrl: string | undefined,
    /** Undefined: keep every file and every version (a whole page, for tests and small uses). */
    private readonly want: IndexWant | undefined,
  ) {}

  /** An anchor of a PEP 503 page: its href and its text, both as written (character references not decoded). */
  link(rawHref: string, rawText: string): void {
    const href = decodeCharacterReferences(rawHref);
    const hash = href.indexOf('#');
    const path = hash === -1 ? href : href.slice(0, hash);
    const filename = decodeCharacterReferences(rawText).trim() || nameFromPath(path);
    if (!filename) return;
    this.listed++;
    if (this.want && !this.want.files.has(filename)) return;
    const entry: IndexedFile = { filename };
    const sha256 = hash === -1 ? undefined : SHA256_FRAGMENT.exec(href.slice(hash + 1))?.[1]?.toLowerCase();
    if (sha256) entry.sha256 = sha256;
    else if (hash !== -1) {
      const md5 = MD5_FRAGMENT.exec(href.slice(hash + 1))?.[1]?.toLowerCase();
      if (md5) entry.md5 = md5;
    }
    const url = this.resolve(path);
    if (url) entry.url = url;
    this.files.set(filename, entry);
  }

  /** A file of a PEP 691 page (`files[]`): its fields as strings, when they are strings. */
  file(fields: JsonFileFields): void {
    const { filename } = fields;
    if (filename === undefined || filename === '') return;
    this.listed++;
    const uploaded = fields.uploadTime !== undefined ? Date.parse(fields.uploadTime) : Number.NaN;
    if (!Number.isNaN(uploaded) && (this.want === undefined || (this.want.versions?.size ?? 0) > 0)) {
      const parsed = parseDistFilename(filename);
      const key = parsed.ok ? versionKey(parsed.value.version) : undefined;
      if (key !== undefined && (this.want === undefined || this.want.versions?.has(key))) {
        const first = this.firstUploads.get(key);
        if (first === undefined || uploaded < first) this.firstUploads.set(key, uploaded);
      }
    }
    if (this.want && !this.want.files.has(filename)) return;
    const entry: IndexedFile = { filename };
    if (fields.sha256 !== undefined && SHA256_HEX.test(fields.sha256)) entry.sha256 = fields.sha256.toLowerCase();
    if (fields.url !== undefined) {
      const url = this.resolve(fields.url);
      if (url) entry.url = url;
    }
    if (!Number.isNaN(uploaded)) entry.uploadedAt = uploaded;
    this.files.set(filename, entry);
  }

  private resolve(link: string): string | undefined {
    if (!this.pageUrl) return undefined;
    try {
      return new URL(link, this.pageUrl).href;
    } catch {
      return undefined; // an unusable link: listed, not followable
    }
  }

  lookup(): IndexLookup {
    return { kind: 'found', files: this.files, listed: this.listed, firstUploads: this.firstUploads };
  }
}

/** The link's last path segment, URL-decoded (kept as written when it is not valid percent-encoding). */
function nameFromPath(path: string): string {
  const query = path.indexOf('?');
  const beforeQuery = query === -1 ? path : path.slice(0, query);
  const segment = beforeQuery.slice(beforeQuery.lastIndexOf('/') + 1);
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a malformed escape: keep the segment as written
  }
}

const NAMED_REFERENCES: Readonly<Record<string, string>> = {
  amp: '&',
  AMP: '&',
  lt: '<',
  LT: '<',
  gt: '>',
  GT: '>',
  quot: '"',
  QUOT: '"',
  apos: "'",
  nbsp: '\u00a0',
};
const CHARACTER_REFERENCE = /&(?:#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,7})|([a-zA-Z]{2,4}));/g;

/**
 * HTML character references as an index page writes them in an href or a file name: `&amp;` `&lt;`
 * `&gt;` `&quot;` `&apos;` `&nbsp;` and numeric ones (`&#38;`, `&#x26;`), each with its semicolon.
 * Any other name is left as written (HTML's full table is 2,000 names no index uses in a file name).
 */
export function decodeCharacterReferences(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(CHARACTER_REFERENCE, (whole, decimal: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (name !== undefined) return NAMED_REFERENCES[name] ?? whole;
    const code = decimal !== undefined ? Number.parseInt(decimal, 10) : Number.parseInt(hex ?? '', 16);
    return code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff) ? '\ufffd' : String.fromCodePoint(code);
  });
}

// The HTML tokenizer's states (after the HTML standard's tokenizer, reduced to what finding anchors needs).
const DATA = 0;
/** After `<`. */
const TAG_OPEN = 1;
/** After `</`. */
const END_TAG_OPEN = 2;
/** After `<!`. */
const MARKUP = 3;
/** After `<!-`. */
const MARKUP_DASH = 4;
const COMMENT = 5;
/** `<!DOCTYPE …>`, `<?…>`, `</ …>`: up to the next `>`. */
const BOGUS = 6;
const TAG_NAME = 7;
const BEFORE_ATTRIBUTE = 8;
const ATTRIBUTE_NAME = 9;
const AFTER_ATTRIBUTE_NAME = 10;
const BEFORE_VALUE = 11;
const VALUE_QUOTED = 12;
const VALUE_UNQUOTED = 13;
/** Inside `<script>`, `<style>`, `<title>`, `<textarea>`: text up to the matching end tag. */
const RAW_TEXT = 14;

const RAW_TEXT_ELEMENTS: ReadonlySet<string> = new Set(['script', 'style', 'title', 'textarea']);
/** Tag names are kept to this length: enough to tell `a` and the raw-text elements from every other. */
const TAG_NAME_KEPT = 9;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0c || c === 0x0d;
}

function isAsciiAlpha(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
}

function lower(c: number): string {
  return String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 0x20 : c);
}

/**
 * The anchors of an HTML page, fed chunk by chunk (cut anywhere): for each `<a …>` with an href, its
 * href and its text up to `</a>` (tags inside it dropped), both as written. Comments and the text of
 * script, style, title and textarea are skipped, and attribute values are read with their quotes, as
 * a browser reads them. Every state is resumable and every character is looked at once, so the time
 * is linear in the page whatever its nesting; what is carried from one chunk to the next is at most
 * the anchor's href and text, each capped at INDEX_TOKEN_CAP (a longer one is skipped past, and so is
 * its anchor).
 */
export class AnchorScanner {
  private state = DATA;
  // The tag being read.
  private endTag = false;
  private name = '';
  private attribute = '';
  private attributeLong = false;
  private quote = '"';
  private capturing = false;
  private value = '';
  private href: string | undefined;
  private hrefTooLong = false;
  // The anchor open (its start tag read, its end tag not yet).
  private open = false;
  private openHref: string | undefined;
  private text = '';
  private textTooLong = false;
  // Comments: how many `-` came just before; raw text: its end tag, and how much of it matched.
  private dashes = 0;
  private rawEnd = '';
  private rawMatched = 0;

  constructor(private readonly onAnchor: (href: string, text: string) => void) {}

  write(s: string): void {
    const n = s.length;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case DATA: {
          const lt = s.indexOf('<', i);
          const stop = lt === -1 ? n : lt;
          if (this.open && stop > i) this.addText(s, i, stop);
          i = lt === -1 ? n : lt + 1;
          if (lt !== -1) this.state = TAG_OPEN;
          break;
        }
        case TAG_OPEN: {
          const c = s.charCodeAt(i);
          if (c === 0x21 /* ! */) {
            this.state = MARKUP;
            i++;
          } else if (c === 0x2f /* / */) {
            this.state = END_TAG_OPEN;
            i++;
          } else if (isAsciiAlpha(c)) {
            this.startTag(false, c);
            i++;
          } else if (c === 0x3f /* ? */) {
            this.state = BOGUS;
            i++;
          } else {
            // A `<` that starts no tag is text.
            if (this.open) this.addText('<', 0, 1);
            this.state = DATA;
          }
          break;
        }
        case END_TAG_OPEN: {
          const c = s.charCodeAt(i);
          if (isAsciiAlpha(c)) {
            this.startTag(true, c);
            i++;
          } else if (c === 0x3e /* > */) {
            this.state = DATA;
            i++;
          } else this.state = BOGUS;
          break;
        }
        case MARKUP:
          if (s.charCodeAt(i) === 0x2d /* - */) {
            this.state = MARKUP_DASH;
            i++;
          } else this.state = BOGUS;
          break;
        case MARKUP_DASH:
          if (s.charCodeAt(i) === 0x2d) {
            // `<!--`: the comment's own dashes count, so that `<!-->` and `<!--->` end it at once.
            this.state = COMMENT;
            this.dashes = 2;
            i++;
          } else this.state = BOGUS;
          break;
        case COMMENT: {
          const gt = s.indexOf('>', i);
          const stop = gt === -1 ? n : gt;
          let run = 0;
          for (let k = stop - 1; k >= i && run < 2 && s.charCodeAt(k) === 0x2d; k--) run++;
          if (run === stop - i) run += this.dashes; // the dashes reach back into what came before
          if (gt === -1) {
            this.dashes = Math.min(run, 2);
            i = n;
          } else {
            i = gt + 1;
            if (run >= 2) this.state = DATA;
            else this.dashes = 0;
          }
          break;
        }
        case BOGUS: {
          const gt = s.indexOf('>', i);
          i = gt === -1 ? n : gt + 1;
          if (gt !== -1) this.state = DATA;
          break;
        }
        case TAG_NAME: {
          for (; i < n; i++) {
            const c = s.charCodeAt(i);
            if (isSpace(c) || c === 0x2f) {
              this.state = BEFORE_ATTRIBUTE;
              i++;
              break;
            }
            if (c === 0x3e) {
              i++;
              this.endOfTag();
              break;
            }
            if (this.name.length < TAG_NAME_KEPT) this.name += lower(c);
          }
          break;
        }
        case BEFORE_ATTRIBUTE: {
          const c = s.charCodeAt(i);
          if (isSpace(c) || c === 0x2f) i++;
          else if (c === 0x3e) {
            i++;
            this.endOfTag();
          } else {
            this.attribute = '';
            this.attributeLong = false;
            this.state = ATTRIBUTE_NAME;
          }
          break;
        }
        case ATTRIBUTE_NAME: {
          for (; i < n; i++) {
            const c = s.charCodeAt(i);
            if (isSpace(c)) {
              this.state = AFTER_ATTRIBUTE_NAME;
              i++;
              break;
            }
            if (c === 0x3d /* = */) {
              this.state = BEFORE_VALUE;
              i++;
              break;
            }
            if (c === 0x2f || c === 0x3e) {
              this.attributeWithoutValue();
              this.state = BEFORE_ATTRIBUTE;
              break;
            }
            if (this.attribute.length < 5) this.attribute += lower(c);
            else this.attributeLong = true;
          }
          break;
        }
        case AFTER_ATTRIBUTE_NAME: {
          const c = s.charCodeAt(i);
          if (isSpace(c)) i++;
          else if (c === 0x3d) {
            this.state = BEFORE_VALUE;
            i++;
          } else {
            this.attributeWithoutValue();
            this.state = BEFORE_ATTRIBUTE;
          }
          break;
        }
        case BEFORE_VALUE: {
          const c = s.charCodeAt(i);
          if (isSpace(c)) {
            i++;
            break;
          }
          this.capturing = this.wantsValue();
          this.value = '';
          if (c === 0x22 || c === 0x27) {
            this.quote = c === 0x22 ? '"' : "'";
            this.state = VALUE_QUOTED;
            i++;
          } else if (c === 0x3e) {
            this.endOfValue();
            this.state = BEFORE_ATTRIBUTE;
          } else this.state = VALUE_UNQUOTED;
          break;
        }
        case VALUE_QUOTED: {
          const q = s.indexOf(this.quote, i);
          const stop = q === -1 ? n : q;
          if (this.capturing) this.addValue(s, i, stop);
          i = q === -1 ? n : q + 1;
          if (q !== -1) {
            this.endOfValue();
            this.state = BEFORE_ATTRIBUTE;
          }
          break;
        }
        case VALUE_UNQUOTED: {
          let j = i;
          while (j < n) {
            const c = s.charCodeAt(j);
            if (isSpace(c) || c === 0x3e) break;
            j++;
          }
          if (this.capturing) this.addValue(s, i, j);
          i = j;
          if (j < n) {
            this.endOfValue();
            this.state = BEFORE_ATTRIBUTE;
          }
          break;
        }
        case RAW_TEXT: {
          const end = this.rawEnd;
          while (i < n) {
            if (this.rawMatched === 0) {
              const lt = s.indexOf('<', i);
              if (lt === -1) {
                i = n;
                break;
              }
              i = lt + 1;
              this.rawMatched = 1;
              continue;
            }
            const c = s.charCodeAt(i);
            if (this.rawMatched === end.length) {
              this.rawMatched = 0;
              if (isSpace(c) || c === 0x2f || c === 0x3e) {
                // Its end tag: read on as one (the delimiter is read again there).
                this.endTag = true;
                this.name = end.slice(2);
                this.state = TAG_NAME;
                break;
              }
            } else if (lower(c).charCodeAt(0) === end.charCodeAt(this.rawMatched)) {
              this.rawMatched++;
              i++;
            } else this.rawMatched = 0;
          }
          break;
        }
      }
    }
  }

  /** The page has ended: an anchor still open is closed (as a browser closes it). */
  end(): void {
    if (this.state === TAG_OPEN && this.open) this.addText('<', 0, 1);
    this.state = DATA;
    this.closeAnchor();
  }

  private startTag(endTag: boolean, first: number): void {
    this.endTag = endTag;
    this.name = lower(first);
    this.href = undefined;
    this.hrefTooLong = false;
    this.capturing = false;
    this.state = TAG_NAME;
  }

  private wantsValue(): boolean {
    return !this.endTag && this.name === 'a' && this.href === undefined && !this.hrefTooLong && !this.attributeLong && this.attribute === 'href';
  }

  private attributeWithoutValue(): void {
    if (this.wantsValue()) this.href = '';
  }

  private addValue(s: string, from: number, to: number): void {
    if (this.value.length + (to - from) > INDEX_TOKEN_CAP) {
      this.hrefTooLong = true;
      this.capturing = false;
      this.value = '';
      return;
    }
    this.value += s.slice(from, to);
  }

  private endOfValue(): void {
    if (this.capturing) this.href = this.value;
    this.capturing = false;
    this.value = '';
  }

  private addText(s: string, from: number, to: number): void {
    if (this.textTooLong) return;
    if (this.text.length + (to - from) > INDEX_TOKEN_CAP) {
      this.textTooLong = true;
      this.text = '';
      return;
    }
    this.text += s.slice(from, to);
  }

  private endOfTag(): void {
    this.state = DATA;
    if (this.endTag) {
      if (this.name === 'a') this.closeAnchor();
      return;
    }
    if (this.name === 'a') {
      // An anchor inside an anchor closes the first, as a browser does.
      this.closeAnchor();
      this.open = true;
      this.openHref = this.hrefTooLong ? undefined : this.href;
      this.text = '';
      this.textTooLong = false;
    } else if (RAW_TEXT_ELEMENTS.has(this.name)) {
      this.state = RAW_TEXT;
      this.rawEnd = `</${this.name}`;
      this.rawMatched = 0;
    }
  }

  private closeAnchor(): void {
    if (!this.open) return;
    if (this.openHref !== undefined && !this.textTooLong) this.onAnchor(this.openHref, this.text);
    this.open = false;
    this.openHref = undefined;
    this.text = '';
  }
}

interface JsonFileFields {
  filename?: string;
  url?: string;
  sha256?: string;
  uploadTime?: string;
}

// The JSON reader's states.
const J_VALUE = 0;
/** After `[`: a value or `]`. */
const J_VALUE_OR_END = 1;
/** After `{`: a key or `}`. */
const J_KEY_OR_END = 2;
const J_KEY = 3;
const J_COLON = 4;
/** After a value: `,`, or the end of its container. */
const J_AFTER = 5;
const J_STRING = 6;
const J_ESCAPE = 7;
const J_LITERAL = 8;
const J_FAILED = 9;

const OBJECT = 0;
const ARRAY = 1;
/** Far deeper than any index page (5 levels); a bound on the stack of a hostile one. */
const JSON_DEPTH_CAP = 512;
const KEY_KEPT = 64;
const JSON_LITERAL = /^(?:-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null)$/;
type JsonField = 'filename' | 'url' | 'uploadTime' | 'sha256';

/**
 * A PEP 691 JSON project page (`{"files": [{"filename", "url", "hashes": {"sha256"}, "upload-time"}, …]}`),
 * fed chunk by chunk: each file's fields are handed over when its object ends, and nothing else of
 * the page is kept (a stack of container kinds, the keys of the first four levels, the strings being
 * read, each capped). It checks the JSON's grammar, not the escapes or control characters of the
 * strings it does not keep; linear in the page, whatever it holds.
 */
export class JsonFilesScanner {
  private state = J_VALUE;
  private readonly stack: number[] = [];
  /** The current key of each open object of the first four levels. */
  private readonly keys: Array<string | undefined> = [];
  private isKey = false;
  /** The string being read is kept: a key of the first four levels, or a kept field's value. */
  private keep = false;
  private field: JsonField | undefined;
  private raw = '';
  private rawTooLong = false;
  private literal = '';
  /** The fields of the file object being read (kept apart: a page of 20M empty objects makes no objects). */
  private filename: string | undefined;
  private url: string | undefined;
  private sha256: string | undefined;
  private uploadTime: string | undefined;
  /** Why the page is not JSON, once it is known. */
  error: string | undefined;
  /** The page's top-level object has a `files` array. */
  sawFiles = false;

  constructor(private readonly onFile: (fields: JsonFileFields) => void) {}

  write(s: string): void {
    const n = s.length;
    let i = 0;
    while (i < n && this.state !== J_FAILED) {
      switch (this.state) {
        case J_VALUE:
        case J_VALUE_OR_END: {
          const c = s.charCodeAt(i);
          if (isSpace(c)) i++;
          else if (c === 0x5d /* ] */ && this.state === J_VALUE_OR_END) {
            this.pop();
            i++;
          } else if (c === 0x7b /* { */) {
            if (this.push(OBJECT)) this.state = J_KEY_OR_END;
            i++;
          } else if (c === 0x5b /* [ */) {
            if (this.push(ARRAY)) this.state = J_VALUE_OR_END;
            i++;
          } else if (c === 0x22 /* " */) {
            this.startString(false);
            i++;
          } else if (c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e) {
            this.literal = '';
            this.state = J_LITERAL;
          } else this.fail();
          break;
        }
        case J_KEY_OR_END:
        case J_KEY: {
          const c = s.charCodeAt(i);
          if (isSpace(c)) i++;
          else if (c === 0x7d /* } */ && this.state === J_KEY_OR_END) {
            this.pop();
            i++;
          } else if (c === 0x22) {
            this.startString(true);
            i++;
          } else this.fail();
          break;
        }
        case J_COLON: {
          const c = s.charCodeAt(i);
          if (isSpace(c)) i++;
          else if (c === 0x3a /* : */) {
            this.state = J_VALUE;
            i++;
          } else this.fail();
          break;
        }
        case J_AFTER: {
          const c = s.charCodeAt(i);
          const top = this.stack[this.stack.length - 1];
          if (isSpace(c)) i++;
          else if (c === 0x2c /* , */ && top !== undefined) {
            this.state = top === OBJECT ? J_KEY : J_VALUE;
            i++;
          } else if ((c === 0x7d && top === OBJECT) || (c === 0x5d && top === ARRAY)) {
            this.pop();
            i++;
          } else this.fail();
          break;
        }
        case J_STRING: {
          let stop = i;
          while (stop < n) {
            const c = s.charCodeAt(stop);
            if (c === 0x22 || c === 0x5c) break;
            stop++;
          }
          if (this.keep) this.addRaw(s, i, stop);
          if (stop === n) {
            i = n;
            break;
          }
          i = stop + 1;
          if (s.charCodeAt(stop) === 0x5c /* \ */) {
            if (this.keep) this.addRaw('\\', 0, 1);
            this.state = J_ESCAPE;
          } else this.endString();
          break;
        }
        case J_ESCAPE:
          if (this.keep) this.addRaw(s, i, i + 1);
          this.state = J_STRING;
          i++;
          break;
        case J_LITERAL: {
          let j = i;
          while (j < n) {
            const c = s.charCodeAt(j);
            if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x2b || c === 0x2d || c === 0x2e)) break;
            j++;
          }
          if (this.literal.length + (j - i) > 64) {
            this.fail();
            break;
          }
          this.literal += s.slice(i, j);
          i = j;
          if (j < n) this.endLiteral();
          break;
        }
      }
    }
  }

  /** The page has ended: a whole JSON value, or an error. */
  end(): void {
    if (this.state === J_LITERAL) this.endLiteral();
    if (this.state !== J_FAILED && (this.state !== J_AFTER || this.stack.length > 0)) this.fail('it ends early');
  }

  private fail(why = 'unexpected text'): void {
    this.state = J_FAILED;
    this.error ??= why;
  }

  private inFiles(): boolean {
    return this.stack[0] === OBJECT && this.stack[1] === ARRAY && this.keys[0] === 'files';
  }

  private push(kind: number): boolean {
    if (this.stack.length >= JSON_DEPTH_CAP) {
      this.fail(`nested over ${JSON_DEPTH_CAP} levels`);
      return false;
    }
    if (kind === ARRAY && this.stack.length === 1 && this.stack[0] === OBJECT && this.keys[0] === 'files') this.sawFiles = true;
    this.stack.push(kind);
    if (this.stack.length <= 4) this.keys[this.stack.length - 1] = undefined;
    if (kind === OBJECT && this.stack.length === 3 && this.inFiles()) {
      this.filename = undefined;
      this.url = undefined;
      this.sha256 = undefined;
      this.uploadTime = undefined;
    }
    return true;
  }

  private pop(): void {
    if (this.stack.length === 3 && this.stack[2] === OBJECT && this.inFiles()) {
      if (this.filename !== undefined) {
        const fields: JsonFileFields = { filename: this.filename };
        if (this.url !== undefined) fields.url = this.url;
        if (this.sha256 !== undefined) fields.sha256 = this.sha256;
        if (this.uploadTime !== undefined) fields.uploadTime = this.uploadTime;
        this.onFile(fields);
      }
    }
    this.stack.pop();
    this.state = J_AFTER;
  }

  private startString(isKey: boolean): void {
    this.isKey = isKey;
    this.field = isKey ? undefined : this.fieldHere();
    this.keep = isKey ? this.stack.length <= 4 : this.field !== undefined;
    this.raw = '';
    this.rawTooLong = false;
    this.state = J_STRING;
  }

  /** Which kept field a string value here is, if any. */
  private fieldHere(): JsonField | undefined {
    const depth = this.stack.length;
    if (depth === 3 && this.stack[2] === OBJECT && this.inFiles()) {
      const key = this.keys[2];
      return key === 'filename' ? 'filename' : key === 'url' ? 'url' : key === 'upload-time' ? 'uploadTime' : undefined;
    }
    if (depth === 4 && this.stack[2] === OBJECT && this.stack[3] === OBJECT && this.inFiles() && this.keys[2] === 'hashes' && this.keys[3] === 'sha256')
      return 'sha256';
    return undefined;
  }

  private addRaw(s: string, from: number, to: number): void {
    if (this.rawTooLong) return;
    if (this.raw.length + (to - from) > (this.isKey ? KEY_KEPT : INDEX_TOKEN_CAP)) {
      this.rawTooLong = true;
      this.raw = '';
      return;
    }
    this.raw += s.slice(from, to);
  }

  private endString(): void {
    let text: string | undefined;
    if (this.keep && !this.rawTooLong) {
      try {
        text = this.raw.includes('\\') ? (JSON.parse(`"${this.raw}"`) as string) : this.raw;
      } catch {
        this.fail('a string it cannot read');
        return;
      }
    }
    this.raw = '';
    if (this.isKey) {
      if (this.keep) this.keys[this.stack.length - 1] = text;
      this.state = J_COLON;
      return;
    }
    if (this.field !== undefined && text !== undefined) this[this.field] = text;
    this.field = undefined;
    this.state = J_AFTER;
  }

  private endLiteral(): void {
    if (!JSON_LITERAL.test(this.literal)) {
      this.fail();
      return;
    }
    this.literal = '';
    this.state = J_AFTER;
  }
}

/** The files of a whole PEP 503 page: file name (the anchor's text, else the link's last segment), sha256, link. */
export function parseSimpleIndex(html: string, pageUrl?: string, want?: IndexWant): Map<string, IndexedFile> {
  const page = new PageFiles(pageUrl, want);
  const scanner = new AnchorScanner((href, text) => page.link(href, text));
  scanner.write(html);
  scanner.end();
  return page.files;
}

/** A whole PEP 691 JSON page, as readIndex reads one. */
export function parseJsonIndex(json: string, pageUrl?: string, want?: IndexWant): IndexLookup {
  const page = new PageFiles(pageUrl, want);
  const scanner = new JsonFilesScanner((fields) => page.file(fields));
  scanner.write(json);
  scanner.end();
  return jsonOutcome(scanner, page, pageUrl ?? 'the page');
}

function jsonOutcome(scanner: JsonFilesScanner, page: PageFiles, url: string): IndexLookup {
  if (scanner.error !== undefined) return { kind: 'error', message: `index ${sanitizeUrl(url)} is not valid JSON (${scanner.error})` };
  if (!scanner.sawFiles) return { kind: 'error', message: `index ${sanitizeUrl(url)} has no files list` };
  return page.lookup();
}

export interface IndexRequest {
  indexUrl: string;
  project: string;
  uploadUrl: string;
  credentials: BasicCredentials | undefined;
  pool: ConnectionPool;
  /** What to keep of the page: the run's files of this project (a page may list millions of others). */
  want: IndexWant;
  signal?: AbortSignal;
  /** Bytes of page read at the most (INDEX_PAGE_CAP), after any Content-Encoding is decoded. */
  cap?: number;
  /** The whole read's deadline, from the request to the page's last byte (DEFAULT_INDEX_TIMEOUT_MS). */
  timeoutMs?: number;
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

/** Text handed to a tokenizer at once: a few ms of work, so that no synchronous stretch is long. */
const SLICE_CHARS = 16 * 1024;
/** How long a read runs before it lets the event loop turn (signals, timers, other reads). */
const YIELD_AFTER_MS = 20;

/** The Content-Encodings an index answer may come in although `identity` was asked for. */
const DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

class PageTooLarge extends Error {}

/** Bytes decoded to text at once: a 64 MiB chunk is not one long synchronous stretch. */
const DECODE_BYTES = 256 * 1024;

/**
 * Feeds a page's bytes to a tokenizer (`write`, then `end` unless `stop` says it has seen enough),
 * in slices of a few ms, letting the event loop turn every YIELD_AFTER_MS however the bytes come (a
 * socket's 64 KiB, a decoder's 16 KiB, or one chunk of the whole page): a signal or a deadline acts
 * within that time. Throws PageTooLarge past `cap` bytes, and the signal's reason once it is aborted.
 */
export async function feedPage(
  body: AsyncIterable<Buffer>,
  scanner: { write(text: string): void; end(): void },
  limits: { cap: number; signal?: AbortSignal; onBytes?: (bytes: number) => void; stop?: () => boolean },
): Promise<void> {
  const decoder = new TextDecoder('utf-8');
  let size = 0;
  let lastYield = performance.now();
  const feed = async (text: string) => {
    for (let at = 0; at < text.length; at += SLICE_CHARS) {
      scanner.write(text.length <= SLICE_CHARS ? text : text.slice(at, at + SLICE_CHARS));
      if (performance.now() - lastYield >= YIELD_AFTER_MS) {
        await yieldToLoop();
        lastYield = performance.now();
      }
      if (limits.signal?.aborted) throw limits.signal.reason;
    }
  };
  for await (const chunk of body) {
    size += chunk.length;
    limits.onBytes?.(chunk.length);
    if (size > limits.cap) throw new PageTooLarge();
    for (let at = 0; at < chunk.length; at += DECODE_BYTES) {
      await feed(decoder.decode(chunk.length <= DECODE_BYTES ? chunk : chunk.subarray(at, at + DECODE_BYTES), { stream: true }));
      if (limits.stop?.()) return;
    }
  }
  await feed(decoder.decode());
  if (!limits.stop?.()) scanner.end();
}

/** Reads an error answer's body to its end when it is small (so the connection can be reused); drops it otherwise. */
async function drainSmall(body: AsyncIterable<Buffer> & { destroy(): void }, limit = 64 * 1024): Promise<void> {
  let size = 0;
  try {
    for await (const chunk of body) {
      size += chunk.length;
      if (size > limit) {
        body.destroy();
        return;
      }
    }
  } catch {
    // a broken error page: nothing to keep
  }
}

function sizeText(cap: number): string {
  return cap % 1048576 === 0 ? `${cap / 1048576} MiB` : `${cap} bytes`;
}

function secondsText(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * Reads one project's page, keeping what `want` names. Bounded whatever the server sends: INDEX_PAGE_CAP
 * bytes (decoded), `timeoutMs` in all (the pool's stall timeout still applies between bytes), time
 * linear in the page, and the event loop let through every YIELD_AFTER_MS.
 */
export async function readIndex(req: IndexRequest): Promise<IndexLookup> {
  const url = `${req.indexUrl}${encodeURIComponent(req.project)}/`;
  const shown = sanitizeUrl(url);
  const cap = req.cap ?? INDEX_PAGE_CAP;
  const timeoutMs = req.timeoutMs ?? DEFAULT_INDEX_TIMEOUT_MS;
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error(`index not read within ${secondsText(timeoutMs)}`)), timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, deadline.signal]) : deadline.signal;
  let received = 0;
  let encoding: string | undefined;
  let sourceError: unknown;
  try {
    const response = await httpRequest(url, req.pool, {
      method: 'GET',
      headers: { ...authHeaders(req, url, req.json ? JSON_ACCEPT : 'text/html'), 'accept-encoding': 'identity' },
      signal,
    });
    if (response.statusCode !== 200) {
      // Read the (small) answer to its end before going on: the connection is then free for the
      // upload that follows a 404, instead of that upload opening another (one round trip, two with TLS).
      await drainSmall(response.body as AsyncIterable<Buffer> & { destroy(): void });
      if (response.statusCode === 404) return { kind: 'absent' };
      return { kind: 'error', message: `index ${shown} answered HTTP ${response.statusCode}`, status: response.statusCode };
    }
    const codings = String(response.headers['content-encoding'] ?? '')
      .toLowerCase()
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c !== '' && c !== 'identity');
    const unknown = codings.find((c) => DECODERS[c] === undefined);
    if (unknown !== undefined) {
      response.body.destroy();
      return {
        kind: 'error',
        message: `index ${shown} came with Content-Encoding: ${unknown} although identity was asked for: not read (only gzip, deflate and br are decoded)`,
      };
    }
    encoding = codings.length > 0 ? codings.join(', ') : undefined;
    // The raw bytes count against the cap too: a compressed stream that decodes to nothing is not read for ever.
    async function* counted(): AsyncGenerator<Buffer> {
      try {
        let raw = 0;
        for await (const chunk of response.body as AsyncIterable<Buffer>) {
          raw += chunk.length;
          if (raw > cap) throw new PageTooLarge();
          yield chunk;
        }
      } catch (err) {
        sourceError = err;
        throw err;
      }
    }
    let body: AsyncIterable<Buffer> = response.body;
    if (codings.length > 0) {
      // Content-Encoding lists the codings in the order they were applied: undone last to first.
      const stages = codings.reverse().map((c) => (DECODERS[c] as () => Transform)());
      body = (pipeline as (...streams: unknown[]) => Transform)(counted(), ...stages, () => {
        // Errors reach the reader through the last stage.
      });
    }

    const type = String(response.headers['content-type'] ?? '').toLowerCase();
    const page = new PageFiles(url, req.want);
    const json = type.startsWith('application/vnd.pypi.simple.v1+json') ? new JsonFilesScanner((fields) => page.file(fields)) : undefined;
    const html = json ? undefined : new AnchorScanner((href, text) => page.link(href, text));
    const scanner = (json ?? html) as { write(text: string): void; end(): void };
    await feedPage(body, scanner, {
      cap,
      signal,
      onBytes: (n) => {
        received += n;
      },
      stop: () => json?.error !== undefined,
    });
    return json ? jsonOutcome(json, page, url) : page.lookup();
  } catch (err) {
    if (deadline.signal.aborted && !req.signal?.aborted) {
      return {
        kind: 'error',
        message: `index ${shown} was not read within ${secondsText(timeoutMs)} (the server sends it too slowly): ${received} byte(s) had come; --index-timeout sets the limit`,
      };
    }
    if (req.signal?.aborted) return { kind: 'error', message: `index ${shown}: interrupted` };
    if (sourceError instanceof PageTooLarge)
      return { kind: 'error', message: `index ${shown} is larger than ${sizeText(cap)} (Content-Encoding: ${encoding}): not read` };
    if (err instanceof PageTooLarge)
      return {
        kind: 'error',
        message: `index ${shown} is larger than ${sizeText(cap)}${encoding ? ` once decoded (Content-Encoding: ${encoding})` : ''}: not read`,
      };
    if (encoding !== undefined && sourceError === undefined) {
      return { kind: 'error', message: `index ${shown} came with Content-Encoding: ${encoding}, which could not be decoded (${(err as Error).message})` };
    }
    const outcome = networkOutcome(sourceError ?? err);
    return { kind: 'error', message: `index ${shown}: ${outcome.kind === 'network' ? outcome.message : 'error'}` };
  } finally {
    clearTimeout(timer);
  }
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
      if (typeof item.sha256 === 'string' && SHA256_HEX.test(item.sha256)) entry.sha256 = item.sha256.toLowerCase();
      files.set(item.name, entry);
    }
    return { kind: 'found', files, listed: files.size, firstUploads: new Map() };
  } catch (err) {
    if (err instanceof SyntaxError) return { kind: 'error', message: `file list ${sanitizeUrl(req.url)} is not JSON` };
    const outcome = networkOutcome(err);
    return { kind: 'error', message: `file list ${sanitizeUrl(req.url)}: ${outcome.kind === 'network' ? outcome.message : 'error'}` };
  }
}
