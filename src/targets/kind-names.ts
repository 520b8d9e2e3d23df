/** The names of the registry kinds a target may be given (a data module with no imports: the CLI's --help loads it). */
export const REGISTRY_KIND_NAMES = ['gitlab', 'artifactory', 'nexus', 'codeartifact', 'azure', 'devpi', 'pypiserver', 'generic'] as const;
export type RegistryKindName = (typeof REGISTRY_KIND_NAMES)[number];

/** Every kind a target may be given (`kind = "…"`, `--repository-kind`). */
export const TARGET_KIND_NAMES = ['gitea', 'pypi', ...REGISTRY_KIND_NAMES] as const;
export type TargetKindName = (typeof TARGET_KIND_NAMES)[number];
