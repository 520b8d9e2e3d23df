/**
 * Loopback registries for end-to-end tests: `startGiteaRegistry` (Gitea 1.22 PyPI registry) and
 * `startPypiRegistry` (PyPI legacy upload API + simple index) now live in src/sandbox/ (they back
 * `--rehearse`) and are re-exported here, plus the test-only wheel/sdist builders.
 * Specs: /work/shared/spec/gitea-pypi.md, /work/shared/spec/pypi-upload.md.
 */
export * from '../../../src/sandbox/index.js';
export * from './archives.js';
