/**
 * PEP 740 attestations beside the distributions: sent to PyPI with --attestations (as twine does),
 * validated as JSON before anything is sent, required per file with the flag, never sent to Gitea.
 * In-process runs of the CLI (main() with its own io).
 */
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { startGiteaRegistry, startPypiRegistry } from '../helpers/registries/index.js';

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

const WHEEL = 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl';
const SDIST = 'molecule_demo_hatch-2.0.0rc1.tar.gz';
const ATTESTATION = {
  version: 1,
  verification_material: { certificate: 'MIIB…', transparency_entries: [] },
  envelope: { statement: 'e30=', signature: 'c2ln' },
};

async function setup(attest: Record<string, string>) {
  const gitea = await startGiteaRegistry();
  const pypi = await startPypiRegistry();
  open.push(gitea, pypi);
  const dir = await mkdtemp(join(tmpdir(), 'molecule-att-'));
  for (const f of [WHEEL, SDIST]) await copyFile(join(FIXTURES, f), join(dir, f));
  for (const [name, text] of Object.entries(attest)) await writeFile(join(dir, name), text);
  const args = ['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--pypi-url', pypi.uploadUrl, dir];
  return { gitea, pypi, args };
}

describe('attestations', () => {
  it('--attestations sends each file its own as a JSON array; PyPI refuses them on a token upload (Warehouse rule), Gitea never gets them', async () => {
    const { gitea, pypi, args } = await setup({
      [`${WHEEL}.publish.attestation`]: JSON.stringify(ATTESTATION),
      [`${SDIST}.publish.attestation`]: JSON.stringify({ ...ATTESTATION, version: 2 }),
    });
    const r = await runMain(['--attestations', ...args], { env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) });
    expect(r.code, r.stderr).toBe(0);
    const sent = (file: string) =>
      pypi
        .uploads()
        .find((u) => u.fileName === file)
        ?.fields?.filter(([n]) => n === 'attestations')
        .map(([, v]) => JSON.parse(v) as unknown);
    expect(sent(WHEEL)).toEqual([[ATTESTATION]]);
    // With a token (not Trusted Publishing), PyPI answers 400: the release stays on Gitea, PyPI fails.
    expect(r.stdout).toContain('Attestations are only supported when using Trusted Publishing');
    expect(gitea.files()).toHaveLength(2);
    expect(gitea.uploads().every((u) => !u.fields?.some(([n]) => n === 'attestations'))).toBe(true);
    // With Trusted Publishing they are accepted: see trusted-publishing.test.ts.
  });

  it('without the flag and without Trusted Publishing they are not sent (PyPI would refuse the upload), with a warning', async () => {
    const { pypi, args } = await setup({ [`${WHEEL}.publish.attestation`]: JSON.stringify(ATTESTATION) });
    const r = await runMain(args, { env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('1 attestation(s) found but not sent to PyPI: PyPI accepts them only with Trusted Publishing');
    expect(pypi.uploads().some((u) => u.fields?.some(([n]) => n === 'attestations'))).toBe(false);
  });

  it('an attestation that is not JSON stops the run before any request (exit 3), naming it', async () => {
    const { gitea, pypi, args } = await setup({ [`${WHEEL}.publish.attestation`]: '{not json' });
    const r = await runMain(args, { env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${WHEEL}: attestation ${WHEEL}.publish.attestation: invalid JSON`);
    expect(gitea.requests).toHaveLength(0);
    expect(pypi.requests).toHaveLength(0);
  });

  it('--attestations makes a missing one an error (exit 3), before any request', async () => {
    const { gitea, args } = await setup({ [`${WHEEL}.publish.attestation`]: JSON.stringify(ATTESTATION) });
    const r = await runMain(['--attestations', ...args], { env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${SDIST}: no attestation beside it (expected ${SDIST}.publish.attestation`);
    expect(gitea.requests).toHaveLength(0);
  });
});
