/**
 * What every double is: a service `--rehearse` publishes to ({@link RegistryService}) plus the test-only controls
 * of ./testing/ ({@link RegistryTestControls}). The two parts are built apart and joined in one object.
 */
import type { RegistryTestControls } from './testing/controls.js';

export interface RegistryFile {
  filename: string;
  /** Stored project/package name (Gitea: `.`/`_` → `-`, case kept; PyPI: the display name). */
  project: string;
  version: string;
  sha256: string;
  blake2_256?: string;
  size: number;
  requiresPython?: string;
}

/** The part `--rehearse` uses: where the double listens, what it stored, and shutting it down. */
export interface RegistryService {
  /** `http://127.0.0.1:PORT` (no trailing slash). */
  url: string;
  files(): RegistryFile[];
  /** Stored bytes of a file (first match by filename, case-insensitive), or undefined. */
  fileContent(filename: string): Buffer | undefined;
  /** Stops the server and destroys open sockets; never hangs. Idempotent. */
  close(): Promise<void>;
}

export interface Registry extends RegistryService, RegistryTestControls {}
