/**
 * TEST-ONLY controls every double offers: the request log, the fault queue, and seeding of stored files that
 * bypasses every check. `--rehearse` uses none of them: it starts a double, points the real client at its URLs,
 * reads back `files()` / `fileContent()` and closes it (see ../registry.ts `RegistryService`).
 */
import type { RunningServer } from '../http/server.js';
import type { FaultPlan } from './faults.js';
import type { RecordedRequest } from './recording.js';

export interface SeedFile {
  filename: string;
  project: string;
  version: string;
  content: Buffer;
  requiresPython?: string;
}

export interface RegistryTestControls {
  /** Every request, including GETs, in arrival order. */
  requests: RecordedRequest[];
  /** POSTs to the upload URL only. */
  uploads(): RecordedRequest[];
  injectFault(f: FaultPlan): void;
  clearFaults(): void;
  /** Pre-populate storage, bypassing every check (e.g. "already there" or "other bytes under the same name"). */
  seedFile(f: SeedFile): void;
}

/** The request log and fault queue of a running server, as a double exposes them. */
export function serverControls(server: RunningServer): Omit<RegistryTestControls, 'seedFile'> {
  return {
    requests: server.requests,
    uploads: server.uploads,
    injectFault: (f: FaultPlan) => server.faults.push(f),
    clearFaults: () => server.faults.clear(),
  };
}
