/** URL helpers. Every URL that reaches a log, an error or a report goes through sanitizeUrl. */

/** Removes `user:password@` from a URL (twine's sanitize_url); leaves unparsable text alone but masks userinfo. */
export function sanitizeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    // Unparsable (a '/' in a password makes the port look invalid): drop everything up to the '@'.
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@\s]*@/i, '$1');
  }
}

/** An absolute http(s) URL with a host. */
export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

export function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

export function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}
