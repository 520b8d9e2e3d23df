/**
 * Which registry a target is, and where its index is, from its upload URL (or `kind`); an empty user
 * name (Artifactory's tokens) is a value, not "not set".
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kindForUrl, resolveTargets } from '../../src/config/resolve.js';
import { readPypircRepository } from '../../src/config/pypirc.js';
import { UsageError } from '../../src/errors.js';

const entry = (url: string, extra: Record<string, string> = {}) => ({
  name: 'company',
  'upload-url': url,
  'password-env': 'TOKEN',
  policy: 'required' as const,
  ...extra,
});
const resolveOne = (e: ReturnType<typeof entry>, env: NodeJS.ProcessEnv = { TOKEN: 't' }) =>
  resolveTargets({}, env, { dryRun: false, file: { targets: [e] } }).targets[0];

describe('registry kinds from upload URLs', () => {
  it.each([
    ['https://git.example.com/api/packages/org/pypi', 'gitea'],
    ['https://upload.pypi.org/legacy/', 'pypi'],
    ['https://warehouse.example/legacy/', 'pypi'],
    ['https://gitlab.example.com/api/v4/projects/42/packages/pypi', 'gitlab'],
    ['https://acme.jfrog.io/artifactory/api/pypi/pypi-local', 'artifactory'],
    ['https://nexus.example/repository/pypi-hosted/', 'nexus'],
    ['https://acme-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/libs/', 'codeartifact'],
    ['https://pkgs.dev.azure.com/org/proj/_packaging/feed/pypi/upload/', 'azure'],
    ['https://devpi.example/alice/dev/', 'generic'],
    ['https://pypiserver.example/', 'generic'],
  ])('%s is %s', (url, kind) => {
    expect(kindForUrl(url)).toBe(kind);
  });

  it.each([
    ['https://gitlab.example.com/api/v4/projects/42/packages/pypi', {}, 'https://gitlab.example.com/api/v4/projects/42/packages/pypi/simple/'],
    ['https://pkgs.dev.azure.com/org/proj/_packaging/feed/pypi/upload/', {}, 'https://pkgs.dev.azure.com/org/proj/_packaging/feed/pypi/simple/'],
    ['https://devpi.example/alice/dev/', { kind: 'devpi' }, 'https://devpi.example/alice/dev/+simple/'],
    ['https://pypiserver.example/', { kind: 'pypiserver' }, 'https://pypiserver.example/simple/'],
    ['https://nexus.example/repository/pypi-hosted/', {}, 'https://nexus.example/repository/pypi-hosted/simple/'],
  ])('the index of %s (%j) is %s', (url, extra, index) => {
    const target = resolveOne(entry(url, { username: 'u', ...(extra as Record<string, string>) }));
    expect(target?.indexUrl).toBe(index);
    expect(target?.kind.alwaysVerify).toBe(true);
  });

  it('an Azure kind whose URL is not …/pypi/upload/ asks for index-url before any request', () => {
    expect(() => resolveOne(entry('https://azure.example/feed/', { kind: 'azure', username: 'u' }))).toThrow(
      /Azure Artifacts index cannot be derived .*give its simple index as index-url/,
    );
    expect(resolveOne(entry('https://azure.example/feed/', { kind: 'azure', username: 'u', 'index-url': 'https://azure.example/simple/' }))?.indexUrl).toBe(
      'https://azure.example/simple/',
    );
  });

  it("devpi's +simple/ given as the upload URL is refused up front (devpi answers 200 and stores nothing)", () => {
    expect(() => resolveOne(entry('https://devpi.example/alice/dev/+simple/', { kind: 'devpi', username: 'u' }))).toThrow(UsageError);
    expect(() => resolveOne(entry('https://devpi.example/alice/dev/+simple/', { kind: 'devpi', username: 'u' }))).toThrow(
      /is a simple index .* devpi's https:\/\/HOST\/USER\/INDEX\//,
    );
  });
});

describe('an empty user name', () => {
  it('username = "" in pyproject is sent as empty, not missing, and not __token__', () => {
    const target = resolveOne(entry('https://acme.jfrog.io/artifactory/api/pypi/pypi-local', { username: '' }));
    expect(target?.credentials?.username).toBe('');
    expect(target?.credentials?.password).toBe('t');
  });

  it("Artifactory's default user is empty, CodeArtifact's is aws; a generic registry has none (credentials missing)", () => {
    expect(resolveOne(entry('https://acme.jfrog.io/artifactory/api/pypi/pypi-local'))?.credentials?.username).toBe('');
    expect(resolveOne(entry('https://d-1.d.codeartifact.eu-west-1.amazonaws.com/pypi/libs/'))?.credentials?.username).toBe('aws');
    expect(() => resolveOne(entry('https://registry.example/upload/'))).toThrow(/credentials missing/);
  });

  it('.pypirc `username =` is an empty user name, and `kind =` says which registry it is', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'molecule-pypirc-'));
    const path = join(dir, '.pypirc');
    await writeFile(
      path,
      '[distutils]\nindex-servers = company\n[company]\nrepository = https://devpi.example/alice/dev/\nkind = devpi\nusername =\npassword = secret\n',
    );
    const repository = await readPypircRepository('company', path, true);
    expect(repository.username).toBe('');
    const target = resolveTargets({}, {}, { dryRun: false, repository }).targets[0];
    expect(target?.credentials?.username).toBe('');
    expect(target?.indexUrl).toBe('https://devpi.example/alice/dev/+simple/');
  });
});
