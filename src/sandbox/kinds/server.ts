/**
 * The one server behind every kind's double: the loopback server of ../http/server.ts (request log, fault queue)
 * answering as the kind's profile (./profiles.ts) says. Nothing in this file knows a kind by name: every
 * difference is a field of the profile.
 *
 *   POST upload URL                 auth → form → name/version → checks → duplicate → store → success
 *   POST elsewhere                  the profile's answers (unconfigured repository, simple index, GET-only routes)
 *   GET  simple base                the list of projects
 *   GET  simple base + NAME[/]      slash and name rules, then the page, a forward to pypi.org, or the 404
 *   GET  a file's path              its bytes
 */
import { isFilePart, type ParsedForm } from '../http/multipart.js';
import type { Reply } from '../http/reply.js';
import { type RequestContext, startServer } from '../http/server.js';
import type { RegistryService } from '../registry.js';
import { type RegistryTestControls, type SeedFile, serverControls } from '../testing/controls.js';
import { fill, pep503, type TemplateValues } from './answers.js';
import { authenticate } from './auth.js';
import { guessNameAndVersion, isValidUploadFilename } from './filenames.js';
import { type PageLink, relativeHref, renderPage, reply } from './pages.js';
import { type KindProfile, type KindProfileOptions, type KindUser, kindProfile, type RegistryKindName } from './profiles.js';
import { type KFile, type KProject, KindStore, newFile } from './store.js';

export interface KindRegistryOptions extends KindProfileOptions {
  /** Values of the URL layout's placeholders: GitLab {project}; Artifactory, Nexus, CodeArtifact {repo}; Azure {org} {project} {feed}; devpi {user} {index}. */
  location?: Record<string, string>;
  /** Replaces the kind's users table (defaults: KIND_PROFILES[kind].users). */
  users?: KindUser[];
  /** Hard cap on request bodies (default 2 GiB) → 413. */
  maxBodyBytes?: number;
}

/** What `--rehearse` uses of a kind's double. */
export interface KindRegistryService extends RegistryService {
  kind: RegistryKindName;
  /** The profile the double answers by (options applied). */
  profile: KindProfile;
  /** The URL a user would configure as the repository (upload) URL. */
  uploadUrl: string;
  /** The simple index base a user would give as index-url (ends with '/'). */
  indexUrl: string;
  /** Valid upload credentials (the first uploader of the users table). */
  credentials: { username: string; password: string };
}

export interface KindRegistry extends KindRegistryService, RegistryTestControls {}

interface Site {
  profile: KindProfile;
  params: Record<string, string>;
  users: KindUser[];
  store: KindStore;
  uploadPath: string;
  simpleBase: string;
  rootUrl: string;
}

// devpi views.py is_simple_json_or_requested_by_installer: installer User-Agents.
const INSTALLER_UA = /(distribute|setuptools|pip|pex|uv)\//;

function otherSlash(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : `${path}/`;
}

function decodePath(pathname: string): string {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return pathname;
  }
}

function isUploadPath(site: Site, pathname: string): boolean {
  const p = decodePath(pathname);
  return p === site.uploadPath || (site.profile.layout.uploadOtherSlash && p === otherSlash(site.uploadPath));
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Does the path name the upload URL of another (unconfigured) repository? */
function isUnconfiguredRepoUpload(site: Site, path: string): boolean {
  const rule = site.profile.unconfiguredRepo;
  if (!rule) return false;
  const pattern = site.profile.layout.upload
    .split(/(\{[A-Za-z0-9_]+\})/)
    .map((part) => {
      const m = /^\{([A-Za-z0-9_]+)\}$/.exec(part);
      if (!m) return escapeRe(part);
      return m[1] === rule.param ? '([^/]+)' : escapeRe(site.params[m[1] ?? ''] ?? '');
    })
    .join('');
  const m = new RegExp(`^${pattern.replace(/\/$/, '')}/?$`).exec(path);
  return m !== null && m[1] !== site.params[rule.param];
}

function textField(form: ParsedForm | undefined, name: string): string | undefined {
  const part = form?.parts.find((p) => p.name === name && !isFilePart(p));
  return part?.data.toString('utf8');
}

function sha256Of(site: Site, f: KFile): string {
  return site.profile.page.sha256From === 'form' ? f.formSha256 : f.sha256;
}

function filePath(site: Site, project: KProject, f: KFile): string {
  const sha = sha256Of(site, f);
  return fill(site.profile.layout.file, {
    ...site.params,
    name: project.name,
    normalized: pep503(project.name),
    version: f.version,
    file: f.filename,
    sha256: sha,
    sha256_a: f.sha256.slice(0, 3),
    sha256_b: f.sha256.slice(3, 16),
  });
}

function projectPage(site: Site, project: KProject, requested: string): Reply {
  const { page, layout } = site.profile;
  const pagePath = `${site.simpleBase}${pep503(project.name)}${layout.pageSlash ? '/' : ''}`;
  const pageDir = pagePath.slice(0, pagePath.lastIndexOf('/') + 1);
  const links: PageLink[] = project.files.map((f) => {
    const path = filePath(site, project, f);
    const href = page.hrefs === 'absolute' ? `${site.rootUrl}${path}` : page.hrefs === 'root-relative' ? path : relativeHref(pageDir, path);
    const fragment = page.hash === 'none' ? '' : page.hash === 'md5' ? `#md5=${f.md5}` : `#sha256=${sha256Of(site, f)}`;
    return { file: f.filename, href: `${href}${fragment}`, requiresPython: f.requiresPython };
  });
  return renderPage(site.profile, page.templates, page.title === 'stored' ? project.name : requested, links, site.params);
}

function rootPage(site: Site): Reply {
  const links = site.store.all().map((p) => ({ file: pep503(p.name), href: `${pep503(p.name)}/`, requiresPython: '' }));
  return renderPage(site.profile, site.profile.page.rootTemplates, '', links, site.params);
}

/** The stored project a page request names, by the profile's name rule (redirects are decided before). */
function lookup(site: Site, requested: string): KProject | undefined {
  const rule = site.profile.layout.names;
  if (rule === 'lowercased') return site.store.get(requested.toLowerCase());
  if (rule === 'exact') return requested === pep503(requested) ? site.store.get(requested) : undefined;
  return site.store.get(pep503(requested));
}

function redirect(status: number, location: string): Reply {
  return { status, headers: { Location: location }, body: '' };
}

function baseValues(site: Site, ctx: RequestContext, path: string): TemplateValues {
  return { ...site.params, origin: site.rootUrl, url: `${site.rootUrl}${ctx.req.url ?? '/'}`, path };
}

function get(site: Site, ctx: RequestContext, path: string, values: TemplateValues): Reply {
  const { profile } = site;
  const { req } = ctx;
  if (profile.auth.readsNeedAuth) {
    const who = authenticate(profile, site.users, req);
    if (who.kind === 'none') return reply(profile.auth.missing, values, req);
    if (who.kind === 'wrong') return reply(profile.auth.wrong, { ...values, username: who.username }, req);
  }
  const slashRule = (canonical: string): Reply | undefined => {
    const rule = profile.layout.otherSlash;
    if (rule === 'serve') return undefined;
    if (rule.installersServed && INSTALLER_UA.test(String(req.headers['user-agent'] ?? ''))) return undefined;
    return redirect(rule.redirect, `${site.rootUrl}${canonical}`);
  };

  if (path === site.simpleBase || path === otherSlash(site.simpleBase)) {
    if (path !== site.simpleBase) {
      const moved = slashRule(site.simpleBase);
      if (moved) return moved;
    }
    return rootPage(site);
  }
  if (path.startsWith(site.simpleBase)) {
    const m = /^([^/]+)(\/?)$/.exec(path.slice(site.simpleBase.length));
    if (m) {
      const requested = m[1] ?? '';
      const canonicalOf = (name: string): string => `${site.simpleBase}${name}${profile.layout.pageSlash ? '/' : ''}`;
      if ((m[2] === '/') !== profile.layout.pageSlash) {
        const moved = slashRule(canonicalOf(requested));
        if (moved) return moved;
      }
      const names = profile.layout.names;
      if (typeof names === 'object' && requested !== pep503(requested)) return redirect(names.redirect, `${site.rootUrl}${canonicalOf(pep503(requested))}`);
      const project = lookup(site, requested);
      if (project && project.files.length > 0) return projectPage(site, project, requested);
      const fwd = profile.forward;
      if (fwd) return redirect(req.httpVersion === '1.0' && fwd.statusHttp10 ? fwd.statusHttp10 : fwd.status, fill(fwd.location, { requested }));
      return reply(profile.unknownProject, { ...values, requested, normalized: pep503(requested) }, req);
    }
  }
  for (const project of site.store.all()) {
    for (const f of project.files) {
      if (filePath(site, project, f) === path) {
        return { status: 200, binary: true, headers: { 'Content-Type': 'application/octet-stream' }, body: f.bytes };
      }
    }
  }
  return reply(profile.notFound, values, req);
}

function postElsewhere(site: Site, ctx: RequestContext, path: string, values: TemplateValues): Reply {
  const { profile } = site;
  const { req } = ctx;
  if (profile.unconfiguredRepo && isUnconfiguredRepoUpload(site, path)) return reply(profile.unconfiguredRepo.answer, values, req);
  if (path === site.simpleBase || path === otherSlash(site.simpleBase)) {
    const rule = profile.postToSimple.root;
    return rule === 'page' ? rootPage(site) : reply(rule, values, req);
  }
  if (path.startsWith(site.simpleBase)) {
    const m = /^([^/]+)\/?$/.exec(path.slice(site.simpleBase.length));
    if (m) {
      const rule = profile.postToSimple.project;
      if (rule !== 'page') return reply(rule, values, req);
      const requested = m[1] ?? '';
      const project = site.store.get(pep503(requested));
      if (project && project.files.length > 0) return projectPage(site, project, requested);
      return reply(profile.unknownProject, { ...values, requested, normalized: pep503(requested) }, req);
    }
  }
  const getOnly = profile.postToGetRoutes;
  if (getOnly?.paths.some((p) => new RegExp(p).test(path))) return reply(getOnly.answer, values, req);
  return reply(profile.notFound, values, req);
}

/** A form check of the profile: true when the field passes (or is absent). */
function passes(rule: KindProfile['checks'][number]['rule'], value: string, bytesMd5: string): boolean {
  if (value === '') return rule !== 'sha256-format';
  if (rule === 'sha256-format') return /^[0-9a-f]{64}$/i.test(value);
  if (rule === 'md5-matches') return value.toLowerCase() === bytesMd5;
  return /^[^\s@<>",]+@[^\s@<>",]+$/.test(value);
}

function upload(site: Site, ctx: RequestContext, values: TemplateValues): Reply {
  const { profile, store } = site;
  const { req } = ctx;
  const form = ctx.form;
  const content = form?.parts.find((p) => p.name === 'content' && isFilePart(p));
  const rawFilename = content?.filename ?? '';
  const filename = rawFilename.slice(rawFilename.lastIndexOf('/') + 1);
  const guessed = guessNameAndVersion(filename);
  const formName = textField(form, 'name');
  const formVersion = textField(form, 'version');
  const name = profile.projectFrom === 'filename' ? (guessed?.[0] ?? '') : (formName ?? guessed?.[0] ?? '');
  const version = profile.projectFrom === 'filename' ? (guessed?.[1] ?? '') : (formVersion ?? guessed?.[1] ?? '');
  const v: TemplateValues = { ...values, file: filename, name, normalized: pep503(name), version };

  const who = authenticate(profile, site.users, req);
  if (who.kind === 'none') return reply(profile.auth.missing, v, req);
  v['username'] = who.username;
  if (who.kind === 'wrong') return reply(profile.auth.wrong, v, req);
  if (who.user.upload === false) return reply(profile.auth.forbidden, v, req);

  if (profile.actions) {
    const action = textField(form, ':action');
    if (action === undefined) return reply(profile.actions.missing, v, req);
    if (profile.actions.ignored.includes(action)) return reply(profile.success, v, req);
    if (action !== 'file_upload') return reply(profile.actions.unsupported, { ...v, value: action }, req);
  }
  if (!content) return reply(profile.missingContent, v, req);
  if (profile.missingField && profile.projectFrom === 'form') {
    for (const field of ['name', 'version']) {
      if (textField(form, field) === undefined) return reply(profile.missingField, { ...v, field }, req);
    }
  }
  const fc = profile.filenameCheck;
  if (fc) {
    const ok = fc.rule === 'pypiserver' ? isValidUploadFilename(rawFilename) && guessed !== undefined : filename.includes(version);
    if (!ok) return reply(fc.answer, { ...v, file: rawFilename }, req);
  }
  // A kind that reads the filename (pypiserver) keeps no metadata from the form.
  const requiresPython = profile.projectFrom === 'form' ? (textField(form, 'requires_python') ?? '') : '';
  const file = newFile(filename, version, Buffer.from(content.data), requiresPython, textField(form, 'sha256_digest') ?? '');
  for (const check of profile.checks) {
    const value = textField(form, check.field) ?? '';
    if (textField(form, check.field) !== undefined && !passes(check.rule, value, file.md5)) {
      return reply(check.answer, { ...v, value, found: file.md5, expected: value }, req);
    }
  }

  const existing = store.find(filename);
  if (existing) {
    const dup = profile.duplicate;
    let action = existing.file.sha256 === file.sha256 ? dup.identical : dup.different;
    if (who.user.overwrite && dup.byOverwriter) action = dup.byOverwriter;
    if (action === 'keep') return reply(profile.success, v, req);
    if (action !== 'replace') return reply(action, v, req);
    store.replace(filename, file);
  } else {
    store.add(name, file);
  }
  ctx.stored = true;
  return reply(profile.success, v, req);
}

async function handle(site: Site, ctx: RequestContext): Promise<Reply> {
  const method = ctx.req.method ?? 'GET';
  const path = decodePath(ctx.url.pathname);
  const values = baseValues(site, ctx, path);
  if (method === 'POST') return isUploadPath(site, ctx.url.pathname) ? upload(site, ctx, values) : postElsewhere(site, ctx, path, values);
  if (method === 'GET' || method === 'HEAD') return get(site, ctx, path, values);
  return reply(site.profile.notFound, values, ctx.req);
}

/** Starts the double of a registry kind on 127.0.0.1 (an ephemeral port). */
export async function startKindRegistry(kind: RegistryKindName, options: KindRegistryOptions = {}): Promise<KindRegistry> {
  const profile = kindProfile(kind, options);
  const params = { ...profile.layout.params, ...options.location };
  const users = options.users ?? profile.users;
  const store = new KindStore();
  const site: Site = {
    profile,
    params,
    users,
    store,
    uploadPath: fill(profile.layout.upload, params),
    simpleBase: fill(profile.layout.simple, params),
    rootUrl: '',
  };
  const server = await startServer({
    isUpload: (method, pathname) => method === 'POST' && isUploadPath(site, pathname),
    handle: (ctx) => handle(site, ctx),
    defaultRedirect: () => `${site.rootUrl}/redirected${site.uploadPath}`,
    maxBodyBytes: options.maxBodyBytes,
  });
  site.rootUrl = server.url;
  const uploader = users.find((u) => u.upload !== false);
  const service: KindRegistryService = {
    kind,
    profile,
    url: server.url,
    uploadUrl: `${server.url}${site.uploadPath}`,
    indexUrl: `${server.url}${site.simpleBase}`,
    credentials: { username: uploader?.anyUsername ? 'molecule' : (uploader?.username ?? ''), password: uploader?.password ?? '' },
    files: () => store.files(),
    fileContent: (filename) => store.fileContent(filename),
    close: server.close,
  };
  const seedFile = (f: SeedFile): void => {
    store.add(f.project, newFile(f.filename, f.version, Buffer.from(f.content), f.requiresPython ?? ''));
  };
  return { ...service, ...serverControls(server), seedFile };
}
