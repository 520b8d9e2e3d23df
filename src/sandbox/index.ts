/**
 * Sandbox registries on 127.0.0.1: `startGiteaRegistry` (Gitea 1.22 PyPI registry) and `startPypiRegistry`
 * (PyPI legacy upload API + simple index). Silent, in-memory, closed with `close()`. Used by `rehearse()`
 * and by the end-to-end tests (test/helpers/registries re-exports them).
 */
export * from './common.js';
export * from './archives.js';
export * from './gitea.js';
export * from './pypi.js';
