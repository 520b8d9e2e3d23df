/**
 * Error (and success) pages as Warehouse sends them: Pyramid's HTTPException default page, rendered as HTML, JSON
 * or plain text by the request's Accept header (WebOb `acceptable_offers`), the message also in the reason phrase.
 */
import type http from 'node:http';
import { sanitizeReason, type Reply } from '../http/reply.js';

/** Python `json.dumps` (ensure_ascii, default separators) of a flat object. */
function pyJsonDumps(obj: Record<string, string>): string {
  const enc = (s: string): string =>
    JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => (c === '\u007f' ? c : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return `{${Object.entries(obj)
    .map(([k, v]) => `${enc(k)}: ${enc(v)}`)
    .join(', ')}}`;
}

/** Pyramid `_html_escape`: html.escape(quote=True), then non-ASCII as decimal character references. */
export function pyHtmlEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#x27;')
    .replace(/[^\x00-\x7f]/gu, (c) => `&#${c.codePointAt(0)};`);
}

/**
 * WebOb `acceptable_offers`: offers sorted by q (stable), unacceptable ones dropped. An invalid header accepts
 * everything; `null` is returned for a missing/empty header so callers can apply their own default.
 */
export function acceptableOffers(accept: string | undefined, offers: string[]): string[] | null {
  if (accept === undefined || accept.trim() === '') return null;
  const ranges: Array<{ type: string; sub: string; q: number; params: number }> = [];
  for (const raw of accept.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const [mt, ...params] = item.split(';').map((x) => x.trim());
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\/([!#$%&'*+.^_`|~0-9A-Za-z-]+)$/.exec(mt ?? '');
    if (!m) return offers.slice(); // AcceptInvalidHeader: everything acceptable
    let q = 1;
    let other = 0;
    for (const p of params) {
      const [k, v] = p.split('=').map((x) => x.trim());
      if (k?.toLowerCase() === 'q') q = Number(v);
      else other++;
    }
    if (!Number.isFinite(q)) return offers.slice();
    ranges.push({ type: (m[1] ?? '').toLowerCase(), sub: (m[2] ?? '').toLowerCase(), q, params: other });
  }
  const scored: Array<{ offer: string; q: number; i: number }> = [];
  offers.forEach((offer, i) => {
    const [t, s] = offer.toLowerCase().split('/');
    let best: { spec: number; q: number } | undefined;
    for (const r of ranges) {
      if (r.params > 0) continue; // ranges with parameters only match offers with the same parameters
      const spec = r.type === t && r.sub === s ? 3 : r.type === t && r.sub === '*' ? 2 : r.type === '*' && r.sub === '*' ? 1 : 0;
      if (spec > 0 && (!best || spec > best.spec)) best = { spec, q: r.q };
    }
    if (best && best.q > 0) scored.push({ offer, q: best.q, i });
  });
  scored.sort((a, b) => b.q - a.q || a.i - b.i);
  return scored.map((x) => x.offer);
}

const TITLES: Record<number, [string, string]> = {
  200: ['OK', ''],
  308: ['Permanent Redirect', 'The resource has been moved to'],
  400: ['Bad Request', 'The server could not comply with the request since it is either malformed or otherwise incorrect.'],
  403: ['Forbidden', 'Access was denied to this resource.'],
  404: ['Not Found', 'The resource could not be found.'],
  405: ['Method Not Allowed', ''],
  409: ['Conflict', 'There was a conflict when trying to complete your request.'],
  410: ['Gone', 'This resource is no longer available.  No forwarding address is given.'],
  429: ['Too Many Requests', 'The action could not be performed because there were too many requests by the client.'],
};

interface PageOptions {
  /** Text for the reason phrase (Warehouse `_exc_with_message`); default: the class title. */
  message?: string;
  /** Body detail; default = message. `null` for exceptions raised with a status but no detail. */
  detail?: string | null;
  headers?: Record<string, string>;
  /** Location for 3xx (body template of `_HTTPMove`). */
  location?: string;
}

/** Renders a Pyramid HTTPException default page for `req`'s Accept header. */
export function pyramidPage(req: http.IncomingMessage, status: number, opts: PageOptions = {}): Reply {
  const [title, explanation] = TITLES[status] ?? [fallbackTitle(status), ''];
  const reason = sanitizeReason(opts.message ?? title);
  const statusLine = `${status} ${reason}`;
  const detail = opts.detail === null ? '' : (opts.detail ?? opts.message ?? '');
  const offers = acceptableOffers(req.headers.accept, ['text/html', 'application/json']);
  const match = [...(offers ?? []), 'text/plain'][0];
  const escapeText = match === 'text/html' ? pyHtmlEscape : (s: string): string => s;
  const br = match === 'text/html' ? '<br/>' : '\n';
  let body: string;
  if (status === 405) body = `The method ${escapeText(req.method ?? '')} is not allowed for this resource. ${br}${br}\n${escapeText(detail)}`;
  else if (opts.location !== undefined) {
    body = `${escapeText(explanation)} ${escapeText(opts.location)}; you should be redirected automatically.\n${escapeText(detail)}\n`;
  } else body = `${escapeText(explanation)}${br}${br}\n${escapeText(detail)}\n\n`;
  let page: string;
  let contentType: string;
  if (match === 'text/html') {
    page = `<html>\n <head>\n  <title>${statusLine}</title>\n </head>\n <body>\n  <h1>${statusLine}</h1>\n  ${body}\n </body>\n</html>`;
    contentType = 'text/html; charset=UTF-8';
  } else if (match === 'application/json') {
    page = pyJsonDumps({ message: body, code: statusLine, title });
    contentType = 'application/json';
  } else {
    page = `${statusLine}\n\n${body}`;
    contentType = 'text/plain; charset=UTF-8';
  }
  return { status, reason, headers: { 'Content-Type': contentType, ...(opts.headers ?? {}) }, body: page };
}

function fallbackTitle(status: number): string {
  return status >= 500 ? 'Internal Server Error' : 'Error';
}
