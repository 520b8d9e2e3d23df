/**
 * startPypiRegistry: the PyPI double (spec: /work/shared/spec/pypi-upload.md §1, §5), Warehouse's legacy upload
 * API plus a PEP 503/691 simple index, on the loopback server. The routes are in ./router.ts; the object returned
 * is the service `--rehearse` uses plus the test-only controls.
 */
import { startServer } from '../http/server.js';
import type { RegistryService } from '../registry.js';
import { serverControls, type RegistryTestControls } from '../testing/controls.js';
import { PYPI_DEFAULT_TOKEN, type PypiRegistryOptions, type PypiSeedFile, type PypiToken } from './options.js';
import { normalizePep503 } from './rules/names.js';
import { handle, isUploadRequest } from './router.js';
import { pypiSeeding } from './seeding.js';
import type { PypiSite } from './site.js';
import { PypiStore } from './store.js';

/** What `--rehearse` uses of the PyPI double. */
export interface PypiRegistryService extends RegistryService {
  /** `${url}/legacy/` */
  uploadUrl: string;
  /** `${url}/simple/` */
  indexUrl: string;
}

export interface PypiTestControls extends RegistryTestControls {
  seedFile(f: PypiSeedFile): void;
}

export interface PypiRegistry extends PypiRegistryService, PypiTestControls {}

export async function startPypiRegistry(options: PypiRegistryOptions = {}): Promise<PypiRegistry> {
  const tokens: Record<string, PypiToken> = options.tokens ?? { [PYPI_DEFAULT_TOKEN]: {} };
  const store = await PypiStore.create();
  const site: PypiSite = {
    options,
    tokens,
    store,
    fileSizeLimit: options.fileSizeLimit ?? 100 * 1024 * 1024,
    checkArchives: options.checkArchives ?? true,
    takenNames: new Set((options.takenNames ?? []).map(normalizePep503)),
    knownClassifiers: options.knownClassifiers ? new Set(options.knownClassifiers) : undefined,
    pendingPublishersDone: new Map(),
    base: '',
  };
  const server = await startServer({
    isUpload: isUploadRequest,
    handle: (ctx) => handle(site, ctx),
    defaultRedirect: () => `${site.base}/redirected/legacy/`,
    maxBodyBytes: options.maxBodyBytes,
  });
  site.base = server.url;

  const service: PypiRegistryService = {
    url: server.url,
    uploadUrl: `${server.url}/legacy/`,
    indexUrl: `${server.url}/simple/`,
    files: () => store.files(),
    fileContent: (filename) => store.fileContent(filename),
    close: server.close,
  };
  return { ...service, ...serverControls(server), ...pypiSeeding(store) };
}
