/**
 * Sandbox (loopback doubles) of the other PyPI-compatible registries (issue 20): GitLab, JFrog Artifactory, Sonatype
 * Nexus, AWS CodeArtifact, Azure Artifacts, devpi and pypiserver. One generic server (./kinds/server.ts) answers as a
 * per-kind profile (./kinds/profiles.ts) says; each behaviour is cited there from the study of the servers' source,
 * docs and issues (./kinds/SOURCES.md), and what it could not verify is marked UNVERIFIED and listed in the
 * profile's `unverified`.
 *
 * This is the doubles' public face: start one with {@link startKindRegistry}, pick a kind from
 * {@link REGISTRY_KINDS}. Nothing under ./kinds/ imports client code.
 */
export type { Answer, DuplicateAction, ErrorPageStyle } from './kinds/answers.js';
export {
  KIND_PROFILES,
  kindProfile,
  REGISTRY_KINDS,
  type KindProfile,
  type KindProfileOptions,
  type KindUser,
  type RegistryKindName,
} from './kinds/profiles.js';
export { startKindRegistry, type KindRegistry, type KindRegistryOptions, type KindRegistryService } from './kinds/server.js';
