/** What every route of the Gitea double works with: the owner, the profile's behaviour, storage and auth. */
import type { GiteaAuth } from './auth.js';
import type { GiteaRegistryOptions } from './options.js';
import type { GiteaProfileBehaviour } from './profiles.js';
import type { GiteaStore } from './store.js';

export interface GiteaSite {
  /** The one owner (user/org) whose registry this is; matched case-insensitively. */
  owner: string;
  options: GiteaRegistryOptions;
  behaviour: Readonly<GiteaProfileBehaviour>;
  store: GiteaStore;
  auth: GiteaAuth;
  /** ROOT_URL without trailing slash; set once the server listens. */
  rootUrl: string;
  /** Package and version rows being created by an upload in progress (see upload.ts). */
  creating: Set<string>;
}
