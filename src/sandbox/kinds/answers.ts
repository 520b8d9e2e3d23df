/**
 * The vocabulary the kind profiles (./profiles.ts) are written in: an {@link Answer} is a server's reply as data
 * (status, reason phrase, headers, a body template, optionally wrapped in the server's own error page), and
 * {@link fill} puts the request's values into its `{placeholders}`.
 */

/** The error page a server wraps its messages in (./pages.ts renders them). */
export type ErrorPageStyle = 'bottle' | 'pyramid' | 'nexus';

export interface Answer {
  status: number;
  /** Reason phrase (a template); default: the standard phrase of the status. devpi and Nexus put their message here. */
  reason?: string;
  /** Extra headers (values are templates). */
  headers?: Record<string, string>;
  /** Body template; with `page`, the message the error page shows (escaped by the page). */
  body?: string;
  /** Content-Type of a plain body (ignored with `page`). */
  contentType?: string;
  /** The values put into `body` are JSON-escaped (the body is a JSON document). */
  json?: boolean;
  /** Wrap `body` in this server's error page. */
  page?: ErrorPageStyle;
  /** Another status when the request's User-Agent contains a string (pypiserver ≥ 2.4.1: 400 for twine). */
  statusForUserAgent?: { contains: string; status: number };
}

/**
 * What a double does with an upload whose filename is already stored: 'replace' stores the new bytes over the old
 * (silent overwrite, success answer), 'keep' changes nothing and answers like a success, an {@link Answer} refuses.
 */
export type DuplicateAction = 'replace' | 'keep' | Answer;

export type TemplateValues = Record<string, string | undefined>;

/** Replaces `{key}` by `values[key]` for the keys given (others are left as they are); `json` escapes each value for a JSON string. */
export function fill(template: string, values: TemplateValues, json = false): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, key: string) => {
    const v = values[key];
    if (v === undefined) return whole;
    return json ? JSON.stringify(v).slice(1, -1) : v;
  });
}

/** PEP 503 name normalisation (the PyPI double's, one copy in the sandbox). */
export { normalizePep503 as pep503 } from '../pypi/rules/names.js';
