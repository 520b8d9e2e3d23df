/** The answer a double's handler gives, as the loopback server writes it. */

export interface Reply {
  status: number;
  reason?: string;
  headers?: Record<string, string | number | string[]>;
  body?: string | Buffer;
  /** Do not copy the body into the request log (file downloads). */
  binary?: boolean;
}

/** Reason phrases must be latin-1 without control characters (Node refuses others); Warehouse maps to '?'. */
export function sanitizeReason(reason: string): string {
  return reason.replace(/[^\t\x20-\x7e\xa0-\xff]/g, '?');
}
