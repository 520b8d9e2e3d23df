/**
 * The upload order (src/upload/order.ts): the first file alone, one creation at a time per package
 * and per release, wheels before the sdist, and packages side by side. Checked on the order itself
 * (every interleaving it allows), and against the Gitea double, whose package and version rows race
 * as Gitea's do (a second concurrent creation fails with 500).
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Artifact } from '../../src/artifacts/artifact.js';
import { runInOrder } from '../../src/upload/order.js';
import { writeSdist, writeWheel } from '../helpers/archives.js';
import { giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { startGiteaRegistry, type GiteaRegistry } from '../helpers/registries/index.js';

function artifact(name: string, version: string, kind: 'wheel' | 'sdist'): Artifact {
  const filename = kind === 'wheel' ? `${name}-${version}-py3-none-any.whl` : `${name}-${version}.tar.gz`;
  return { filename, name, version, filetype: kind === 'wheel' ? 'bdist_wheel' : 'sdist' } as Artifact;
}

/** Runs the order with each upload taking a few ms; returns each file's [start, end] in a shared clock. */
async function timeline(artifacts: Artifact[]): Promise<{ spans: Map<string, [number, number]>; maxInFlight: number }> {
  const spans = new Map<string, [number, number]>();
  let clock = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  await runInOrder(artifacts, async (a) => {
    const start = clock++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await new Promise((resolve) => setTimeout(resolve, 2 + (a.filename.length % 3)));
    inFlight--;
    spans.set(a.filename, [start, clock++]);
  });
  return { spans, maxInFlight };
}

describe('upload order', () => {
  // Three packages, several versions each, wheels and sdists; the first file is a wheel of `alpha`.
  const set = [
    artifact('alpha', '1.0', 'wheel'),
    artifact('alpha', '1.0', 'sdist'),
    artifact('alpha', '2.0', 'wheel'),
    artifact('alpha', '2.0', 'sdist'),
    artifact('beta', '1.0', 'wheel'),
    artifact('beta', '2.0', 'wheel'),
    artifact('beta', '3.0', 'wheel'),
    artifact('beta', '3.0', 'sdist'),
    artifact('gamma', '0.1', 'wheel'),
    artifact('gamma', '0.1', 'sdist'),
  ];

  it('sends every file once: the first alone, one creation at a time per package and release, wheels before the sdist', async () => {
    const { spans, maxInFlight } = await timeline(set);
    expect([...spans.keys()].sort()).toEqual(set.map((a) => a.filename).sort());
    const span = (a: Artifact) => spans.get(a.filename) as [number, number];
    const [first] = set as [Artifact];
    for (const a of set.slice(1)) expect(span(a)[0], `${a.filename} started before the first file ended`).toBeGreaterThan(span(first)[1]);

    for (const pkg of ['beta', 'gamma']) {
      // The package's first upload (it creates the package row) ends before any other of its files starts.
      const files = set.filter((a) => a.name === pkg);
      const opener = files.reduce((x, y) => (span(x)[0] < span(y)[0] ? x : y));
      for (const a of files.filter((f) => f !== opener)) expect(span(a)[0], `${a.filename} raced ${opener.filename}`).toBeGreaterThan(span(opener)[1]);
    }
    for (const release of new Set(set.map((a) => `${a.name} ${a.version}`))) {
      const files = set.filter((a) => `${a.name} ${a.version}` === release);
      const opener = files.reduce((x, y) => (span(x)[0] < span(y)[0] ? x : y));
      for (const a of files.filter((f) => f !== opener)) expect(span(a)[0], `${a.filename} raced ${opener.filename}`).toBeGreaterThan(span(opener)[1]);
      const wheelsEnd = Math.max(...files.filter((a) => a.filetype === 'bdist_wheel').map((a) => span(a)[1]));
      for (const s of files.filter((a) => a.filetype === 'sdist')) expect(span(s)[0]).toBeGreaterThan(wheelsEnd);
    }
    // ...and yet not one at a time: packages, and a package's releases, go side by side.
    expect(maxInFlight).toBeGreaterThanOrEqual(3);
  });

  it('says when the first file is done, once, before any other starts', async () => {
    const events: string[] = [];
    await runInOrder(
      set,
      async (a) => {
        events.push(a.filename);
      },
      { afterFirst: () => events.push('afterFirst') },
    );
    expect(events.indexOf('afterFirst')).toBe(1);
    expect(events.filter((e) => e === 'afterFirst')).toHaveLength(1);
  });
});

describe('against the Gitea double, whose package and version rows race as Gitea\u2019s do', () => {
  let gitea: GiteaRegistry | undefined;
  afterEach(async () => gitea?.close());

  it('publishes several versions of several new packages with no creation race (no 500, no retry)', async () => {
    gitea = await startGiteaRegistry();
    const dir = await mkdtemp(join(tmpdir(), 'molecule-order-'));
    for (const pkg of ['order_one', 'order_two', 'order_three']) {
      for (const version of ['1.0', '1.1', '2.0']) {
        writeWheel(dir, `${pkg}-${version}-py3-none-any.whl`);
        writeSdist(dir, `${pkg}-${version}.tar.gz`);
      }
    }
    const r = await runMain(['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--no-pypi', '--retry-delay', '0.01', dir], { env: giteaEnv() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('retrying');
    expect(gitea.uploads().map((q) => q.status)).toEqual(Array(18).fill(201));
    expect(gitea.files()).toHaveLength(18);
  });
});
