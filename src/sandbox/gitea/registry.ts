/**
 * startGiteaRegistry: the Gitea PyPI registry double (spec: /work/shared/spec/gitea-pypi.md §1–3, §3a, §6) on
 * the loopback server, with the profile of the Gitea/Forgejo version to emulate (./profiles.ts). The routes are
 * in ./router.ts; the object returned is the service `--rehearse` uses plus the test-only controls.
 */
import { startServer } from '../http/server.js';
import type { RegistryService } from '../registry.js';
import { serverControls } from '../testing/controls.js';
import { GiteaAuth } from './auth.js';
import { GITEA_DEFAULT_TOKEN, GITEA_DEFAULT_USER, type GiteaRegistryOptions, type GiteaUser } from './options.js';
import { GITEA_PROFILE_BEHAVIOUR, type GiteaProfile } from './profiles.js';
import { handle, isUploadRequest } from './router.js';
import { giteaSeeding, type GiteaTestControls } from './seeding.js';
import type { GiteaSite } from './site.js';
import { GiteaStore } from './store.js';

/** What `--rehearse` uses of the Gitea double. */
export interface GiteaRegistryService extends RegistryService {
  owner: string;
  /** The emulated server version. */
  profile: GiteaProfile;
  /** `${url}/api/packages/${owner}/pypi` */
  uploadUrl: string;
  /** `${url}/api/packages/${owner}/pypi/simple/` */
  indexUrl: string;
}

export interface GiteaRegistry extends GiteaRegistryService, GiteaTestControls {}

export async function startGiteaRegistry(options: GiteaRegistryOptions = {}): Promise<GiteaRegistry> {
  const owner = options.owner ?? 'molecule';
  const profile: GiteaProfile = options.profile ?? '1.22';
  const behaviour = GITEA_PROFILE_BEHAVIOUR[profile];
  if (!behaviour) throw new Error(`unknown Gitea profile: ${String(profile)}`);
  const users: Record<string, GiteaUser> = options.users ?? {
    [GITEA_DEFAULT_USER]: { token: GITEA_DEFAULT_TOKEN, scopes: ['write:package'], ownsOwner: true },
  };
  const store = new GiteaStore();
  const site: GiteaSite = { owner, options, behaviour, store, auth: new GiteaAuth(users, behaviour, options), rootUrl: '', creating: new Set() };

  const server = await startServer({
    isUpload: (method, pathname) => isUploadRequest(owner, method, pathname),
    handle: (ctx) => handle(site, ctx),
    defaultRedirect: () => `${site.rootUrl}/redirected/api/packages/${owner}/pypi`,
    maxBodyBytes: options.maxBodyBytes,
  });
  site.rootUrl = server.url;

  const service: GiteaRegistryService = {
    url: server.url,
    owner,
    profile,
    uploadUrl: `${server.url}/api/packages/${owner}/pypi`,
    indexUrl: `${server.url}/api/packages/${owner}/pypi/simple/`,
    files: () => store.files(),
    fileContent: (filename) => store.fileContent(filename),
    close: server.close,
  };
  return { ...service, ...serverControls(server), ...giteaSeeding(store) };
}
