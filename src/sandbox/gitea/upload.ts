/**
 * POST /api/packages/{owner}/pypi: routers/api/packages/pypi/pypi.go UploadPackageFile, in its order (form,
 * hash, name and version, size limits, duplicate), then the store. 201 with an empty body on success.
 */
import { sha256Hex } from '../digests.js';
import { isFilePart, parseHeaderParams, type ParsedForm } from '../http/multipart.js';
import type { Reply } from '../http/reply.js';
import type { RequestContext } from '../http/server.js';
import type { Principal } from './auth.js';
import { apiError } from './go-http.js';
import type { GiteaSite } from './site.js';
import { giteaNormalizeName } from './store.js';

// Regexes of Gitea 1.22 routers/api/packages/pypi/pypi.go (case-sensitive, applied to the normalised name).
const NAME_RE = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9.\-_]*[a-zA-Z0-9])$/;
const VERSION_RE =
  /^v?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?(?:[-_.]?dev[-_.]?[0-9]*)?(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$/;

function isValidHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.host !== '';
  } catch {
    return false;
  }
}

/** Go's FormValue: query string values first, then the multipart values. */
function formValueOf(ctx: RequestContext, form: ParsedForm): (k: string) => string {
  return (k) => {
    const q = ctx.url.searchParams.get(k);
    if (q !== null) return q;
    const part = form.parts.find((x) => x.name === k && !isFilePart(x));
    return part ? part.data.toString('utf8') : '';
  };
}

/** services/packages/packages.go CheckSizeQuotaExceeded (admins exempt), before TryInsertFile's duplicate check. */
function sizeLimitRefusal(site: GiteaSite, p: Principal, size: number): Reply | undefined {
  const { behaviour, options } = site;
  if (site.auth.isAdmin(p)) return undefined;
  if (behaviour.typeSizeLimit && options.maxFileBytes !== undefined && size > options.maxFileBytes) {
    return apiError(403, 'maximum allowed package type size exceeded');
  }
  const q = behaviour.quota;
  if (q.kind === 'gitea' && options.quotaBytes !== undefined && site.store.ownerBytes() + size > options.quotaBytes) {
    return apiError(q.status, q.body);
  }
  return undefined;
}

/**
 * The package and version rows are made by "look, then insert" inside one transaction
 * (services/packages/packages.go createPackageAndVersion, run by addFileToPackageWrapper under
 * db.TxContext; models/packages/package.go TryInsertPackage, package_version.go
 * TryInsertPackageVersion). Two uploads that both find a row missing both insert it, and the second
 * fails on the unique key: routers/api/packages/pypi/pypi.go answers any other error with
 * apiError(500, err), the database's own words (SQLite's here). The double keeps the rows being
 * created for one turn of the event loop, the time between the look and the commit.
 */
const UNIQUE_PACKAGE = 'UNIQUE constraint failed: package.owner_id, package.type, package.lower_name';
const UNIQUE_VERSION = 'UNIQUE constraint failed: package_version.package_id, package_version.lower_version';

export async function upload(site: GiteaSite, ctx: RequestContext, p: Principal): Promise<Reply> {
  const ct = ctx.req.headers['content-type'];
  const media = ct ? parseHeaderParams(ct) : undefined;
  if (media?.type !== 'multipart/form-data') return apiError(400, "request Content-Type isn't multipart/form-data");
  if (!media.params['boundary']) return apiError(400, 'no multipart boundary param in Content-Type');
  if (ctx.formError || !ctx.form) return apiError(400, ctx.formError?.message ?? 'multipart: NextPart: EOF');
  const content = ctx.form.parts.find((part) => part.name === 'content' && isFilePart(part));
  if (!content) return apiError(400, 'http: no such file');
  const formValue = formValueOf(ctx, ctx.form);
  const bytes = content.data;
  if (formValue('sha256_digest').toLowerCase() !== sha256Hex(bytes)) return apiError(400, 'hash mismatch');
  const name = giteaNormalizeName(formValue('name'));
  const version = formValue('version');
  if (!NAME_RE.test(name) || !VERSION_RE.test(version)) return apiError(400, 'invalid name or version');
  const homePage = formValue('home_page');
  // Go strips directory parts from the part's filename (filepath.Base).
  const filename = (content.filename ?? '').replace(/\/+$/, '').split('/').pop() ?? '';

  const limited = sizeLimitRefusal(site, p, bytes.length);
  if (limited) return limited;
  const existing = site.store.get(name)?.versions.get(version.toLowerCase());
  if (existing?.files.some((f) => f.filename.toLowerCase() === filename.toLowerCase())) {
    return apiError(site.options.legacyDuplicateStatus ?? site.behaviour.duplicate.status, site.behaviour.duplicate.body);
  }
  const packageKey = `package ${name.toLowerCase()}`;
  const versionKey = `version ${name.toLowerCase()} ${version.toLowerCase()}`;
  const creates = [!site.store.get(name) && packageKey, !existing && versionKey].filter((k): k is string => k !== false);
  if (creates.includes(packageKey) && site.creating.has(packageKey)) return apiError(500, UNIQUE_PACKAGE);
  if (creates.includes(versionKey) && site.creating.has(versionKey)) return apiError(500, UNIQUE_VERSION);
  for (const key of creates) site.creating.add(key);
  try {
    if (creates.length > 0) await new Promise((resolve) => setImmediate(resolve));
  } finally {
    for (const key of creates) site.creating.delete(key);
  }
  site.store.add(name, version, filename, Buffer.from(bytes), {
    author: formValue('author'),
    description: formValue('description'),
    long_description: formValue('long_description'),
    summary: formValue('summary'),
    project_url: isValidHttpUrl(homePage) ? homePage : '',
    license: formValue('license'),
    requires_python: formValue('requires_python'),
  });
  ctx.stored = true;
  return { status: 201 };
}
