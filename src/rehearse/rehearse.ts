/**
 * A local rehearsal of a release (`--rehearse`): the set is published by the real pipeline to two sandbox
 * registries on 127.0.0.1 (a Gitea-like one, required, and a PyPI-like one, best-effort) with throwaway
 * credentials, then every file Gitea took is read back (read-back.ts) as an installer would. Nothing
 * leaves the machine and no real credential is read. Like `publish`, it prints nothing and returns values.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV } from '../config/resolve.js';
import { resolveSettings } from '../config/settings.js';
import type { PublishReport } from '../outcome/model.js';
import { prepare, type Plan } from '../prepare.js';
import { publish } from '../publish.js';
import { giteaProfileLabel, startGiteaRegistry, type GiteaProfile } from '../sandbox/gitea.js';
import type { RegistryKindName as SandboxKindName } from '../sandbox/kinds.js';
import { startPypiRegistry } from '../sandbox/pypi.js';
import type { EngineDeps } from '../upload/engine.js';
import { readBack, type Rehearsal } from './read-back.js';

export type { Rehearsal, RehearsalFile } from './read-back.js';

/** What to rehearse: the files, as a publish would take them. */
export interface RehearsalRequest {
  paths: readonly string[];
  cwd?: string;
  /** Attach the attestations beside each file, and require one per file (as --attestations). */
  attestations?: boolean;
}

export interface RehearseOptions {
  /** Uploads in flight per target (the engine's concurrency). Default 4. */
  concurrency?: number;
  /** The interpreter whose pip reads the files back. Default: `python3`, then `/usr/bin/python3`. */
  python?: string;
  /** Bound on each child process (pip, venv). Default 120 s. */
  processTimeoutMs?: number;
  /** HTTP timeout for uploads and index reads. Default 30 s. */
  timeoutMs?: number;
  /** Parent folder of the temporary folder (default: the system's). */
  tmpDir?: string;
  /** Which Gitea the sandbox behaves as (default the current, ≥1.22): rehearse against the version you run. */
  giteaProfile?: GiteaProfile;
  /**
   * Also rehearse against the double of another registry (GitLab, Artifactory, …): a third target,
   * required, between Gitea and PyPI, as a release to the company's registry would be configured.
   */
  registryKind?: SandboxKindName;
  signal?: AbortSignal;
}

export interface RehearseDeps extends Partial<EngineDeps> {
  /** One line per step of the read-back (for the log). */
  note?: (message: string) => void;
  /** The plan, once made (before any upload): what will be published. */
  onPlan?: (plan: Plan) => void;
}

export interface RehearsalReport extends PublishReport {
  rehearsal: Rehearsal;
}

const SANDBOX_OWNER = 'rehearsal';

export async function rehearse(request: RehearsalRequest, options: RehearseOptions = {}, deps: RehearseDeps = {}): Promise<RehearsalReport> {
  const { note = () => undefined, onPlan = () => undefined, ...engineDeps } = deps;
  const timeoutMs = options.timeoutMs ?? 30_000;
  // Throwaway credentials: the sandboxes accept these and nothing else; the user's are never read.
  const giteaUser = `rehearsal-${randomBytes(4).toString('hex')}`;
  const giteaToken = randomBytes(20).toString('hex');
  const pypiToken = `pypi-${randomBytes(24).toString('base64url')}`;

  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const [gitea, pypi] = await Promise.all([
      startGiteaRegistry({
        owner: SANDBOX_OWNER,
        users: { [giteaUser]: { token: giteaToken, scopes: ['write:package'], ownsOwner: true } },
        ...(options.giteaProfile ? { profile: options.giteaProfile } : {}),
      }),
      startPypiRegistry({ tokens: { [pypiToken]: {} } }),
    ]);
    cleanup.push(
      () => gitea.close(),
      () => pypi.close(),
    );
    note(`the Gitea sandbox behaves as ${giteaProfileLabel(gitea.profile)}`);
    // The other registries' doubles load only when one is asked for.
    const company = options.registryKind ? await (await import('../sandbox/kinds.js')).startKindRegistry(options.registryKind) : undefined;
    if (company) {
      cleanup.push(() => company.close());
      note(`a ${company.kind} sandbox at ${company.uploadUrl} is a third target (required)`);
    }
    const work = await mkdtemp(join(options.tmpDir ?? tmpdir(), 'molecule-rehearse-'));
    cleanup.push(() => rm(work, { recursive: true, force: true, maxRetries: 3 }));

    // The same pipeline as a publish (settings, plan, publish), with the sandboxes as its targets and
    // throwaway credentials in an environment of its own: the user's are never read.
    const env: NodeJS.ProcessEnv = { [ENV.giteaUser]: giteaUser, [ENV.giteaToken]: giteaToken, [ENV.pypiToken]: pypiToken };
    if (company) env[COMPANY_TOKEN_ENV] = company.credentials.password;
    const settings = await resolveSettings({
      paths: request.paths,
      ...(request.cwd !== undefined ? { cwd: request.cwd } : {}),
      env,
      giteaUrl: gitea.url,
      giteaOwner: gitea.owner,
      pypiUrl: pypi.uploadUrl,
      pypiIndexUrl: pypi.indexUrl,
      // No pyproject.toml of the user's: its targets would point elsewhere. With a third registry, the
      // three sandboxes are written as targets of a file of the rehearsal's own.
      pyproject: company ? await writeTargets(work, gitea, company, pypi) : false,
      attestations: request.attestations === true,
      engine: {
        concurrency: options.concurrency ?? 4,
        retries: 0,
        retryDelay: 0.1,
        timeout: timeoutMs / 1000,
        responseTimeout: timeoutMs / 1000,
        verify: true,
      },
    });
    // Belt and braces: a rehearsal sends to its sandboxes and nowhere else.
    for (const t of settings.targets) {
      if (
        ![gitea.url, pypi.url, ...(company ? [company.url] : [])].some((origin) => t.uploadUrl.startsWith(`${origin}/`) && t.indexUrl.startsWith(`${origin}/`))
      ) {
        throw new Error(`rehearsal: target ${t.id} does not point at a sandbox registry`);
      }
    }
    const plan = await prepare(settings, options.signal ? { signal: options.signal } : {});
    onPlan(plan);
    const report = await publish({ ...plan, engine: { ...plan.engine, maxRetryDelayMs: 1_000, verifyAttempts: 1 } }, engineDeps);

    const rehearsal = await readBack(plan, report, gitea, work, options, note);
    return { ...report, rehearsal };
  } finally {
    // Always, and in reverse: temporary folders, then the registries.
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  }
}

const COMPANY_TOKEN_ENV = 'MOLECULE_REHEARSAL_REGISTRY_TOKEN';

/** The three sandboxes as targets of a pyproject.toml of the rehearsal's own (Gitea and the registry required, PyPI best-effort). */
async function writeTargets(
  work: string,
  gitea: { url: string; owner: string },
  company: { kind: string; uploadUrl: string; credentials: { username: string } },
  pypi: { uploadUrl: string; indexUrl: string },
): Promise<string> {
  const path = join(work, 'pyproject.toml');
  const target = (fields: Record<string, string>) =>
    ['[[tool.molecule-publish.targets]]', ...Object.entries(fields).map(([k, v]) => `${k} = ${JSON.stringify(v)}`)].join('\n');
  const toml = [
    target({
      name: 'gitea',
      'upload-url': `${gitea.url}/api/packages/${gitea.owner}/pypi`,
      'username-env': ENV.giteaUser,
      'password-env': ENV.giteaToken,
      policy: 'required',
    }),
    target({
      name: company.kind,
      kind: company.kind,
      'upload-url': company.uploadUrl,
      username: company.credentials.username,
      'password-env': COMPANY_TOKEN_ENV,
      policy: 'required',
    }),
    target({ name: 'pypi', 'upload-url': pypi.uploadUrl, 'index-url': pypi.indexUrl, 'password-env': ENV.pypiToken, policy: 'best-effort' }),
  ].join('\n\n');
  await writeFile(path, `${toml}\n`);
  return path;
}

// --- reading back --------------------------------------------------------------------------------------------
