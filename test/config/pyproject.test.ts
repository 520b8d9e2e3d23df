/** The [tool.molecule-publish] table: validation with one-line errors, targets lists, --only. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPyprojectConfig } from '../../src/config/pyproject.js';
import { resolveTargets } from '../../src/config/resolve.js';

async function project(toml: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pyproject-'));
  await writeFile(join(dir, 'pyproject.toml'), toml);
  return dir;
}

describe('loadPyprojectConfig', () => {
  it('no pyproject.toml, or no table: an empty layer', async () => {
    expect((await loadPyprojectConfig(await mkdtemp(join(tmpdir(), 'none-')))).config).toEqual({});
    expect((await loadPyprojectConfig(await project('[project]\nname = "x"\n'))).config).toEqual({});
  });

  it('reads the table', async () => {
    const dir = await project('[tool.molecule-publish]\ngitea-url = "https://g.example"\ngitea-owner = "org"\nretries = 5\nverify = true\n');
    expect((await loadPyprojectConfig(dir)).config).toEqual({ 'gitea-url': 'https://g.example', 'gitea-owner': 'org', retries: 5, verify: true });
  });

  it.each([
    ['[tool.molecule-publish]\nretrys = 5\n', 'pyproject.toml [tool.molecule-publish]: retrys: unknown key'],
    ['[tool.molecule-publish]\nretries = "five"\n', 'pyproject.toml [tool.molecule-publish]: retries:'],
    ['[tool.molecule-publish]\ngitea-url = "https://bot:secret@g.example"\n', 'gitea-url: must be an http(s) URL without credentials'],
    [
      '[[tool.molecule-publish.targets]]\nname = "x"\nupload-url = "https://x.example/legacy/"\npassword = "literal"\n',
      'targets.0.password: unknown key (credentials are never written in files',
    ],
    ['[tool.molecule-publish\n', 'pyproject.toml: not valid TOML'],
  ])('refuses %j in one line naming the key and the file', async (toml, message) => {
    const dir = await project(toml);
    const error = await loadPyprojectConfig(dir).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('secret');
    expect((error as Error).message.split('\n')).toHaveLength(1);
  });

  it('a named --pyproject file that does not exist is an error', async () => {
    await expect(loadPyprojectConfig('/tmp', 'nope/pyproject.toml')).rejects.toThrow('nope/pyproject.toml: cannot read it (ENOENT)');
  });
});

describe('targets from the file', () => {
  const toml = `
[[tool.molecule-publish.targets]]
name = "gitea"
upload-url = "https://g.example/api/packages/org/pypi"
username-env = "G_USER"
password-env = "G_TOKEN"
policy = "required"

[[tool.molecule-publish.targets]]
name = "pypi"
upload-url = "https://upload.pypi.org/legacy/"
password-env = "PYPI_TOKEN"
policy = "best-effort"

[[tool.molecule-publish.targets]]
name = "mirror"
kind = "pypi"
upload-url = "https://mirror.example/upload/"
index-url = "https://mirror.example/simple/"
username = "ci"
password-env = "MIRROR_TOKEN"
policy = "best-effort"
`;

  it('replace the defaults, in order, with kinds, indexes and credentials from the named variables', async () => {
    const { config } = await loadPyprojectConfig(await project(toml));
    const { targets } = resolveTargets({}, { G_USER: 'bot', G_TOKEN: 'gt', PYPI_TOKEN: 'pt' }, { dryRun: false, file: config });
    expect(targets.map((t) => [t.id, t.kind.label, t.policy, t.indexUrl, t.credentials?.username])).toEqual([
      ['gitea', 'Gitea', 'required', 'https://g.example/api/packages/org/pypi/simple/', 'bot'],
      ['pypi', 'PyPI', 'best-effort', 'https://pypi.org/simple/', '__token__'],
      ['mirror', 'PyPI', 'best-effort', 'https://mirror.example/simple/', undefined],
    ]);
  });

  it('a required target without its credentials stops the run naming the variables', async () => {
    const { config } = await loadPyprojectConfig(await project(toml));
    expect(() => resolveTargets({}, { PYPI_TOKEN: 'pt' }, { dryRun: false, file: config })).toThrow('gitea: credentials missing: set G_USER and G_TOKEN');
  });

  it('--only NAME keeps that target alone and makes it required', async () => {
    const { config } = await loadPyprojectConfig(await project(toml));
    const { targets } = resolveTargets({}, { MIRROR_TOKEN: 'm' }, { dryRun: false, file: config, only: 'mirror' });
    expect(targets.map((t) => [t.id, t.policy])).toEqual([['mirror', 'required']]);
    expect(() => resolveTargets({}, {}, { dryRun: false, file: config, only: 'nope' })).toThrow('--only nope: no such target (known: gitea, pypi, mirror)');
  });

  it('--only pypi with the default targets: PyPI alone, required, no Gitea credentials needed', () => {
    const { targets } = resolveTargets({}, { PYPI_TOKEN: 'pt' }, { dryRun: false, only: 'pypi' });
    expect(targets.map((t) => [t.id, t.policy])).toEqual([['pypi', 'required']]);
    expect(() => resolveTargets({}, {}, { dryRun: false, only: 'pypi' })).toThrow('PyPI credentials missing: set PYPI_TOKEN');
  });

  it('file values sit below the environment and above the Actions defaults', () => {
    const file = { 'gitea-url': 'https://file.example', 'gitea-owner': 'fileorg' };
    const env = {
      MOLECULE_PYPI_GITEA_PUBLISHER_USER: 'u',
      MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: 't',
      GITHUB_SERVER_URL: 'https://ci.example',
      GITHUB_REPOSITORY_OWNER: 'ciorg',
    };
    expect(resolveTargets({}, env, { dryRun: false, file }).targets[0]?.uploadUrl).toBe('https://file.example/api/packages/fileorg/pypi');
    expect(resolveTargets({}, { ...env, MOLECULE_PUBLISH_GITEA_OWNER: 'envorg' }, { dryRun: false, file }).targets[0]?.uploadUrl).toBe(
      'https://file.example/api/packages/envorg/pypi',
    );
  });
});
