/**
 * Loopback test registries for end-to-end tests: `startGiteaRegistry` (Gitea 1.22 PyPI registry) and
 * `startPypiRegistry` (PyPI legacy upload API + simple index), plus wheel/sdist builders.
 * Specs: /work/shared/spec/gitea-pypi.md, /work/shared/spec/pypi-upload.md.
 */
export * from './common.js';
export * from './archives.js';
export * from './gitea.js';
export * from './pypi.js';
