/**
 * Every PyPI-compatible registry we know, against its double (src/sandbox/kinds/: each answer from the
 * server's source or documentation): publish, a re-run that sends nothing, a rebuilt file that is a
 * conflict (nothing overwritten, even where the server would overwrite), a wrong token with that
 * registry's hint; as the required target and as a best-effort one beside Gitea.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import {
  buildSdist,
  buildWheel,
  REGISTRY_KINDS,
  startGiteaRegistry,
  startKindRegistry,
  startPypiRegistry,
  type KindRegistry,
  type RegistryKindName,
} from '../helpers/registries/index.js';
import { parseSummary } from '../helpers/summary.js';

/** Starts servers for one test and closes them when it ends (the tests of a kind run side by side). */
async function started<T extends { close(): Promise<void> }>(onTestFinished: (fn: () => Promise<void>) => void, server: Promise<T>): Promise<T> {
  const s = await server;
  onTestFinished(() => s.close());
  return s;
}

const HINTS: Record<RegistryKindName, RegExp> = {
  gitlab: /gitlab-ci-token/,
  artifactory: /EMPTY user name/,
  nexus: /Nexus takes a user name and password/,
  codeartifact: /user name aws/,
  azure: /any user name with a personal access token/,
  devpi: /devpi takes the user name and password/,
  pypiserver: /htpasswd/,
};

function release(version = '1.0', summary = 'first build'): string {
  const dir = mkdtempSync(join(tmpdir(), 'molecule-kinds-'));
  for (const b of [buildWheel({ name: 'kind-demo', version, summary }), buildSdist({ name: 'kind-demo', version, summary })])
    writeFileSync(join(dir, b.filename), b.content);
  return dir;
}

/** A pyproject.toml naming the registry as one target (with its kind), and Gitea before it when asked. */
function pyproject(reg: KindRegistry, policy: 'required' | 'best-effort', gitea?: { url: string; owner: string }): string {
  const dir = mkdtempSync(join(tmpdir(), 'molecule-kinds-conf-'));
  const targets = [
    ...(gitea
      ? [
          `[[tool.molecule-publish.targets]]\nname = "gitea"\nupload-url = "${gitea.url}/api/packages/${gitea.owner}/pypi"\nusername-env = "MOLECULE_PYPI_GITEA_PUBLISHER_USER"\npassword-env = "MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN"\npolicy = "required"\n`,
        ]
      : []),
    `[[tool.molecule-publish.targets]]\nname = "company"\nkind = "${reg.kind}"\nupload-url = "${reg.uploadUrl}"\nusername = ${JSON.stringify(reg.credentials.username)}\npassword-env = "COMPANY_TOKEN"\npolicy = "${policy}"\n`,
  ];
  const file = join(dir, 'pyproject.toml');
  writeFileSync(file, targets.join('\n'));
  return file;
}

async function run(
  reg: KindRegistry,
  dir: string,
  options: { policy?: 'required' | 'best-effort'; token?: string; gitea?: { url: string; owner: string } } = {},
) {
  const conf = pyproject(reg, options.policy ?? 'required', options.gitea);
  return runMain(['--pyproject', conf, '--retries', '0', dir], { env: giteaEnv({ COMPANY_TOKEN: options.token ?? reg.credentials.password }) });
}

describe.concurrent.each(REGISTRY_KINDS)('%s', (kind) => {
  it('publish, re-run with zero uploads, a rebuilt file is a conflict and nothing is overwritten', async ({ onTestFinished }) => {
    const reg = await started(onTestFinished, startKindRegistry(kind));
    const dir = release();
    const first = await run(reg, dir);
    expect(first.code, first.stderr).toBe(0);
    expect(parseSummary(first.stdout).targets).toEqual({ company: 'success' });
    expect(
      reg
        .files()
        .map((f) => f.filename)
        .sort(),
    ).toEqual(['kind_demo-1.0-py3-none-any.whl', 'kind_demo-1.0.tar.gz']);
    const uploads = reg.uploads().length;

    const again = await run(reg, dir);
    expect(again.code, again.stderr).toBe(0);
    expect(reg.uploads()).toHaveLength(uploads);
    expect(parseSummary(again.stdout).files['kind_demo-1.0.tar.gz']).toEqual({ company: 'already_present' });

    const stored = reg.fileContent('kind_demo-1.0-py3-none-any.whl');
    const rebuilt = await run(reg, release('1.0', 'a rebuild'));
    expect(rebuilt.code, rebuilt.stderr).toBe(1);
    expect(parseSummary(rebuilt.stdout).targets).toEqual({ company: 'conflict' });
    expect(reg.uploads()).toHaveLength(uploads);
    expect(reg.fileContent('kind_demo-1.0-py3-none-any.whl')?.equals(stored as Buffer)).toBe(true);
  });

  it("a wrong token fails with the registry's own hint", async ({ onTestFinished }) => {
    const reg = await started(onTestFinished, startKindRegistry(kind));
    const r = await run(reg, release(), { token: 'not-the-token' });
    expect(r.code, r.stderr).toBe(1);
    expect(parseSummary(r.stdout).targets.company).toMatch(/^failed_http_40[13]$/);
    expect(r.stderr).toMatch(HINTS[kind]);
    expect(reg.files()).toHaveLength(0);
  });

  it('as a best-effort target beside Gitea: both get the release', async ({ onTestFinished }) => {
    const reg = await started(onTestFinished, startKindRegistry(kind));
    const gitea = await started(onTestFinished, startGiteaRegistry());
    const r = await run(reg, release(), { policy: 'best-effort', gitea: { url: gitea.url, owner: gitea.owner } });
    expect(r.code, r.stderr).toBe(0);
    expect(parseSummary(r.stdout).targets).toEqual({ Gitea: 'success', company: 'success' });
    expect(reg.files()).toHaveLength(2);
  });
});

describe('traps of particular registries', () => {
  it("Artifactory's 204 for a repository that does not exist stores nothing: never success (missing_from_index)", async ({ onTestFinished }) => {
    const reg = await started(onTestFinished, startKindRegistry('artifactory'));
    const wrong = {
      ...reg,
      kind: reg.kind,
      uploadUrl: reg.uploadUrl.replace(/\/api\/pypi\/[^/]+/, '/api/pypi/no-such-repo'),
      credentials: reg.credentials,
    } as KindRegistry;
    const r = await run(wrong, release());
    expect(r.code, r.stderr).toBe(1);
    expect(parseSummary(r.stdout).targets).toEqual({ company: 'missing_from_index' });
    expect(reg.files()).toHaveLength(0);
  });

  it("pypiserver's index sends an unknown project to pypi.org (303): read as 'not here', never followed, no warning", async ({ onTestFinished }) => {
    const reg = await started(onTestFinished, startKindRegistry('pypiserver'));
    const conf = pyproject(reg, 'required');
    const r = await runMain(['--pyproject', conf, '--dry-run', release()], { env: giteaEnv({ COMPANY_TOKEN: reg.credentials.password }) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/could not read its index/);
    expect(r.stderr).toMatch(/would_upload\s+kind_demo-1\.0-py3-none-any\.whl/);
    expect(reg.requests.some((q) => q.method === 'GET' && /\/simple\/kind-demo\/$/.test(q.path))).toBe(true);
  });
});

describe('three targets: Gitea required, Artifactory required, PyPI best-effort', () => {
  it('publishes, re-runs with nothing sent, and reports each target', async ({ onTestFinished }) => {
    const gitea = await started(onTestFinished, startGiteaRegistry());
    const artifactory = await started(onTestFinished, startKindRegistry('artifactory'));
    const pypi = await started(onTestFinished, startPypiRegistry());
    const dir = mkdtempSync(join(tmpdir(), 'molecule-three-'));
    const conf = join(dir, 'pyproject.toml');
    writeFileSync(
      conf,
      [
        '[[tool.molecule-publish.targets]]',
        'name = "gitea"',
        `upload-url = "${gitea.url}/api/packages/${gitea.owner}/pypi"`,
        'username-env = "MOLECULE_PYPI_GITEA_PUBLISHER_USER"',
        'password-env = "MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN"',
        'policy = "required"',
        '',
        '[[tool.molecule-publish.targets]]',
        'name = "artifactory"',
        `upload-url = "${artifactory.uploadUrl}"`,
        'username = ""',
        'password-env = "ARTIFACTORY_TOKEN"',
        'policy = "required"',
        '',
        '[[tool.molecule-publish.targets]]',
        'name = "pypi"',
        `upload-url = "${pypi.uploadUrl}"`,
        `index-url = "${pypi.indexUrl}"`,
        'password-env = "PYPI_TOKEN"',
        'policy = "best-effort"',
        '',
      ].join('\n'),
    );
    const env = giteaEnv({ ARTIFACTORY_TOKEN: artifactory.credentials.password, PYPI_TOKEN: 'pypi-test-token' });
    const files = release();
    const first = await runMain(['--pyproject', conf, files], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(parseSummary(first.stdout).targets).toEqual({ Gitea: 'success', artifactory: 'success', PyPI: 'success' });
    const sent = [gitea.uploads().length, artifactory.uploads().length, pypi.uploads().length];
    expect(sent).toEqual([2, 2, 2]);
    const again = await runMain(['--pyproject', conf, files], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(parseSummary(again.stdout).targets).toEqual({ Gitea: 'success', artifactory: 'success', PyPI: 'success' });
    expect([gitea.uploads().length, artifactory.uploads().length, pypi.uploads().length]).toEqual(sent);
    expect(parseSummary(again.stdout).files['kind_demo-1.0.tar.gz']).toEqual({
      Gitea: 'already_present',
      artifactory: 'already_present',
      PyPI: 'already_present',
    });
  });
});
