/**
 * Sandbox registries on 127.0.0.1: `startGiteaRegistry` (Gitea's PyPI registry, per server version) and
 * `startPypiRegistry` (PyPI's legacy upload API + simple index). Silent, in-memory, closed with `close()`. Used
 * by `rehearse()` and by the end-to-end tests (test/helpers/registries re-exports them).
 *
 *   gitea.ts, gitea/    the Gitea double          http/     the loopback server, form parsing
 *   pypi.ts, pypi/      the PyPI double           testing/  TEST-ONLY: faults, request log, seeding
 *   registry.ts         what every double is      archives.ts, digests.ts, profiles.ts  shared pieces
 */
export * from './archives.js';
export * from './digests.js';
export * from './gitea.js';
export * from './kinds.js';
export * from './pypi.js';
export type { Registry, RegistryFile, RegistryService } from './registry.js';
export { isFilePart, MultipartError, parseHeaderParams, parseMultipart, textFields, type FormPart, type ParsedForm } from './http/multipart.js';
export { sanitizeReason, type Reply } from './http/reply.js';
export { startServer, type RequestContext, type RunningServer, type ServerOptions } from './http/server.js';
export type { RegistryTestControls, SeedFile } from './testing/controls.js';
export { FaultQueue, type FaultKind, type FaultPlan } from './testing/faults.js';
export type { RecordedRequest } from './testing/recording.js';
