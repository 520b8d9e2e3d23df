/**
 * How PyPI's answers are read (the double reproduces Warehouse's forklift/legacy.py and security
 * policies, src/sandbox/pypi.ts): a 409 is a project-name conflict, each 403 gets the hint its message
 * calls for, and the new-project 429 (no Retry-After, an hourly limit) is not retried. PyPI is
 * best-effort: the run exits 0 with Gitea complete.
 */
import { copyFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { parseSummary } from '../helpers/summary.js';
import { startGiteaRegistry, startPypiRegistry, type PypiRegistryOptions } from '../helpers/registries/index.js';

const WHEEL = 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl';
const SDIST = 'molecule_demo_hatch-2.0.0rc1.tar.gz';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

async function run(options: PypiRegistryOptions) {
  const gitea = await startGiteaRegistry();
  const pypi = await startPypiRegistry(options);
  open.push(gitea, pypi);
  const dir = await mkdtemp(join(tmpdir(), 'molecule-pypi-'));
  for (const f of [WHEEL, SDIST]) await copyFile(join(FIXTURES, f), join(dir, f));
  const r = await runMain(
    ['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--pypi-url', pypi.uploadUrl, '--pypi-index-url', pypi.indexUrl, '--retry-delay', '0.01', dir],
    {
      env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }),
    },
  );
  return { ...r, ...parseSummary(r.stdout), gitea, pypi };
}

describe("PyPI's answers", () => {
  it.each([
    [
      'a name that conflicts with an existing project (409)',
      { takenNames: ['Molecule.Demo_Hatch'] },
      'failed_http_409',
      /conflicts with an existing project/,
      /rename the project/,
    ],
    ['read-only mode (403)', { readOnly: true }, 'failed_http_403', /Read-only mode/, /status\.python\.org/],
    ['uploads disabled (403)', { uploadsDisabled: true }, 'failed_http_403', /New uploads are temporarily disabled/, /not taking uploads right now/],
    ['an expired token (403)', { tokens: { 'pypi-test-token': { expired: true } } }, 'failed_http_403', /token is expired/, /has expired: create a new one/],
    [
      'a token scoped to another project (403)',
      { tokens: { 'pypi-test-token': { projects: ['other'] } } },
      'failed_http_403',
      /project-scoped token is not valid/,
      /scoped to another project/,
    ],
    [
      'an account without a verified e-mail (403)',
      { tokens: { 'pypi-test-token': { unverifiedEmail: true } } },
      'failed_http_403',
      /verified primary email/,
      /verify the primary e-mail/,
    ],
    [
      'an account without 2FA (403)',
      { tokens: { 'pypi-test-token': { no2fa: true } } },
      'failed_http_403',
      /two-factor authentication/,
      /enable two-factor authentication/,
    ],
    [
      'the hourly new-project limit (429, no Retry-After)',
      { newProjectLimit: 0 },
      'failed_http_429',
      /Too many new projects created/,
      /publish again in an hour/,
    ],
  ] as const)('%s: reported with its own hint, not retried; Gitea has everything, exit 0', async (_what, options, status, message, hint) => {
    const r = await run(options as PypiRegistryOptions);
    expect(r.code, r.stderr).toBe(0);
    expect(r.targets.Gitea).toBe('success');
    expect(r.targets.PyPI).toBe(status);
    expect(r.details.PyPI).toMatch(message);
    expect(r.stderr).toMatch(hint);
    // None is retried. A failure of the target (403, 429) stops it: one request, the rest not
    // attempted. A 409 is about that project's name, not the target: each file is tried (the
    // release's wheel and sdist both get it).
    expect(r.pypi.uploads()).toHaveLength(status === 'failed_http_409' ? 2 : 1);
    expect(r.pypi.files()).toHaveLength(0);
  });
});
