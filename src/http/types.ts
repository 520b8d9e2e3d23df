/** The HTTP layer's own vocabulary: what it sends (a form, Basic credentials) and what it hands back. */

/** One text field of a multipart form. */
export type FormField = readonly [name: string, value: string];

/** What goes into an Authorization: Basic header (targets add where the values came from). */
export interface BasicCredentials {
  username: string;
  password: string;
}

/** A server's answer to an upload, as read off the wire (the body capped). */
export interface ServerAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The reason phrase, where the server puts its message there (devpi, Nexus). */
  reason?: string;
}
