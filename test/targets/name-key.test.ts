/**
 * One name key per server kind: for every valid project name, the name the client sends is the one the
 * server stores, and the client's index look-up finds the file the double stored (and a re-run finds
 * it again), and pip's PEP 503 look-up finds it as well. Generated names mix case and runs of `.`, `_` and `-`, the spellings the servers key
 * differently (Gitea: `.`/`_` → `-`, runs kept; Warehouse: PEP 503).
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspectArtifact, type Artifact } from '../../src/artifacts/artifact.js';
import { normalizeName } from '../../src/artifacts/filename.js';
import { resolveTargets } from '../../src/config/resolve.js';
import { defaultDeps } from '../../src/prepare.js';
import { publishToTarget, type EngineOptions } from '../../src/upload/engine.js';
import type { Target } from '../../src/targets/target.js';
import { buildWheel, GITEA_PROFILES, startGiteaRegistry, startPypiRegistry, type GiteaRegistry, type PypiRegistry } from '../helpers/registries/index.js';

const ENGINE: EngineOptions = { concurrency: 1, retries: 0, retryDelayMs: 1, maxRetryDelayMs: 1, timeoutMs: 5_000, verify: true, verifyAttempts: 1 };
const ENV = { MOLECULE_PYPI_GITEA_PUBLISHER_USER: 'publisher', MOLECULE_PYPI_GITEA_PUBLISHER_TOKEN: 'gitea-test-token', PYPI_TOKEN: 'pypi-test-token' };

// PEP 508 names, with separators in runs and mixed case: `a`, `Demo__Pkg`, `x._-y.z`.
const NAME = fc
  .tuple(
    fc.stringMatching(/^[A-Za-z0-9]{1,6}$/),
    fc.array(fc.tuple(fc.stringMatching(/^[._-]{1,3}$/), fc.stringMatching(/^[A-Za-z0-9]{1,6}$/)), { maxLength: 3 }),
  )
  .map(([head, rest]) => head + rest.map(([sep, word]) => sep + word).join(''));

let dir: string;
let gitea: GiteaRegistry[];
let pypi: PypiRegistry;
let targets: Map<string, Target>;
let counter = 0;
const basic = `Basic ${Buffer.from('publisher:gitea-test-token').toString('base64')}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'molecule-names-'));
  gitea = await Promise.all(GITEA_PROFILES.map((profile) => startGiteaRegistry({ profile })));
  pypi = await startPypiRegistry();
  targets = new Map();
  for (const g of gitea) {
    const [target] = resolveTargets({ giteaUrl: g.url, giteaOwner: g.owner, pypi: false }, ENV, { dryRun: false }).targets;
    if (target) targets.set(g.profile, target);
  }
  const pypiTarget = resolveTargets({ giteaUrl: gitea[0]?.url, giteaOwner: 'molecule', pypiUrl: pypi.uploadUrl, pypiIndexUrl: pypi.indexUrl }, ENV, {
    dryRun: false,
  }).targets.find((t) => t.kind.label === 'PyPI');
  if (pypiTarget) targets.set('pypi', { ...pypiTarget, policy: 'required' });
});
afterAll(async () => {
  await Promise.all([...gitea.map((g) => g.close()), pypi.close()]);
});

async function artifactFor(name: string): Promise<Artifact> {
  // A fresh version each time: a generated name may normalise to one already published.
  const wheel = buildWheel({ name, version: `1.0.${counter++}` });
  const path = join(dir, wheel.filename);
  await writeFile(path, wheel.content);
  const inspection = await inspectArtifact(path);
  if (!inspection.artifact || inspection.errors.length > 0) throw new Error(`${name}: ${inspection.errors.join('; ')}`);
  return inspection.artifact;
}

describe('the name the client sends is the name it finds', () => {
  it.each([...GITEA_PROFILES, 'pypi'])(
    '%s: every generated name publishes, is confirmed in the index, and a re-run finds it',
    async (which) => {
      const target = targets.get(which);
      if (!target) throw new Error(`no target for ${which}`);
      await fc.assert(
        fc.asyncProperty(NAME, async (name) => {
          const artifact = await artifactFor(name);
          const plan = { target, refusals: new Map(), sendAttestations: false };
          const first = await publishToTarget(plan, [artifact], ENGINE, defaultDeps);
          expect(first.status, `${name}: ${first.detail}`).toBe('success');
          expect(first.files[0]?.status).toBe('uploaded');
          // pip asks for the PEP 503 name: the server must list the file under it too.
          const page = await fetch(`${target.indexUrl}${normalizeName(name)}/`, { headers: { authorization: basic } });
          expect(page.status, `${name}: pip's look-up of ${normalizeName(name)}`).toBe(200);
          expect(await page.text()).toContain(artifact.filename);
          const again = await publishToTarget(plan, [artifact], ENGINE, defaultDeps);
          expect(again.files[0]?.status, `${name} re-run: ${again.files[0]?.detail}`).toBe('already_present');
        }),
        { numRuns: 25 },
      );
    },
    60_000,
  );
});
