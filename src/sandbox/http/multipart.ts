/**
 * multipart/form-data (and header parameter) parsing for the doubles, from a body held in memory. Malformed
 * input raises {@link MultipartError} with Go's `mime/multipart` wording, which the Gitea double sends back as is.
 */

export interface FormPart {
  name: string;
  /** Raw `filename` parameter; a part is a *file* only when this is a non-empty string. */
  filename?: string;
  contentType?: string;
  data: Buffer;
}

export interface ParsedForm {
  parts: FormPart[];
}

export class MultipartError extends Error {}

/** Parses `type/subtype; k=v; k2="v 2"` into a lower-cased type and parameters (keys lower-cased). */
export function parseHeaderParams(value: string): { type: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  let i = value.indexOf(';');
  const type = (i < 0 ? value : value.slice(0, i)).trim().toLowerCase();
  if (i < 0) return { type, params };
  i += 1;
  while (i < value.length) {
    while (i < value.length && (value[i] === ' ' || value[i] === '\t' || value[i] === ';')) i++;
    const eq = value.indexOf('=', i);
    if (eq < 0) break;
    const key = value.slice(i, eq).trim().toLowerCase();
    const [val, next] = value[eq + 1] === '"' ? readQuoted(value, eq + 2) : readToken(value, eq + 1);
    i = next;
    if (key.endsWith('*')) {
      const decoded = decodeExtendedValue(val);
      if (decoded !== undefined) {
        params[key.slice(0, -1)] = decoded;
        continue;
      }
    }
    if (!(key in params)) params[key] = val;
  }
  return { type, params };
}

/** A quoted-string parameter value starting after its opening quote: [value, index after the next ';']. */
function readQuoted(value: string, start: number): [string, number] {
  let i = start;
  let val = '';
  while (i < value.length && value[i] !== '"') {
    if (value[i] === '\\' && i + 1 < value.length) i++;
    val += value[i];
    i++;
  }
  i++; // closing quote
  const semi = value.indexOf(';', i);
  return [val, semi < 0 ? value.length : semi + 1];
}

/** A bare parameter value: [trimmed value, index after the next ';']. */
function readToken(value: string, start: number): [string, number] {
  const semi = value.indexOf(';', start);
  const val = (semi < 0 ? value.slice(start) : value.slice(start, semi)).trim();
  return [val, semi < 0 ? value.length : semi + 1];
}

/** RFC 5987 / 2231: charset'lang'pct-encoded; undefined when it does not decode (the raw value is used then). */
function decodeExtendedValue(val: string): string | undefined {
  const m = /^([^']*)'[^']*'(.*)$/.exec(val);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[2] ?? '');
  } catch {
    return undefined;
  }
}

/** Parses a multipart/form-data body held in memory. Throws {@link MultipartError} on malformed input. */
export function parseMultipart(body: Buffer, boundary: string): ParsedForm {
  const delim = Buffer.from(`--${boundary}`);
  const crlfDelim = Buffer.from(`\r\n--${boundary}`);
  let pos: number;
  if (body.subarray(0, delim.length).equals(delim)) pos = delim.length;
  else {
    const at = body.indexOf(crlfDelim);
    if (at < 0) throw new MultipartError('multipart: NextPart: EOF');
    pos = at + crlfDelim.length;
  }
  const parts: FormPart[] = [];
  for (;;) {
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return { parts }; // closing "--"
    while (body[pos] === 0x20 || body[pos] === 0x09) pos++; // transport padding
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    else if (body[pos] === 0x0a) pos += 1;
    else throw new MultipartError('multipart: NextPart: EOF');
    const [part, next] = readPart(body, pos, crlfDelim);
    parts.push(part);
    pos = next + crlfDelim.length;
    if (pos > body.length) throw new MultipartError('multipart: NextPart: EOF');
  }
}

/** One part whose headers start at `pos`: the part and the offset of the delimiter that ends it. */
function readPart(body: Buffer, pos: number, crlfDelim: Buffer): [FormPart, number] {
  const headerEnd = body.indexOf('\r\n\r\n', pos);
  let headersText: string;
  let dataStart: number;
  if (body[pos] === 0x0d && body[pos + 1] === 0x0a) {
    headersText = '';
    dataStart = pos + 2;
  } else {
    if (headerEnd < 0) throw new MultipartError('multipart: NextPart: EOF');
    headersText = body.subarray(pos, headerEnd).toString('utf8');
    dataStart = headerEnd + 4;
  }
  const next = body.indexOf(crlfDelim, dataStart);
  if (next < 0) throw new MultipartError('multipart: NextPart: EOF');
  const headers: Record<string, string> = {};
  for (const line of headersText.split(/\r\n/)) {
    const c = line.indexOf(':');
    if (c > 0) headers[line.slice(0, c).trim().toLowerCase()] = line.slice(c + 1).trim();
  }
  const disposition = parseHeaderParams(headers['content-disposition'] ?? '');
  const part: FormPart = { name: disposition.params['name'] ?? '', data: body.subarray(dataStart, next) };
  if ('filename' in disposition.params) part.filename = disposition.params['filename'];
  if (headers['content-type'] !== undefined) part.contentType = headers['content-type'];
  return [part, next];
}

export function isFilePart(p: FormPart): boolean {
  return typeof p.filename === 'string' && p.filename !== '';
}

/** Text fields of a form, in order. */
export function textFields(form: ParsedForm): Array<[string, string]> {
  return form.parts.filter((p) => !isFilePart(p)).map((p) => [p.name, p.data.toString('utf8')] as [string, string]);
}

/** The form of an upload POST: multipart or urlencoded; `error` when a multipart body does not parse. */
export function parseUploadForm(contentType: string, body: Buffer): { form?: ParsedForm; error?: MultipartError } {
  const { type, params } = parseHeaderParams(contentType);
  if (type === 'multipart/form-data' && params['boundary']) {
    try {
      return { form: parseMultipart(body, params['boundary']) };
    } catch (e) {
      return { error: e instanceof MultipartError ? e : new MultipartError(String(e)) };
    }
  }
  if (type === 'application/x-www-form-urlencoded') {
    return { form: { parts: [...new URLSearchParams(body.toString('utf8'))].map(([name, value]) => ({ name, data: Buffer.from(value, 'utf8') })) } };
  }
  return {};
}
