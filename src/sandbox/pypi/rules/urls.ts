/** URLs of the metadata (Home-Page, Download-URL, Project-URL), as Warehouse validates them. */

// --- URLs (warehouse/utils/http.py `is_valid_uri(url, require_authority=False)` on rfc3986 2.0.0) -------------

/**
 * What rfc3986's `uri_reference(u).normalize()` + `Validator().allow_schemes('http', 'https')
 * .require_presence_of('scheme').check_validity_of('scheme', 'host', 'port', 'path', 'query')` rejects. rfc3986
 * percent-encodes path, query and fragment and drops an authority it cannot parse, so what remains is: the scheme
 * must be http/https (any case), and a parsable authority must not carry a port above 65535.
 */
export function isValidPypiUri(uri: string): boolean {
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):)?(?:\/\/([^\\/?#]*))?/.exec(uri);
  const scheme = m?.[1]?.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return false;
  const authority = m?.[2];
  if (authority) {
    const unreserved = "A-Za-z0-9._~\\-!$&'()*+,;=";
    const pct = '%[A-Fa-f0-9]{2}';
    const sub = new RegExp(`^(?:((?:[${unreserved}:]|${pct})+)@)?((?:${pct}|[${unreserved}])*|\\[[^\\]]*\\]):?([0-9]{1,5})?\\n?$`).exec(authority);
    const host = sub?.[2] ?? '';
    const ipv4 = /^([0-9]{1,3}\.){3}[0-9]{1,3}$/.test(host);
    const ipv4Ok = !ipv4 || host.split('.').every((b) => Number(b) <= 255);
    if (sub && ipv4Ok && sub[3] !== undefined && Number(sub[3]) > 65535) return false;
  }
  return true;
}
