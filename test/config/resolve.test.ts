/** Flags and environment -> targets: defaults, precedence, Actions defaults, credential rules. */
import { describe, expect, it } from 'vitest';
import { defaultPypiIndexUrl, resolveTargets } from '../../src/config/resolve.js';
import { UsageError } from '../../src/errors.js';

const creds = { MOLECULE_PYPI_GITEA_PUBLISHER_USER: 'bot', MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: 'tok' };

describe('resolveTargets', () => {
  it('builds the Gitea upload and index URLs from base URL and owner', () => {
    const { targets } = resolveTargets({ giteaUrl: 'https://git.example.com/', giteaOwner: 'org' }, creds, { dryRun: false });
    const gitea = targets[0];
    expect(gitea).toMatchObject({
      id: 'gitea',
      policy: 'required',
      uploadUrl: 'https://git.example.com/api/packages/org/pypi',
      indexUrl: 'https://git.example.com/api/packages/org/pypi/simple/',
      where: 'git.example.com (org)',
    });
    expect(targets[1]).toMatchObject({
      id: 'pypi',
      policy: 'best-effort',
      uploadUrl: 'https://upload.pypi.org/legacy/',
      indexUrl: 'https://pypi.org/simple/',
      credentials: undefined,
    });
  });

  it('in Gitea/GitHub Actions, needs no flags: GITHUB_SERVER_URL and GITHUB_REPOSITORY_OWNER', () => {
    const { targets } = resolveTargets({}, { ...creds, GITHUB_SERVER_URL: 'https://gitea.internal:3000', GITHUB_REPOSITORY_OWNER: 'team' }, { dryRun: false });
    expect(targets[0]?.uploadUrl).toBe('https://gitea.internal:3000/api/packages/team/pypi');
  });

  it('flags beat the environment, which beats the Actions defaults', () => {
    const env = {
      ...creds,
      MOLECULE_PUBLISH_GITEA_URL: 'https://env.example',
      MOLECULE_PUBLISH_GITEA_OWNER: 'envowner',
      GITHUB_SERVER_URL: 'https://ci.example',
      GITHUB_REPOSITORY_OWNER: 'ciowner',
    };
    expect(resolveTargets({}, env, { dryRun: false }).targets[0]?.uploadUrl).toBe('https://env.example/api/packages/envowner/pypi');
    expect(resolveTargets({ giteaOwner: 'flag' }, env, { dryRun: false }).targets[0]?.uploadUrl).toBe('https://env.example/api/packages/flag/pypi');
  });

  it('--gitea-repository-url gives the upload URL whole', () => {
    const { targets } = resolveTargets({ giteaRepositoryUrl: 'https://g.example/api/packages/x/pypi/' }, creds, { dryRun: false });
    expect(targets[0]).toMatchObject({ uploadUrl: 'https://g.example/api/packages/x/pypi', indexUrl: 'https://g.example/api/packages/x/pypi/simple/' });
  });

  it('PyPI index defaults follow the upload URL', () => {
    expect(defaultPypiIndexUrl('https://upload.pypi.org/legacy/')).toBe('https://pypi.org/simple/');
    expect(defaultPypiIndexUrl('https://test.pypi.org/legacy/')).toBe('https://test.pypi.org/simple/');
    expect(defaultPypiIndexUrl('http://127.0.0.1:8080/legacy/')).toBe('http://127.0.0.1:8080/simple/');
    expect(defaultPypiIndexUrl('https://pypi.corp/upload')).toBe('https://pypi.corp/upload/simple/');
  });

  it('--no-pypi drops PyPI; PYPI_TOKEN becomes __token__ basic auth', () => {
    expect(resolveTargets({ giteaUrl: 'https://g', giteaOwner: 'o', pypi: false }, creds, { dryRun: false }).targets.map((t) => t.id)).toEqual(['gitea']);
    const pypi = resolveTargets({ giteaUrl: 'https://g', giteaOwner: 'o' }, { ...creds, PYPI_TOKEN: 'pypi-x' }, { dryRun: false }).targets[1];
    expect(pypi?.credentials).toEqual({ username: '__token__', password: 'pypi-x', source: 'PYPI_TOKEN' });
  });

  it('missing Gitea credentials stop a real run (exit 2) naming both variables, not a dry run', () => {
    const run = () => resolveTargets({ giteaUrl: 'https://g', giteaOwner: 'o' }, { MOLECULE_PYPI_GITEA_PUBLISHER_USER: 'bot' }, { dryRun: false });
    expect(run).toThrow(UsageError);
    expect(run).toThrow('Gitea credentials missing: set MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN');
    const dry = resolveTargets({ giteaUrl: 'https://g', giteaOwner: 'o' }, {}, { dryRun: true });
    expect(dry.blockers[0]).toContain('MOLECULE_PYPI_GITEA_PUBLISHER_USER and MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN');
  });

  it('rejects URLs with credentials in them without echoing the secret', () => {
    const run = () => resolveTargets({ giteaUrl: 'https://bot:s3cret@g.example', giteaOwner: 'o' }, creds, { dryRun: false });
    expect(run).toThrow('credentials in the URL are not accepted');
    try {
      run();
    } catch (err) {
      expect((err as Error).message).not.toContain('s3cret');
    }
  });

  it('rejects a non-http URL with a one-line usage error', () => {
    expect(() => resolveTargets({ giteaUrl: 'ftp://g.example', giteaOwner: 'o' }, creds, { dryRun: false })).toThrow(
      '--gitea-url: the Gitea URL must be an http(s) URL',
    );
  });
});
