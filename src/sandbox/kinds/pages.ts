/**
 * Turning the profiles' data into bytes: an {@link Answer} into a reply (its body wrapped, where asked, in the
 * server's own error page: bottle's, pyramid's or Nexus's), and a project's files into its simple page.
 */
import http from 'node:http';
import type { Reply } from '../http/reply.js';
import { type Answer, type ErrorPageStyle, fill, type TemplateValues } from './answers.js';
import type { KindProfile, PageTemplates } from './profiles.js';

/** HTML escaping of text and attribute values (`&<>"'`), as bottle's html_escape, ERB's and Python's html.escape do (quote forms differ; see `apos`). */
export function htmlEscape(s: string, apos = '&#39;'): string {
  return s.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : apos));
}

/** Python's repr() of a str, as bottle's error page shows the URL. */
function pyRepr(s: string): string {
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * bottle 0.12's ERROR_PAGE_TEMPLATE (pypiserver/bottle_wrapper/bottle.py @d87ef03), DEBUG off: the text lines keep
 * the template's indentation, `{{…}}` is html_escape'd (`'` → `&#039;`).
 */
function bottlePage(status: string, message: string, url: string): string {
  const e = (s: string): string => htmlEscape(s, '&#039;');
  return (
    '\n    <!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n    <html>\n        <head>\n' +
    `            <title>Error: ${e(status)}</title>\n` +
    '            <style type="text/css">\n              html {background-color: #eee; font-family: sans;}\n' +
    '              body {background-color: #fff; border: 1px solid #ddd;\n                    padding: 15px; margin: 15px;}\n' +
    '              pre {background-color: #eee; border: 1px solid #ddd; padding: 5px;}\n            </style>\n        </head>\n        <body>\n' +
    `            <h1>Error: ${e(status)}</h1>\n` +
    `            <p>Sorry, the requested URL <tt>${e(pyRepr(url))}</tt>\n               caused an error:</p>\n` +
    `            <pre>${e(message)}</pre>\n        </body>\n    </html>\n`
  );
}

/**
 * pyramid's HTTPException body (pyramid/httpexceptions.py html/plain/json templates, as devpi's abort() and
 * abort_submit() raise them): HTML when the client accepts text/html (devpi forces an any-type Accept when none is
 * sent), JSON (devpi's apiresult, `indent=2`) when it asks for application/json, plain text otherwise [infer].
 */
function pyramidPage(statusLine: string, explanation: string, accept: string): { contentType: string; body: string } {
  if (accept.includes('application/json')) {
    return { contentType: 'application/json', body: `${JSON.stringify(explanation ? { message: explanation } : {}, null, 2)}\n` };
  }
  if (accept === '' || accept.includes('text/html') || accept.includes('*/*')) {
    const e = (s: string): string => htmlEscape(s, '&#x27;');
    return {
      contentType: 'text/html; charset=UTF-8',
      body: `<html>\n <head>\n  <title>${e(statusLine)}</title>\n </head>\n <body>\n  <h1>${e(statusLine)}</h1>\n  ${e(explanation)}<br/><br/>\n\n\n </body>\n</html>`,
    };
  }
  return { contentType: 'text/plain; charset=UTF-8', body: `${statusLine}\n\n${explanation}\n\n\n\n` };
}

/**
 * Nexus's error page (errorPageHtml.vm, nexus-public release-3.30.1-01), abbreviated to the parts a client may match
 * on: the status in the title and the HTML-escaped message in `<div class="content-section">` (twine's `nexus_new`
 * fixture).
 */
function nexusPage(status: number, message: string): string {
  const e = (s: string): string => htmlEscape(s);
  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n  <title>${status} - Sonatype Nexus Repository</title>\n` +
    '  <meta http-equiv="Content-Type" content="text/html; charset=UTF-8"/>\n</head>\n<body>\n<div class="nexus-header">\n' +
    '  <div class="product-name">Sonatype Nexus Repository</div>\n</div>\n<div class="error-page">\n  <div class="error-message">\n' +
    `    <div class="content-section">\n      ${e(message)}\n    </div>\n  </div>\n</div>\n</body>\n</html>\n`
  );
}

function errorPage(style: ErrorPageStyle, status: number, reason: string, message: string, req: http.IncomingMessage, url: string) {
  if (style === 'bottle') return { contentType: 'text/html; charset=UTF-8', body: bottlePage(`${status} ${reason}`, message, url) };
  if (style === 'nexus') return { contentType: 'text/html', body: nexusPage(status, message) };
  return pyramidPage(`${status} ${reason}`, message, String(req.headers.accept ?? ''));
}

/** An answer of a profile as the reply to this request. */
export function reply(answer: Answer, values: TemplateValues, req: http.IncomingMessage): Reply {
  const ua = String(req.headers['user-agent'] ?? '');
  const rule = answer.statusForUserAgent;
  const status = rule && ua.includes(rule.contains) ? rule.status : answer.status;
  const reason = answer.reason !== undefined ? fill(answer.reason, values) : (http.STATUS_CODES[status] ?? 'Unknown');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(answer.headers ?? {})) headers[k] = fill(v, values);
  let body = answer.body === undefined ? '' : fill(answer.body, values, answer.json === true);
  if (answer.page) {
    const page = errorPage(answer.page, status, reason, body, req, values['url'] ?? '');
    headers['Content-Type'] = page.contentType;
    body = page.body;
  } else if (answer.contentType) headers['Content-Type'] = answer.contentType;
  return { status, reason, headers, body };
}

export interface PageLink {
  file: string;
  href: string;
  requiresPython: string;
}

/** A simple page from the profile's templates: head, one link per file, foot. */
export function renderPage(profile: KindProfile, templates: PageTemplates, title: string, links: PageLink[], params: Record<string, string>): Reply {
  const esc = (s: string): string => (profile.page.escape === 'html' ? htmlEscape(s) : s);
  const parts = [fill(templates.head, { ...params, title: esc(title) })];
  for (const l of links) {
    const rp = esc(l.requiresPython);
    parts.push(fill(templates.link, { ...params, href: esc(l.href), file: esc(l.file), rp, rpattr: rp ? ` data-requires-python="${rp}"` : '' }));
  }
  parts.push(fill(templates.foot, params));
  return { status: 200, headers: { 'Content-Type': profile.page.contentType }, body: parts.join('') };
}

/** The path from a page's directory to a file, as a relative href (`../../packages/…`). */
export function relativeHref(pageDir: string, target: string): string {
  const from = pageDir.split('/').filter((s, i, a) => i < a.length - 1 || s !== '');
  const to = target.split('/');
  let common = 0;
  while (common < from.length && common < to.length - 1 && from[common] === to[common]) common++;
  return `${'../'.repeat(from.length - common)}${to.slice(common).join('/')}`;
}
