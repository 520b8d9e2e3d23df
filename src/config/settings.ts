/**
 * One publish request (from the command line or the library) → one frozen Settings: the pyproject.toml
 * layer, .pypirc for --repository, the engine options, the targets with their credentials, the TLS
 * material, and what must be masked. Precedence, everywhere: flag > environment > pyproject.toml >
 * default. Nothing here prints; problems are UsageErrors (exit 2) before any file is read.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { TlsOptions } from '../http/client.js';
import { proxySecrets } from '../http/proxy.js';
import type { Target } from '../targets/target.js';
import type { TargetKindName } from '../targets/kind-names.js';
import { sanitizeUrl } from '../util/url.js';
import { ENGINE_OPTIONS, optionRule, parseOptionNumber, type EngineSettings } from './options.js';
import { loadPyprojectConfig, type FileConfig } from './pyproject.js';
import { defaultPypircPath, readPypircRepository, type PypircRepository } from './pypirc.js';
import { ENV, insecureTargets, resolveTargets } from './resolve.js';

export type { EngineSettings };

/** What a caller asks for: the command line's flags, or the library's options. */
export interface PublishRequest {
  /** Folders, files or globs (default `dist/`). */
  paths?: readonly string[];
  cwd?: string;
  /** Where credentials and MOLECULE_PUBLISH_* settings come from (default process.env). */
  env?: NodeJS.ProcessEnv;
  dryRun?: boolean;
  giteaUrl?: string;
  giteaOwner?: string;
  giteaRepositoryUrl?: string;
  pypiUrl?: string;
  pypiIndexUrl?: string;
  /** false: do not publish to PyPI. */
  pypi?: boolean;
  /** Engine options given explicitly (they win over the environment and pyproject.toml). */
  engine?: Partial<EngineSettings>;
  /** [tool.molecule-publish] from this file (default ./pyproject.toml when present); false: none. */
  pyproject?: string | false;
  /** OWNER/REPO to link each Gitea package the run uploads to (default $GITHUB_REPOSITORY in Actions); false: none. */
  linkRepository?: string | false;
  /** A .pypirc section alone, as `twine upload -r NAME` (default $TWINE_REPOSITORY). */
  repository?: string;
  /** Which registry that section is, where its URL does not tell (devpi, pypiserver, …). */
  repositoryKind?: TargetKindName;
  configFile?: string;
  /** This target alone, as a required one. */
  only?: string;
  allowHttp?: boolean;
  cert?: string;
  clientCert?: string;
  /** Send attestations to PyPI and require one per file. */
  attestations?: boolean;
  /**
   * Mint a PyPI token through Trusted Publishing when a PyPI-like target has none and the CI offers
   * OIDC tokens (default true; false, or MOLECULE_PUBLISH_TRUSTED_PUBLISHING=0, turns it off).
   */
  trustedPublishing?: boolean;
  /** A dry run that does not read the registries' indexes (no network at all). */
  offline?: boolean;
}

export interface Settings {
  readonly paths: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly dryRun: boolean;
  readonly targets: readonly Target[];
  /** What stops a real run (exit 2) but not a dry run, which reports it. */
  readonly blockers: readonly string[];
  readonly engine: Readonly<EngineSettings>;
  readonly tls: Readonly<TlsOptions>;
  readonly requireAttestations: boolean;
  readonly trustedPublishing: boolean;
  readonly offline: boolean;
  /** Secret values a CI log must mask (tokens named by the configuration, .pypirc passwords, proxy passwords). */
  readonly secrets: readonly string[];
  /** What was corrected while resolving (for a warning each). */
  readonly notes: readonly string[];
  /** Configured targets this run does not publish to (--only): their indexes guard against other bytes. */
  readonly others: readonly Target[];
}

/** Secrets read from the environment by name, whatever the configuration. */
export const SECRET_ENV = [ENV.giteaToken, ENV.pypiToken, ENV.legacyGiteaToken, 'TWINE_PASSWORD'] as const;

export async function resolveSettings(request: PublishRequest): Promise<Settings> {
  const env = request.env ?? process.env;
  const cwd = request.cwd ?? process.cwd();
  const dryRun = request.dryRun === true;
  const file = request.pyproject === false ? { config: {}, source: 'no file' } : await loadPyprojectConfig(cwd, request.pyproject);
  const engine = engineSettings(request.engine ?? {}, env, file.config);
  const repositoryName = request.repository ?? (env.TWINE_REPOSITORY || undefined);
  const section = repositoryName
    ? await readPypircRepository(
        repositoryName,
        request.configFile ? resolve(cwd, request.configFile) : defaultPypircPath(env),
        request.configFile !== undefined,
      )
    : undefined;
  const repository = section && request.repositoryKind ? { ...section, kind: request.repositoryKind } : section;

  const secrets = new Set<string>();
  // As given and trimmed (what is sent, see resolveTargets): a CI log masks exact strings.
  const secret = (value: string | undefined) => {
    if (value?.trim()) secrets.add(value).add(value.trim());
  };
  for (const name of SECRET_ENV) secret(env[name]);
  for (const t of file.config.targets ?? []) secret(env[t['password-env']]);
  if (repository?.password) secrets.add(repository.password);
  for (const password of proxySecrets(env)) secrets.add(password);

  const { targets, blockers, notes, others } = resolveTargets(
    {
      giteaUrl: request.giteaUrl,
      giteaOwner: request.giteaOwner,
      giteaRepositoryUrl: request.giteaRepositoryUrl,
      pypiUrl: request.pypiUrl,
      pypiIndexUrl: request.pypiIndexUrl,
      pypi: request.pypi,
      linkRepository: request.linkRepository,
    },
    env,
    {
      dryRun,
      file: file.config,
      fileSource: file.source,
      ...(request.only !== undefined ? { only: request.only } : {}),
      ...(repository ? { repository } : {}),
    },
  );
  const allBlockers = [...blockers];
  const insecure = insecureTargets(targets);
  if (insecure.length > 0 && !request.allowHttp) {
    const message = `refusing to send credentials in clear text to ${insecure.map((t) => sanitizeUrl(t.uploadUrl)).join(', ')}: use https, or --allow-http`;
    if (!dryRun) throw new UsageError(message, { code: 'config' });
    allBlockers.push(message);
  }
  const inCwd = (file: string | undefined) => (file ? resolve(cwd, file) : undefined);
  const tls = await readTlsFiles(inCwd(request.cert ?? repository?.caCert), inCwd(request.clientCert ?? repository?.clientCert), env);

  return Object.freeze({
    paths: Object.freeze([...(request.paths ?? ['dist/'])]),
    cwd,
    env,
    dryRun,
    targets: Object.freeze(targets.map((t) => Object.freeze({ ...t }))),
    blockers: Object.freeze(allBlockers),
    engine: Object.freeze(engine),
    tls: Object.freeze(tls),
    requireAttestations: request.attestations === true,
    offline: request.offline === true,
    trustedPublishing: request.trustedPublishing ?? !/^(0|false|no|off)$/i.test((env.MOLECULE_PUBLISH_TRUSTED_PUBLISHING ?? '').trim()),
    secrets: Object.freeze([...secrets]),
    notes: Object.freeze(notes),
    others: Object.freeze(others.map((t) => Object.freeze({ ...t }))),
  });
}

/** Each engine option: explicit value > MOLECULE_PUBLISH_* > pyproject.toml > the table's default. */
export function engineSettings(explicit: Partial<EngineSettings>, env: NodeJS.ProcessEnv, file: FileConfig): EngineSettings {
  const settings: Record<string, number | boolean> = {};
  for (const spec of ENGINE_OPTIONS) {
    const given = explicit[spec.key];
    if (given !== undefined) {
      settings[spec.key] = given;
      continue;
    }
    const raw = env[spec.env];
    if (raw !== undefined && raw !== '') {
      if (spec.kind === 'boolean') {
        settings[spec.key] = !/^(0|false|no|off)$/i.test(raw.trim());
        continue;
      }
      const n = parseOptionNumber(spec, raw);
      if (n === undefined) throw new UsageError(`${spec.env}: '${raw}' must be ${optionRule(spec)}`, { code: 'config' });
      settings[spec.key] = n;
      continue;
    }
    settings[spec.key] = file[spec.file] ?? spec.default;
  }
  return settings as EngineSettings;
}

async function readPem(file: string, what: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new UsageError(`${file}: cannot read the ${what} (${err.code ?? err.message})`, { code: 'config' });
  });
  if (!text.includes('-----BEGIN ')) throw new UsageError(`${file}: not a PEM file (the ${what} must be PEM)`, { code: 'config' });
  return text;
}

/** --cert (else a .pypirc ca_cert, else SSL_CERT_FILE) and --client-cert (certificate and key in one PEM, as twine). */
async function readTlsFiles(cert: string | undefined, clientCert: string | undefined, env: NodeJS.ProcessEnv): Promise<TlsOptions> {
  const tls: TlsOptions = {};
  const caFile = cert ?? (env.SSL_CERT_FILE || undefined);
  if (caFile) tls.ca = [await readPem(caFile, 'CA certificates')];
  if (clientCert) {
    const pem = await readPem(clientCert, 'client certificate');
    if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem)) {
      throw new UsageError(`${clientCert}: the client certificate file must also hold its private key (PEM)`, { code: 'config' });
    }
    tls.clientCert = pem;
  }
  return tls;
}

export type { PypircRepository };
