/** What publish and status share of turning flags into a request: the engine options given as flags, and the target flags. */
import { ENGINE_OPTIONS, type EngineSettings } from '../config/options.js';
import type { PublishRequest } from '../config/settings.js';

type TargetFlagKeys =
  | 'giteaUrl'
  | 'giteaOwner'
  | 'giteaRepositoryUrl'
  | 'pypiUrl'
  | 'pypiIndexUrl'
  | 'pyproject'
  | 'repository'
  | 'repositoryKind'
  | 'linkRepository'
  | 'configFile'
  | 'only'
  | 'cert'
  | 'clientCert';

/** The engine options given as flags (the others come from the environment or pyproject.toml). */
export function explicitEngine(flags: Partial<EngineSettings> & { explicit?: readonly string[] }): Partial<EngineSettings> {
  const explicit = new Set(flags.explicit ?? []);
  const engine: Partial<EngineSettings> = {};
  for (const spec of ENGINE_OPTIONS) {
    if (explicit.has(spec.key)) (engine as Record<string, number | boolean>)[spec.key] = flags[spec.key] ?? spec.default;
  }
  return engine;
}

/** The flags that say where the targets are, those given only. */
export function targetFlags(flags: Partial<Pick<PublishRequest, TargetFlagKeys>>): Partial<Pick<PublishRequest, TargetFlagKeys>> {
  const keys: TargetFlagKeys[] = [
    'giteaUrl',
    'giteaOwner',
    'giteaRepositoryUrl',
    'pypiUrl',
    'pypiIndexUrl',
    'pyproject',
    'repository',
    'repositoryKind',
    'linkRepository',
    'configFile',
    'only',
    'cert',
    'clientCert',
  ];
  return Object.fromEntries(keys.filter((k) => flags[k] !== undefined).map((k) => [k, flags[k]]));
}
