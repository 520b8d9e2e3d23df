/**
 * The project an upload goes to: looked up by its PEP 503 name; a new one must pass the user checks and
 * packaging/services.py `create_project` (rate limit, the registration flag, `check_project_name`) — it is only
 * created when the upload succeeds. Then `has_permission` and `_ensure_user_can_upload` for every upload.
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
    ensureUserCanUpload(identity);
    checkNewProject(site, normalized, nameValue);
  }
  ensureCanUploadTo(identity, normalized, existing?.name ?? nameValue, existing);
  ensureUserCanUpload(identity);
  return { normalized, existing };
}

/** packaging/services.py `create_project`: rate limits, the registration flag, then `check_project_name`. */
function checkNewProject(site: PypiSite, normalized: string, nameValue: string): void {
  const { options } = site;
  if (options.newProjectLimit !== undefined && site.store.projectsCreated >= options.newProjectLimit) {
    refuse(429, 'Too many new projects created');
  }
  if (options.projectRegistrationDisabled) {
    refuse(403, `New project registration temporarily disabled. See ${HELP}#admin-intervention for more information.`);
  }
  if (site.takenNames.has(normalized)) {
    refuse(409, `The name ${pyRepr(nameValue)} conflicts with an existing project. See ${HELP}#project-name for more information.`);
  }
}
