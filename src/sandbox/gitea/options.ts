/** What a test (or `--rehearse`) can set when starting the Gitea double: owner, users and tokens, limits, profile. */
import type { GiteaProfile } from '../profiles.js';

export type GiteaScope = 'write:package' | 'read:package' | 'all' | 'public-only' | (string & {});

export interface GiteaUser {
  /** Personal access token (tried as Basic password, Basic username with empty password, `token`/`Bearer` header, `?token=`). */
  token?: string;
  /** Real password for Basic login (no scope checks apply to password logins). */
  password?: string;
  /** PAT scopes; write:package implies read:package, `all` implies everything. */
  scopes?: GiteaScope[];
  /** Owner, or member of a team with Packages=Write: gets write access to the owner's packages. */
  ownsOwner?: boolean;
  /** Site admin: bypasses permission and quota checks (not token scopes). */
  admin?: boolean;
}

export interface GiteaRegistryOptions {
  /** Server version to emulate (see {@link GITEA_PROFILE_BEHAVIOUR} in ./profiles.ts). Default `'1.22'`. */
  profile?: GiteaProfile;
  /** Owner (user/org) name, matched case-insensitively. Default `molecule`. */
  owner?: string;
  /** Replaces the default `{ publisher: { token: 'gitea-test-token', scopes: ['write:package'], ownsOwner: true } }`. */
  users?: Record<string, GiteaUser>;
  /**
   * Overrides the profile's status for a duplicate filename (the body stays the profile's). Older spelling of
   * `profile: '1.19'` (Gitea ≤1.21 answered 400); kept for compatibility.
   */
  legacyDuplicateStatus?: 400 | 409;
  /**
   * Owner storage limit, applied the profile's way: Gitea 1.19+ LIMIT_TOTAL_OWNER_SIZE (used + upload > limit →
   * 403 `maximum allowed package storage quota exceeded`); Forgejo quota groups (used ≥ limit before the upload →
   * 413 `enforcePackagesQuota\n`); Gitea 1.17–1.18 has no limits, so it is ignored there.
   */
  quotaBytes?: number;
  /** Per-file limit (LIMIT_SIZE_PYPI) → 403 `maximum allowed package type size exceeded` (Gitea 1.19+, Forgejo; ignored by 1.17). */
  maxFileBytes?: number;
  /** Private owner: anonymous/other users get no read access (401 + WWW-Authenticate). */
  privateOwner?: boolean;
  /** An Actions task token (GITEA_TOKEN): authenticates, but is read-only in 1.22 (no Actions in profile '1.17'). */
  actionsToken?: string;
  /** Hard cap on request bodies (default 2 GiB) → 413. */
  maxBodyBytes?: number;
  /**
   * TEST-ONLY: what a Gitea behind a cache (a reverse proxy's cache of the simple pages) or with a slow
   * database replica shows (issue 18, seen by users; not Gitea's own code): a file is stored and answered
   * 201 at once, but the simple page and the files API list it only this many ms later. The duplicate
   * check still sees it (it runs on the primary). Default 0.
   */
  listingLagMs?: number;
  /** Serve Gitea 1.24's package link API (link-api.ts); without it the route is a 404, as before 1.24. */
  linkApi?: boolean;
  /** Repositories of the owner (names), that packages can be linked to. */
  repositories?: string[];
}

export const GITEA_DEFAULT_TOKEN = 'gitea-test-token';
export const GITEA_DEFAULT_USER = 'publisher';
