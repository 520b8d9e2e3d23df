/**
 * The project an upload goes to: looked up by its PEP 503 name; a new one must pass the user checks and
 * packaging/services.py `create_project` (rate limit, the registration flag, `check_project_name`) — it is only
 * created when the upload succeeds; a Trusted Publishing identity may not create one. Then `has_permission` and
 * `_ensure_user_can_upload` for every upload.
 */
import { ensureCanUploadTo, ensureUserCanUpload, type Identity } from '../auth.js';
import { HELP } from '../help-links.js';
import { pyRepr } from '../python.js';
import { normalizePep503 } from '../rules/names.js';
import type { PypiSite } from '../site.js';
import type { PProject } from '../store.js';
import { refuse } from './refusal.js';

export function resolveProject(site: PypiSite, identity: Identity, nameValue: string): { normalized: string; existing: PProject | undefined } {
  const normalized = normalizePep503(nameValue);
  const existing = site.store.get(normalized);
  if (!existing) {
    ensureUserIdentity(identity);
    ensureUserCanUpload(identity);
    checkNewProject(site, normalized, nameValue);
  }
  ensureCanUploadTo(identity, normalized, existing?.name ?? nameValue, existing);
  ensureUserCanUpload(identity);
  return { normalized, existing };
}

/**
 * forklift/legacy.py `file_upload`, `if project is None: if not request.user:` → 400, before any other check of a
 * new project. A Trusted Publishing token is not a user's; the one way such an identity gets a new project is a
 * pending publisher, which creates it when the token is minted (../oidc.ts), so the project exists by now unless
 * the metadata names another one. (The double's unscoped publishers act as their user: see options.ts.)
 */
function ensureUserIdentity({ token }: Identity): void {
  if (token.trustedPublishing && token.oidcProjects) {
    refuse(
      400,
      'Non-user identities cannot create new projects. This was probably caused by successfully using a pending ' +
        "publisher but specifying the project name incorrectly (either in the publisher or in your project's metadata). " +
        'Please ensure that both match. See: https://docs.pypi.org/trusted-publishers/troubleshooting/',
    );
  }
}

/**
 * packaging/services.py `create_project`: rate limits (unless `ratelimited=False`, as for a pending publisher),
 * the registration flag, then `check_project_name`.
 */
export function checkNewProject(site: PypiSite, normalized: string, nameValue: string, ratelimited = true): void {
  const { options } = site;
  if (ratelimited && options.newProjectLimit !== undefined && site.store.projectsCreated >= options.newProjectLimit) {
    refuse(429, 'Too many new projects created');
  }
  if (options.projectRegistrationDisabled) {
    refuse(403, `New project registration temporarily disabled. See ${HELP}#admin-intervention for more information.`);
  }
  if (site.takenNames.has(normalized)) {
    refuse(409, `The name ${pyRepr(nameValue)} conflicts with an existing project. See ${HELP}#project-name for more information.`);
  }
}
