/**
 * TEST-ONLY: the log of every request a double received and what it answered, so tests can assert on what the
 * client sent (fields, file digest) and on what it was told. `--rehearse` never reads it.
 */
import type http from 'node:http';
import { sha256Hex } from '../digests.js';
import { isFilePart, textFields, type ParsedForm } from '../http/multipart.js';
import type { FaultKind } from './faults.js';

export interface RecordedRequest {
  method: string;
  /** Request target as sent (path + query string). */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Text parts of a multipart (or urlencoded) body, in order. Only set for upload POSTs that parsed. */
  fields?: Array<[string, string]>;
  /** The `content` file part. */
  fileName?: string;
  fileSize?: number;
  fileSha256?: string;
  fileContentType?: string;
  /** Status sent; 0 while pending or when the connection was reset / stalled / aborted without an answer. */
  status: number;
  /** Reason phrase sent (PyPI carries its error message here). */
  statusMessage?: string;
  /** Response body as UTF-8 text (not set for file downloads). */
  responseBody?: string;
  /** Fault applied to this request, if any. */
  fault?: FaultKind;
  /** True when this request stored a file. */
  stored?: boolean;
}

/** Every request in arrival order; the upload POSTs among them are remembered apart. */
export class RequestLog {
  readonly requests: RecordedRequest[] = [];
  private readonly uploadSet = new WeakSet<RecordedRequest>();

  /** Starts the record of a request, before anything is read from it. */
  open(req: http.IncomingMessage): RecordedRequest {
    const rec: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: { ...req.headers }, status: 0 };
    this.requests.push(rec);
    return rec;
  }

  markUpload(rec: RecordedRequest): void {
    this.uploadSet.add(rec);
  }

  uploads(): RecordedRequest[] {
    return this.requests.filter((r) => this.uploadSet.has(r));
  }
}

/** Copies an upload's text fields and the `content` file part's name, size, digest and type into its record. */
export function recordUploadForm(rec: RecordedRequest, form: ParsedForm): void {
  rec.fields = textFields(form);
  const content = form.parts.find((p) => p.name === 'content' && isFilePart(p));
  if (content) {
    rec.fileName = content.filename;
    rec.fileSize = content.data.length;
    rec.fileSha256 = sha256Hex(content.data);
    if (content.contentType !== undefined) rec.fileContentType = content.contentType;
  }
}
