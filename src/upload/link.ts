/**
 * After a publish, each package this run uploaded a file of is linked to a repository, so that it
 * shows on the repository's page (Gitea 1.24+: POST /api/v1/packages/{owner}/pypi/{name}/-/link/{repo},
 * routers/api/v1/packages/package.go LinkPackage). Never a failure of the release: a server without the
 * API (404), a token without the permission (403) or an owner mismatch is a warning with a hint; a
 * package already linked (400, services/packages LinkToRepository's ErrInvalidArgument) is left alone.
 */
import type { Artifact } from '../artifacts/artifact.js';
import { httpRequest, readText } from '../http/client.js';
import { basicAuth, networkOutcome, USER_AGENT } from '../http/send.js';
import type { PackageLink, TargetReport } from '../outcome/model.js';
import type { Target } from '../targets/target.js';
import { oneLine } from '../targets/target.js';
import { mapLimited } from '../util/concurrency.js';
import { sanitizeUrl } from '../util/url.js';
import { poolFor, type EngineOptions } from './context.js';

export async function linkPackages(target: Target, report: TargetReport, artifacts: readonly Artifact[], options: EngineOptions): Promise<PackageLink[]> {
  const repository = target.linkRepository;
  const urlFor = target.kind.packageLinkUrl;
  const credentials = target.credentials;
  if (!repository || !urlFor || !credentials) return [];
  const uploaded = new Set(report.files.filter((f) => f.status === 'uploaded').map((f) => f.filename));
  // One link per package (its Gitea name), for the packages this run added a file to: a re-run links nothing.
  const packages = new Map<string, string>();
  for (const a of artifacts) if (uploaded.has(a.filename)) packages.set(target.kind.formName(a.name).toLowerCase(), a.name);
  if (packages.size === 0) return [];
  const pool = poolFor(options);
  try {
    return await mapLimited([...packages.values()], options.concurrency, async (name): Promise<PackageLink> => {
      const url = urlFor(target.uploadUrl, target.kind.formName(name), repository);
      if (url === undefined) return { package: name, repository, status: 'failed', detail: `the repository must be OWNER/NAME under the package owner` };
      try {
        const response = await httpRequest(url, pool, {
          method: 'POST',
          headers: { 'user-agent': USER_AGENT, accept: 'application/json', 'content-length': '0', authorization: basicAuth(credentials) },
          body: '',
          ...(options.signal ? { signal: options.signal } : {}),
        });
        const body = oneLine(await readText(response.body, 4096), 200);
        if (response.statusCode === 201 || response.statusCode === 204) return { package: name, repository, status: 'linked' };
        // LinkToRepository's ErrInvalidArgument: the package is linked already (to this or another repository).
        if (response.statusCode === 400) return { package: name, repository, status: 'already_linked', ...(body ? { detail: body } : {}) };
        const hint =
          response.statusCode === 404
            ? `Gitea before 1.24 has no package link API, or ${repository} does not exist: link it on the package's settings page`
            : response.statusCode === 403 || response.statusCode === 401
              ? `the token's user needs write access to ${repository}'s packages (and the repository must belong to the package owner)`
              : 'link it on the package settings page';
        return { package: name, repository, status: 'failed', detail: `HTTP ${response.statusCode}${body ? `: ${body}` : ''}`, hint };
      } catch (err) {
        const outcome = networkOutcome(err);
        return { package: name, repository, status: 'failed', detail: `${sanitizeUrl(url)}: ${outcome.kind === 'network' ? outcome.message : 'error'}` };
      }
    });
  } finally {
    pool.close();
  }
}
