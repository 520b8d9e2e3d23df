/**
 * POST /legacy/: Warehouse's legacy upload API (forklift/legacy.py), `:action=file_upload` only. The checks run in
 * Warehouse's order (pypi/warehouse 6b62157, 2026-08-21; packaging 26.2):
 *   1. forklift/decorators.py `sanitize` (outermost decorator): UNKNOWN values dropped, "<field>: Should not be a tuple."
 *   2. decorators.py `ensure_uploads_allowed`: read-only and uploads-disabled flags, then the identity
 *      (accounts/security_policy.py Basic → "Username/Password …"; no/unknown token → "Invalid or non-existent …")
 *   3. forklift/legacy.py `file_upload`: protocol_version; forms.py `UploadForm`; metadata.py `parse` (packaging
 *      `Metadata.from_raw` + `_validate_metadata`, see `checkFormMetadata`); "Upload payload does not have a file."
 *   4. new project: a non-user identity (Trusted Publishing) → 400 "Non-user identities cannot create new
 *      projects. …"; `_ensure_user_can_upload` (e-mail, 2FA), packaging/services.py `create_project` (429, the
 *      registration flag, 409); then `has_permission` (macaroon caveats, the ACL) and `_ensure_user_can_upload`
 *   5. `_validate_filename`, content type, size, digests, duplicates, the release's age (no new files after 14
 *      days, #19727/#20260), one sdist per release, `_is_valid_dist_file`
 *      (+ utils/zipfiles.py `validate_zipfile`), sdist name + License-File, wheel name/tags/version + License-File,
 *      utils/wheel.py `validate_record` / `validate_entrypoints`, METADATA; attestations last.
 * Not reproduced: description rendering, e-mail address validation, YARA, sparse tar members, prohibited / stdlib /
 * too-similar names, deleted-file names, per-project size.
 */
import { md5Hex, sha256Hex } from '../../digests.js';
import type { FormPart } from '../../http/multipart.js';
import type { Reply } from '../../http/reply.js';
import type { RequestContext } from '../../http/server.js';
import { checkDistFile } from '../archive/dist-file.js';
import { ensureUploadsAllowed } from '../auth.js';
import { checkFormMetadata } from '../metadata/check.js';
import { pyramidPage } from '../pyramid.js';
import type { PypiSite } from '../site.js';
import { checkSdistName, checkWheelContents, checkWheelName, type NamedDist } from './dist-names.js';
import { checkDigests, checkFileContent, checkFilename, checkOneSdistPerRelease, checkReleaseAge, isIdenticalReupload } from './file.js';
import { sanitize, validateUploadForm } from './form.js';
import { resolveProject } from './project.js';
import { refuse, UploadRefusal } from './refusal.js';

/** POST /legacy/: the route is chosen by `:action` (query string first, like request.params). */
export function legacyUpload(site: PypiSite, ctx: RequestContext): Reply {
  const req = ctx.req;
  const parts: FormPart[] = ctx.form?.parts ?? [];
  const actionPart = parts.find((p) => p.name === ':action');
  const action = ctx.url.searchParams.get(':action') ?? actionPart?.data.toString('utf8');
  try {
    if (action === 'submit' || action === 'submit_pkg_info') {
      refuse(410, 'Project pre-registration is no longer required or supported, upload your files instead.');
    }
    if (action === 'doc_upload') refuse(410, 'Uploading documentation is no longer supported, we recommend using https://readthedocs.org/.');
    if (action !== 'file_upload') return pyramidPage(req, 405, { detail: null, headers: { Allow: 'GET, HEAD, OPTIONS' } });
    return fileUpload(site, ctx, parts);
  } catch (e) {
    if (e instanceof UploadRefusal) return pyramidPage(req, e.status, { message: e.message, detail: e.detail });
    throw e;
  }
}

/** legacy.py `file_upload` (with its decorators), step by step; a check that fails throws an {@link UploadRefusal}. */
function fileUpload(site: PypiSite, ctx: RequestContext, parts: FormPart[]): Reply {
  const form = sanitize(parts);
  const identity = ensureUploadsAllowed(site, ctx.req);
  // protocol_version: request.POST.get, i.e. the last value.
  if ((form.values('protocol_version').at(-1) ?? '1') !== '1') refuse(400, 'Unknown protocol version.');
  const fields = validateUploadForm(form);
  const checked = checkFormMetadata(form.textFields(), site.knownClassifiers ? { knownClassifiers: site.knownClassifiers } : {});
  if ('error' in checked) refuse(400, checked.error);
  const { version, rawVersion, licenseFiles } = checked.meta;
  const content = form.content();
  if (!content) refuse(400, 'Upload payload does not have a file.');

  // A new project is created (rolled back unless the upload succeeds) after the user checks.
  const { normalized, existing } = resolveProject(site, identity, fields.name);
  const displayName = fields.name; // project.name is updated to the metadata name
  // (The description is rendered here in Warehouse; not reproduced.)
  const filename = content.filename ?? '';
  checkFilename(filename, fields.filetype);
  const bytes = checkFileContent(site, content, displayName);
  const hashes = { md5: md5Hex(bytes), sha256: sha256Hex(bytes), blake2_256: site.store.blake2(bytes) };
  checkDigests(fields.digests, hashes);
  if (isIdenticalReupload(site.store, filename, hashes)) return pyramidPage(ctx.req, 200); // 200, nothing stored
  // (A filename once used by a deleted file is refused here in Warehouse; not reproduced.)
  checkReleaseAge(existing, version.canonical);
  checkOneSdistPerRelease(existing, version.canonical, fields.filetype);

  // legacy.py `_is_valid_dist_file` → "Invalid distribution file. <reason>" (reason None prints "None").
  const dist: NamedDist = { filename, bytes, displayName, normalized, version, licenseFiles };
  if (site.checkArchives) {
    const members = checkDistFile(filename, bytes);
    if ('invalid' in members) refuse(400, `Invalid distribution file. ${members.invalid ?? 'None'}`);
    dist.members = members;
  }
  if (fields.filetype === 'sdist') checkSdistName(dist);
  if (filename.endsWith('.whl')) {
    checkWheelName(dist);
    if (dist.members) checkWheelContents(dist, dist.members.zipInfos);
  }
  // Attestations (integrity service `parse_attestations`): only from a Trusted Publishing upload.
  if (form.values('attestations').length > 0 && !identity.token.trustedPublishing) {
    refuse(400, 'Invalid attestations supplied during upload: Attestations are only supported when using Trusted Publishing');
  }

  if (!existing) site.store.projectsCreated++;
  site.store.add({
    project: displayName,
    owner: existing?.owner ?? identity.user,
    version,
    rawVersion,
    requiresPython: form.present('requires_python'),
    filename,
    bytes: Buffer.from(bytes),
    packagetype: fields.filetype,
  });
  ctx.stored = true;
  return pyramidPage(ctx.req, 200);
}
