/**
 * A target is one registry we publish to. Each kind of server (Gitea, PyPI) knows what it refuses,
 * how its index names a project, and how to read its answers; the upload engine knows none of that.
 */
import type { Artifact } from '../artifacts/artifact.js';
import type { Refusal } from '../artifacts/validate.js';
import type { BasicCredentials, ServerAnswer } from '../http/types.js';

export type { Refusal, ServerAnswer };

export type Policy = 'required' | 'best-effort';

export interface Credentials extends BasicCredentials {
  /** Where they came from, for messages (names of environment variables, never values). */
  source: string;
  /** A short-lived token minted through Trusted Publishing (see trusted-publishing.ts). */
  trustedPublishing?: boolean;
  /** When a short-lived token expires (ms since the epoch), and how to get a new one. */
  expiresAt?: number;
  renew?: () => Promise<void>;
}

/** How a server answered an upload, as far as the engine needs to know. */
export type Verdict =
  | { kind: 'uploaded' }
  /** The server says a file of that name is already there (identical or not: the index tells). */
  | { kind: 'exists'; message: string }
  | { kind: 'retry'; message: string; retryAfterMs?: number }
  | { kind: 'redirect'; message: string; location: string }
  | { kind: 'failed'; message: string; hint?: string };

export interface TargetKind {
  /** Name used in reports: "Gitea", "PyPI". */
  readonly label: string;
  /** Whether the server takes PEP 740 attestations (PyPI does, with Trusted Publishing). */
  readonly attestations: boolean;
  /**
   * The project name the upload form sends. Owned by the kind, with indexProjectName, so that the
   * name the server stores is the name the client looks up (see each kind for how its server keys it).
   */
  formName(name: string): string;
  /** The project's path segment in the simple index, for a file uploaded under formName(name). */
  indexProjectName(name: string): string;
  /**
   * Where one version's files are listed with their sha256 outside the simple page (Gitea's
   * management API), asked when the page cannot confirm a file the server accepted.
   */
  fileListUrl?(uploadUrl: string, name: string, version: string): string | undefined;
  /**
   * Days after a release's first file past which the server takes no new file for it (Warehouse: 14,
   * forklift/legacy.py MAXIMUM_AGE_FOR_NEW_UPLOADS_DAYS). Its index is then read as PEP 691 JSON, whose
   * upload times (PEP 700) tell each release's age.
   */
  readonly newFilesWithinDays?: number;
  /**
   * Confirm every file in the index after uploading, whatever the policy: a 2xx from this server does
   * not prove it stored the file (devpi's +simple/, Artifactory's mistyped repository answer 200/204).
   */
  readonly alwaysVerify?: boolean;
  /** The URL that links a package to a repository of its owner (Gitea 1.24+), or undefined where it cannot. */
  packageLinkUrl?(uploadUrl: string, name: string, repository: string): string | undefined;
  /** What to check when the server (or its index) refuses the credentials. */
  authHint?(credentialSource: string): string;
  /** Its index answers a project it has not got with a redirect elsewhere (pypi.org): "not here", never followed. */
  readonly redirectMeansAbsent?: boolean;
  /** Why this server would refuse a file, for each file it would refuse (checked before any request). */
  refusals(artifacts: readonly Artifact[]): Map<string, Refusal>;
  /** Soft warnings for a file (e.g. PyPI's default 100 MiB limit, which a project can have raised). */
  warnings(artifact: Artifact): string[];
  readAnswer(answer: ServerAnswer, context: { credentialSource: string; uploadUrl: string }): Verdict;
}

export interface Target {
  id: string;
  /** Name in reports when not the kind's ("Gitea", "PyPI"): a configured target's own name. */
  label?: string;
  kind: TargetKind;
  policy: Policy;
  uploadUrl: string;
  indexUrl: string;
  /** Undefined when the credentials are missing. */
  credentials: Credentials | undefined;
  /** Which variables would hold the credentials (for "missing" messages). */
  credentialNames: string;
  /** Why the credentials could not be obtained (Trusted Publishing refused): the target fails with this. */
  credentialFailure?: { status: number | undefined; detail: string };
  /** Human description of where: host and owner. */
  where: string;
  /** OWNER/REPO to link each package this run uploads to (Gitea 1.24+), when the kind can. */
  linkRepository?: string;
}

export function headerValue(headers: ServerAnswer['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Retry-After in seconds or as an HTTP date, in ms; undefined if absent or unreadable. */
export function retryAfterMs(headers: ServerAnswer['headers'], now = Date.now()): number | undefined {
  const value = headerValue(headers, 'retry-after');
  if (value === undefined) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Collapse a server's body into one short line (HTML tags stripped), for messages. */
export function oneLine(text: string, max = 300): string {
  // An HTML error page (a proxy's, a login page) says it in its <title> once; its body repeats it
  // with the server's name ("502 Bad Gateway 502 Bad Gateway nginx").
  const title = /<html|<!doctype/i.test(text) ? /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text)?.[1] : undefined;
  const flat = (title?.trim() ? title : text)
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Shared reading of statuses every server means the same way. */
export function genericVerdict(answer: ServerAnswer, message: string): Verdict | undefined {
  const { status } = answer;
  if (status >= 300 && status < 400) {
    const location = headerValue(answer.headers, 'location') ?? '(no Location header)';
    return { kind: 'redirect', message, location };
  }
  if (status === 429) {
    const after = retryAfterMs(answer.headers);
    return after === undefined ? { kind: 'retry', message } : { kind: 'retry', message, retryAfterMs: after };
  }
  if (status === 408 || status >= 500) {
    // A 503 may say when to come back, as a 429 does.
    const after = retryAfterMs(answer.headers);
    return after === undefined ? { kind: 'retry', message } : { kind: 'retry', message, retryAfterMs: after };
  }
  if (status === 413) {
    return {
      kind: 'failed',
      message: message || 'request entity too large',
      hint: 'the file is larger than the server (or a proxy in front of it) accepts',
    };
  }
  return undefined;
}
