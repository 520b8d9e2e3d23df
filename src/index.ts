/**
 * molecule-publish as a library: the same pipeline the command line runs (settings → plan → publish →
 * report), without printing anything or touching the process. A run that stops before any request
 * (bad configuration, invalid files) rejects with a MoleculeError carrying its exit code; everything
 * that happens at a registry is in the returned report.
 *
 *   import { publish, check } from 'molecule-publish';
 *   const report = await publish({ paths: ['dist/'], giteaUrl: 'https://git.example.com', giteaOwner: 'me' });
 */
import { resolveSettings, type PublishRequest } from './config/settings.js';
import type { PublishReport } from './outcome/model.js';
import { prepare, type PrepareHooks } from './prepare.js';
import { publish as publishPlan } from './publish.js';
import type { EngineDeps } from './upload/engine.js';
import type { rehearse as rehearseRun } from './rehearse/rehearse.js';

export interface PublishOptions extends PublishRequest {
  /** Cancels uploads in flight; the report then says `interrupted`. */
  signal?: AbortSignal;
  /** Progress and outcome events, as the command line's log shows them. */
  onEvent?: EngineDeps['emit'];
  /** A token minted through Trusted Publishing, before it is used (to mask it in a CI log). */
  onToken?: PrepareHooks['onToken'];
}

/** Checks the distributions, then publishes them: the required targets first, then the best-effort ones. */
export async function publish(options: PublishOptions = {}): Promise<PublishReport> {
  const { signal, onEvent, onToken, ...request } = options;
  const settings = await resolveSettings(request);
  const hooks: PrepareHooks = {};
  if (signal) hooks.signal = signal;
  if (onToken) hooks.onToken = onToken;
  const plan = await prepare(settings, hooks);
  return publishPlan(plan, onEvent ? { emit: onEvent } : {});
}

export { check, type CheckReport, type FileCheck } from './check.js';
export {
  parseStatusSpec,
  status,
  type StatusFile,
  type StatusProblem,
  type StatusReport,
  type StatusSpec,
} from './status.js';
export type { RehearsalReport, RehearsalRequest, RehearseOptions } from './rehearse/rehearse.js';
export { resolveSettings, type PublishRequest, type Settings } from './config/settings.js';
export { prepare, type Plan, type PrepareHooks } from './prepare.js';
export type { EngineEvent } from './upload/engine.js';
export type { FileInfo, FileResult, FileStatus, PublishReport, TargetReport, TargetStatus } from './outcome/model.js';
export { ExitCode, MoleculeError } from './errors.js';
export { VERSION } from './version.js';

/**
 * The whole publish against local sandbox registries (as `--rehearse`). Loaded when called: the
 * sandbox is a large part of the package, and an import for publish or check should not compile it.
 */
export async function rehearse(...args: Parameters<typeof rehearseRun>): ReturnType<typeof rehearseRun> {
  const { rehearse: run } = await import('./rehearse/rehearse.js');
  return run(...args);
}
