/** What a test (or `--rehearse`) can set when starting the PyPI double: tokens, limits, admin flags, Trusted Publishing. */
import type { SeedFile } from '../testing/controls.js';

export interface PypiToken {
  /** Project-scoped token: the projects (any spelling) it may upload to. Undefined = all projects of its user. */
  projects?: string[];
  expired?: boolean;
  /** Owner of the token (default `publisher`); must own existing projects to upload to them. */
  user?: string;
  /** Minted through Trusted Publishing: expires at this time (ms), and may carry attestations. */
  expiresAt?: number;
  trustedPublishing?: boolean;
  /** The owner has no verified primary e-mail → 403 (legacy.py `_ensure_user_can_upload`). */
  unverifiedEmail?: boolean;
  /** The owner has no two-factor authentication → 403 (legacy.py `_ensure_user_can_upload`). */
  no2fa?: boolean;
  /**
   * Minted for a publisher with a `project`: the PEP 503 names of the projects its publisher is registered to
   * (macaroons/caveats/__init__.py `OIDCPublisher`); the token is not a user's (no new projects, no owner check).
   */
  oidcProjects?: string[];
}

/**
 * Trusted Publishing (Warehouse `oidc/views.py`): an OIDC token whose claims match a publisher is
 * exchanged for a short-lived upload token. The sandbox does not check the JWT's signature: it stands
 * in for PyPI, not for GitHub's issuer.
 */
export interface PypiTrustedPublishing {
  audience?: string;
  /** A publisher matches when every listed claim equals the token's. */
  publishers: PypiTrustedPublisher[];
  /** Lifetime of minted tokens (default 900 s, as PyPI). */
  lifetimeSeconds?: number;
}

/**
 * One Trusted Publisher. With `project` it is Warehouse's: registered to its project(s), and the tokens it mints
 * upload only there and create no project. Without `project` (the double's older shortcut, kept for tests
 * written before scoping) its tokens act as `user`'s unscoped API token: any project of that user, new ones too.
 */
export interface PypiTrustedPublisher {
  claims: Record<string, string>;
  /** Owner of the projects an unscoped publisher (or a pending one) creates (default `publisher`). */
  user?: string;
  /** The project(s) (any spelling) this publisher is registered to (oidc/models `OIDCPublisher.projects`). */
  project?: string | string[];
  /**
   * A pending publisher (oidc/models `PendingOIDCPublisher`): `project` (one name) does not exist yet; the first
   * token minted creates it (as `user`'s) and turns this into an ordinary publisher of it.
   */
  pending?: boolean;
}

export interface PypiRegistryOptions {
  /** Replaces the default `{ 'pypi-test-token': {} }`. */
  tokens?: Record<string, PypiToken>;
  /** Per-file limit (default 100 MiB) → 400 `File too large. …`. */
  fileSizeLimit?: number;
  /** Reproduce Warehouse's archive checks (zip/tar structure, WHEEL/RECORD/METADATA, PKG-INFO). Default true. */
  checkArchives?: boolean;
  /** Number of new projects that may be created before uploads of new projects get 429. Default unlimited. */
  newProjectLimit?: number;
  /** Hard cap on request bodies (default 2 GiB) → 413. */
  maxBodyBytes?: number;
  trustedPublishing?: PypiTrustedPublishing;
  /** Names (any spelling) a new project may not take → 409 `The name '…' conflicts with an existing project. …`. */
  takenNames?: string[];
  /** Admin flag READ_ONLY → every upload gets 403 `Read-only mode: Uploads are temporarily disabled.` */
  readOnly?: boolean;
  /** Admin flag DISALLOW_NEW_UPLOAD → every upload gets 403 `New uploads are temporarily disabled. …` */
  uploadsDisabled?: boolean;
  /** Admin flag DISALLOW_NEW_PROJECT_REGISTRATION → a new project gets 403 `New project registration temporarily disabled. …` */
  projectRegistrationDisabled?: boolean;
  /**
   * Replaces the list of valid trove classifiers `classifiers` are checked against (`'X' is not a valid classifier.`).
   * Default: the full list Warehouse checks, src/warehouse/trove-classifiers.ts (its `TROVE_CLASSIFIERS_VERSION`).
   * The deprecated classifiers are refused as deprecated either way.
   */
  knownClassifiers?: Iterable<string>;
}

export interface PypiSeedFile extends SeedFile {
  /** Username owning the project when the seed creates it (default `publisher`). */
  owner?: string;
  /**
   * When the file was uploaded, ms since the epoch (default now): its PEP 700 `upload-time`, and its release's
   * `created` if it is the release's first (or earliest) file; a release older than 14 days takes no new files.
   */
  uploadedAt?: number;
}

export const PYPI_DEFAULT_TOKEN = 'pypi-test-token';
export const PYPI_DEFAULT_USER = 'publisher';
