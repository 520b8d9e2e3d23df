/** What every route of the PyPI double works with: options resolved once, the tokens, storage and the base URL. */
import type { PypiRegistryOptions, PypiToken, PypiTrustedPublisher } from './options.js';
import type { PypiStore } from './store.js';

export interface PypiSite {
  options: PypiRegistryOptions;
  /** Upload tokens by secret; Trusted Publishing adds the ones it mints. */
  tokens: Record<string, PypiToken>;
  store: PypiStore;
  fileSizeLimit: number;
  checkArchives: boolean;
  /** PEP 503 names a new project may not take. */
  takenNames: ReadonlySet<string>;
  knownClassifiers: ReadonlySet<string> | undefined;
  /**
   * Pending publishers no longer pending: `reified` once their token created the project (now an ordinary
   * publisher of it), `deleted` when the project already existed (oidc/views.py `mint_token`).
   */
  pendingPublishersDone: Map<PypiTrustedPublisher, 'reified' | 'deleted'>;
  /** `http://127.0.0.1:PORT`; set once the server listens. */
  base: string;
}
