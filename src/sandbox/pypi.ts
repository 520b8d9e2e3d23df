/**
 * Sandbox (loopback double) of PyPI's legacy upload API (Warehouse "forklift") plus a PEP 503/691 simple index
 * (spec: /work/shared/spec/pypi-upload.md §1, §5). Routes: ./pypi/router.ts; the upload checks, in Warehouse's
 * order: ./pypi/upload/route.ts.
 *
 * This is the double's public face (its parts are in ./pypi/): start it with {@link startPypiRegistry}. Nothing
 * under ./pypi/ imports client code, with one exception: Warehouse's own rules in src/warehouse/ (platform tags,
 * zip framing, entry points, classifiers, Python's repr), cited there, which the client's predictions use too.
 * Those are checked apart from both: by test/warehouse/ against Warehouse's cases and by the real-wheel corpus
 * (test/real-world/), which the double and the client must both take.
 */
export {
  PYPI_DEFAULT_TOKEN,
  PYPI_DEFAULT_USER,
  type PypiRegistryOptions,
  type PypiSeedFile,
  type PypiToken,
  type PypiTrustedPublishing,
} from './pypi/options.js';
export { acceptableOffers, pyramidPage } from './pypi/pyramid.js';
export { pyRepr } from './pypi/python.js';
export { normalizePep503 } from './pypi/rules/names.js';
export { parsePep440, type Pep440Version } from './pypi/rules/pep440.js';
export { startPypiRegistry, type PypiRegistry, type PypiRegistryService, type PypiTestControls } from './pypi/registry.js';
