/**
 * Settings → Plan: everything decided before the first upload. The distributions are found, read and
 * checked (with their attestations); each target's refusals are worked out (a refusal by a required
 * target stops the run, exit 3); Trusted Publishing mints a token where a PyPI-like target has none.
 * The Plan is frozen: publishing reads it and changes nothing in it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Artifact, Inspection } from './artifacts/artifact.js';
import { attachAttestations } from './artifacts/attestations.js';
import type { Discovery } from './artifacts/discover.js';
import { inspectSet } from './artifacts/inspect-set.js';
import type { Settings } from './config/settings.js';
import { ExitCode, MoleculeError } from './errors.js';
import type { Refusal, Target } from './targets/target.js';
import { oidcAvailable, trustedPublishingCredentials, type TrustedPublishingError } from './targets/trusted-publishing.js';
import type { EngineDeps, EngineOptions, TargetPlan } from './upload/engine.js';

/** Some files of the set cannot be published: nothing is sent. Carries every finding. */
export class InvalidArtifactsError extends MoleculeError {
  readonly inspections: Inspection[];
  constructor(inspections: Inspection[]) {
    const bad = inspections.filter((i) => i.errors.length > 0);
    super('invalid_artifact', ExitCode.invalidArtifact, bad.flatMap((i) => i.errors.map((e) => `${i.path}: ${e}`)).join('\n'), {
      hint: `${bad.length} of ${inspections.length} file(s) invalid; nothing was uploaded`,
    });
    this.inspections = inspections;
  }
}

export { inspectSet, type InspectedSet } from './artifacts/inspect-set.js';

/** Refusals per target; a file the required target refuses stops the run (exit 3) before any request. */
export function planRefusals(targets: readonly Target[], artifacts: readonly Artifact[]): Map<string, Map<string, Refusal>> {
  const plan = new Map<string, Map<string, Refusal>>();
  const fatal: string[] = [];
  for (const target of targets) {
    const refusals = target.kind.refusals(artifacts);
    plan.set(target.id, refusals);
    if (target.policy === 'required') {
      for (const [file, refusal] of refusals) fatal.push(`${file}: ${refusal.reason}${refusal.fix ? ` (${refusal.fix})` : ''}`);
    }
  }
  if (fatal.length > 0) {
    throw new MoleculeError('unsupported_by_required_target', ExitCode.invalidArtifact, fatal.join('\n'), {
      hint: 'the required target would refuse these files; nothing was uploaded',
    });
  }
  return plan;
}

export interface Plan {
  readonly dryRun: boolean;
  /** A dry run that does not read the indexes. */
  readonly offline: boolean;
  readonly discovery: Discovery;
  readonly inspections: readonly Inspection[];
  /** The files, in the order found (the engine orders its uploads). */
  readonly artifacts: readonly Artifact[];
  readonly targets: readonly TargetPlan[];
  /** What would stop a real run (shown by a dry run). */
  readonly blockers: readonly string[];
  readonly engine: Readonly<EngineOptions>;
}

export interface PrepareHooks {
  /** A minted token, before anything else uses it (Actions masks it). */
  onToken?: (token: string) => void;
  /** Things the user should read: what Trusted Publishing did, attestations left out. */
  note?: (level: 'info' | 'warn', line: string) => void;
  signal?: AbortSignal;
}

export async function prepare(settings: Settings, hooks: PrepareHooks = {}): Promise<Plan> {
  const note = hooks.note ?? (() => undefined);
  // A dry run shows each file's sha256; a publish computes it while sending (one read per file).
  const set = await inspectSet(settings.paths, settings.cwd, { digest: settings.dryRun, ...(hooks.signal ? { signal: hooks.signal } : {}) });
  await attachAttestations(set.inspections, set.discovery.companions, { required: settings.requireAttestations, cwd: settings.cwd });
  // Everything that stops a run with exit 3 is decided before the first request (Trusted Publishing's included).
  if (set.inspections.some((i) => i.errors.length > 0 || !i.artifact)) throw new InvalidArtifactsError(set.inspections);
  // Frozen from here on: what a run learns (sha256 while sending) it keeps apart (upload/context.ts).
  const artifacts = set.inspections.flatMap((i) => (i.artifact ? [Object.freeze(i.artifact)] : []));
  const refusals = planRefusals(settings.targets, artifacts);

  const attested = artifacts.filter((a) => a.attestations !== undefined).length;
  const targets: TargetPlan[] = [];
  for (const configured of settings.targets) {
    const target = settings.dryRun ? configured : await withTrustedPublishing(configured, settings, hooks);
    // Warehouse takes attestations only from a Trusted Publishing upload; with a token it refuses the
    // upload, so they are sent when asked for (or with Trusted Publishing), else left out with a word.
    const sendAttestations = target.kind.attestations && (settings.requireAttestations || target.credentials?.trustedPublishing === true);
    if (target.kind.attestations && !sendAttestations && attested > 0 && target.credentials) {
      note(
        'warn',
        `${attested} attestation(s) found but not sent to ${target.label ?? target.kind.label}: PyPI accepts them only with Trusted Publishing (--attestations sends them anyway)`,
      );
    }
    targets.push(Object.freeze({ target, refusals: refusals.get(target.id) ?? new Map<string, Refusal>(), sendAttestations, references: settings.others }));
  }
  const e = settings.engine;
  return Object.freeze({
    dryRun: settings.dryRun,
    offline: settings.offline,
    discovery: set.discovery,
    inspections: Object.freeze(set.inspections),
    artifacts: Object.freeze(artifacts),
    targets: Object.freeze(targets),
    blockers: settings.blockers,
    engine: Object.freeze({
      concurrency: e.concurrency,
      retries: e.retries,
      retryDelayMs: e.retryDelay * 1000,
      maxRetryDelayMs: 60_000,
      timeoutMs: e.timeout * 1000,
      responseTimeoutMs: e.responseTimeout * 1000,
      indexTimeoutMs: e.indexTimeout * 1000,
      verify: e.verify,
      verifyAttempts: 4,
      http: { tls: settings.tls, proxyEnv: settings.env },
      ...(hooks.signal ? { signal: hooks.signal } : {}),
    }),
  });
}

/**
 * A PyPI-like target without a token, inside a CI that offers OIDC tokens: a short-lived token is
 * minted (Trusted Publishing). A refusal is that target's failure, explained, not a missing token.
 */
async function withTrustedPublishing(target: Target, settings: Settings, hooks: PrepareHooks): Promise<Target> {
  if (target.credentials || !target.kind.attestations || !settings.trustedPublishing || !oidcAvailable(settings.env)) return target;
  const name = target.label ?? target.kind.label;
  try {
    const credentials = await trustedPublishingCredentials(
      { uploadUrl: target.uploadUrl, env: settings.env, timeoutMs: settings.engine.timeout * 1000 },
      (token) => hooks.onToken?.(token),
    );
    hooks.note?.('info', `${name}: minted a short-lived upload token through Trusted Publishing`);
    return Object.freeze({ ...target, credentials });
  } catch (err) {
    const e = err as TrustedPublishingError;
    hooks.note?.('warn', `${name}: Trusted Publishing failed: ${e.message}`);
    return Object.freeze({ ...target, credentialFailure: { status: e.status, detail: e.message } });
  }
}

/** The engine's collaborators as the process has them: real time, real randomness, no events. */
export const defaultDeps: EngineDeps = {
  sleep: async (ms, signal) => {
    await delay(ms, undefined, signal ? { signal } : undefined).catch(() => undefined);
  },
  now: () => Date.now(),
  random: Math.random,
  emit: () => undefined,
};
