/**
 * Finding and inspecting every distribution of a set: what `check`, the dry run and a publish all start
 * with. Kept in the artifacts layer so that `check` loads no HTTP client, no logger and no engine.
 */
import { ExitCode, MoleculeError } from '../errors.js';
import { mapLimited } from '../util/concurrency.js';
import { inspectArtifact, type Inspection } from './artifact.js';
import { discoverDistributions, type Discovery } from './discover.js';

export interface InspectedSet {
  discovery: Discovery;
  inspections: Inspection[];
}

/** Find and inspect every distribution. Inspection reads each file twice at most, in parallel. */
export async function inspectSet(
  paths: readonly string[],
  cwd = process.cwd(),
  options: { digest?: boolean; signal?: AbortSignal; keepMetadata?: boolean; onDiscovered?: (files: number) => void } = {},
): Promise<InspectedSet> {
  const discovery = await discoverDistributions(paths, cwd);
  options.onDiscovered?.(discovery.files.length);
  // Reading a wheel's metadata is a few small reads: more in flight than cores keeps the disk busy.
  // A signal stops the reading between files (each is bounded in size and time): no file is left half-read.
  const inspections = await mapLimited(discovery.files, 8, async (f) => {
    if (options.signal?.aborted) throw new MoleculeError('interrupted', ExitCode.sigterm, 'interrupted while reading the files; nothing was uploaded');
    return inspectArtifact(f.path, { cwd, digest: options.digest === true, ...(options.keepMetadata === false ? { keepMetadata: false } : {}) });
  });
  return { discovery, inspections };
}
