/**
 * Go-flavoured responses, byte for byte as Gitea's handlers write them: `http.Error` / `ctx.Error` (trailing
 * newline), `apiError` → `ctx.PlainText` (none), `encoding/json` output, and html/template escaping.
 */
import type { Reply } from '../http/reply.js';

/** `http.Error` / `ctx.Error`: body ends in "\n". */
export function goError(status: number, msg: string, extra: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', ...extra },
    body: `${msg}\n`,
  };
}

/** `apiError` → `ctx.PlainText`: no trailing newline. */
export function apiError(status: number, msg: string): Reply {
  return { status, headers: { 'Content-Type': 'text/plain;charset=utf-8', 'X-Content-Type-Options': 'nosniff' }, body: msg };
}

/** Go html/template escaping for text and quoted attribute values. */
export function goHtmlEscape(s: string): string {
  return s.replace(/[\0"&'+<>]/g, (c) =>
    c === '\0' ? '\uFFFD' : c === '"' ? '&#34;' : c === '&' ? '&amp;' : c === "'" ? '&#39;' : c === '+' ? '&#43;' : c === '<' ? '&lt;' : '&gt;',
  );
}

const URL_SAFE = /^[A-Za-z0-9\-._~!#$&*+,/:;=?@[\]]*$/;

/** Go html/template `urlNormalizer` (then attribute-escaped): percent-encodes what is not allowed in a URL. */
export function goUrlNormalize(s: string): string {
  if (URL_SAFE.test(s)) return goHtmlEscape(s); // fast path: nothing to percent-encode
  const bytes = Buffer.from(s, 'utf8');
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i] ?? 0;
    const ch = String.fromCharCode(c);
    const keep =
      /[A-Za-z0-9\-._~!#$&*+,/:;=?@[\]]/.test(ch) ||
      (ch === '%' && i + 2 < bytes.length && /[0-9a-fA-F]{2}/.test(String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0)));
    out += keep && c < 0x80 ? ch : `%${c.toString(16).padStart(2, '0')}`;
  }
  return goHtmlEscape(out);
}

/** Go `encoding/json` Encoder output (HTML-safe escaping, trailing newline). */
export function goJson(status: number, value: unknown): Reply {
  const body = `${JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
  return { status, headers: { 'Content-Type': 'application/json;charset=utf-8' }, body };
}
