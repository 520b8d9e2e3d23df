/**
 * The read routes of the Gitea double: GET /api/packages/{owner}/pypi/simple/{name} (PEP 503 HTML, rendered as
 * the profile's templates/api/packages/pypi/simple.tmpl, whitespace included) and GET …/files/{name}/{version}/{file}.
 */
import type { Reply } from '../http/reply.js';
import { apiError, goHtmlEscape, goUrlNormalize } from './go-http.js';
import type { GiteaSite } from './site.js';
import { giteaNormalizeName, listedFiles, type GVersion } from './store.js';

export function simpleIndex(site: GiteaSite, id: string): Reply {
  const { behaviour } = site;
  const pkg = site.store.get(giteaNormalizeName(id));
  const lag = site.options.listingLagMs;
  const versions = pkg ? [...pkg.versions.values()].map((v) => ({ ...v, files: listedFiles(v.files, lag) })).filter((v) => v.files.length > 0) : [];
  if (!pkg || versions.length === 0) return apiError(404, '');
  // Map order is creation order: newest first is its reverse (created_unix DESC), else a plain string compare.
  if (behaviour.versionOrder === 'newest-first') versions.reverse();
  else versions.sort((a, b) => (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
  const filesUrl = `${goUrlNormalize(`${site.rootUrl}/api/packages/${site.owner}/pypi`)}/files/${goUrlNormalize(pkg.name.toLowerCase())}/`;
  const title = goHtmlEscape(pkg.name);
  // Reproduces templates/api/packages/pypi/simple.tmpl of the profile including its whitespace.
  const parts: string[] = [
    `<!DOCTYPE html>\n<html>\n\t<head>\n\t\t<title>Links for ${title}</title>\n\t</head>\n\t<body>` +
      `${behaviour.trimBodyWhitespace ? '' : '\n\t\t'}<h1>Links for ${title}</h1>\n\t\t`,
  ];
  for (const v of versions) parts.push(versionLinks(site, filesUrl, v));
  parts.push('\n\t</body>\n</html>\n');
  return { status: 200, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: parts.join('') };
}

/** One version's block of the template: a link per file, with the version's requires_python. */
function versionLinks(site: GiteaSite, filesUrl: string, v: GVersion): string {
  const fragment = `#sha256${site.behaviour.fragmentSeparator}`;
  const br = site.behaviour.lineBreak;
  const versionUrl = `${filesUrl}${goUrlNormalize(v.version)}/`;
  const rp = v.metadata['requires_python'] ?? '';
  const attr = rp ? ` data-requires-python="${goHtmlEscape(rp)}"` : '';
  const parts = ['\n\t\t\t\n\t\t\t'];
  for (const f of v.files) {
    const href = `${versionUrl}${goUrlNormalize(f.filename)}${fragment}${f.sha256}`;
    parts.push(`\n\t\t\t\t<a href="${href}"${attr}>${goHtmlEscape(f.filename)}</a>${br}\n\t\t\t`);
  }
  parts.push('\n\t\t');
  return parts.join('');
}

export function download(site: GiteaSite, id: string, version: string, filename: string): Reply {
  const ver = site.store.get(giteaNormalizeName(id))?.versions.get(version.toLowerCase());
  if (!ver) return apiError(404, 'package does not exist');
  const f = ver.files.find((x) => x.filename.toLowerCase() === filename.toLowerCase());
  if (!f) return apiError(404, 'package file does not exist');
  ver.downloads += 1;
  return {
    status: 200,
    binary: true,
    headers: {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename="${f.filename}"`,
      'Accept-Ranges': 'bytes',
      'Last-Modified': new Date(0).toUTCString(),
    },
    body: f.bytes,
  };
}
