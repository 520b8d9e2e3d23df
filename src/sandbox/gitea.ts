/**
 * Sandbox (loopback double) of the Gitea PyPI package registry (spec: /work/shared/spec/gitea-pypi.md §1–3, §3a, §6),
 * with server profiles for the versions met in the field: Gitea 1.17–1.18, 1.19–1.21, ≥1.22 (default) and Forgejo.
 * Every difference between profiles is read from the server's own source; see {@link GITEA_PROFILE_BEHAVIOUR}.
 *
 * This is the double's public face (its parts are in ./gitea/): start it with
 * {@link startGiteaRegistry}, pick a server version from {@link GITEA_PROFILES}. Nothing under ./gitea/ imports
 * client code (nothing from src/ outside src/sandbox/).
 */
export { GITEA_DEFAULT_TOKEN, GITEA_DEFAULT_USER, type GiteaRegistryOptions, type GiteaScope, type GiteaUser } from './gitea/options.js';
export { GITEA_PROFILE_BEHAVIOUR, GITEA_PROFILES, giteaProfileLabel, type GiteaProfile, type GiteaProfileBehaviour } from './gitea/profiles.js';
export { startGiteaRegistry, type GiteaRegistry, type GiteaRegistryService } from './gitea/registry.js';
export type { GiteaTestControls } from './gitea/seeding.js';
export { giteaNormalizeName } from './gitea/store.js';
