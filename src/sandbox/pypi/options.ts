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
}

/**
 * Trusted Publishing (Warehouse `oidc/views.py`): an OIDC token whose claims match a publisher is
 * exchanged for a short-lived upload token. The sandbox does not check the JWT's signature: it stands
 * in for PyPI, not for GitHub's issuer.
 */
export interface PypiTrustedPublishing {
  audience?: string;
  /** A publisher matches when every listed claim equals the token's. */
  publishers: Array<{ claims: Record<string, string>; user?: string }>;
  /** Lifetime of minted tokens (default 900 s, as PyPI). */
  lifetimeSeconds?: number;
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
   * The full trove-classifier list to check `classifiers` against (`'X' is not a valid classifier.`). Without it,
   * only the root category (`Development Status`, …, `Typing`) and the deprecated classifiers are checked.
   */
  knownClassifiers?: Iterable<string>;
}

export interface PypiSeedFile extends SeedFile {
  /** Username owning the project when the seed creates it (default `publisher`). */
  owner?: string;
}

export const PYPI_DEFAULT_TOKEN = 'pypi-test-token';
export const PYPI_DEFAULT_USER = 'publisher';
