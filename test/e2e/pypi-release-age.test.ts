/**
 * PyPI takes no new file for a release older than 14 days (Warehouse #19727): the "re-publish after a
 * long outage" case. The client reads PyPI's page as PEP 691 JSON (PEP 700 upload times), skips a new
 * file of an old release with the reason and a fix, and sends PyPI no request for it; Gitea, the
 * required target, still gets it. An identical file already there stays already_present.
 */
import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, giteaEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { startGiteaRegistry, startPypiRegistry } from '../helpers/registries/index.js';
import { parseSummary } from '../helpers/summary.js';

const WHEEL = 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl';
const SDIST = 'molecule_demo_hatch-2.0.0rc1.tar.gz';
const DAY = 24 * 60 * 60 * 1000;

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()?.close();
});

/** PyPI holds the release's wheel, uploaded `daysAgo` days ago; the set is that wheel and the sdist PyPI missed. */
async function setUp(daysAgo: number) {
  const gitea = await startGiteaRegistry();
  const pypi = await startPypiRegistry();
  open.push(gitea, pypi);
  pypi.seedFile({
    project: 'molecule-demo-hatch',
    version: '2.0.0rc1',
    filename: WHEEL,
    content: await readFile(join(FIXTURES, WHEEL)),
    uploadedAt: Date.now() - daysAgo * DAY,
  });
  const dir = await mkdtemp(join(tmpdir(), 'molecule-age-'));
  for (const f of [WHEEL, SDIST]) await copyFile(join(FIXTURES, f), join(dir, f));
  const args = ['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--pypi-url', pypi.uploadUrl, '--pypi-index-url', pypi.indexUrl, dir];
  return { gitea, pypi, args };
}

describe("PyPI's 14-day rule for new files", () => {
  it('a 30-day-old release gets no new file: skipped_unsupported with the reason and a fix, no request; Gitea has both; exit 0', async () => {
    const { gitea, pypi, args } = await setUp(30);
    const r = await runMain(args, { env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) });
    expect(r.code, r.stderr).toBe(0);
    expect(
      gitea
        .files()
        .map((f) => f.filename)
        .sort(),
    ).toEqual([WHEEL, SDIST].sort());
    expect(pypi.uploads()).toHaveLength(0);
    const s = parseSummary(r.stdout);
    expect(s.files[WHEEL]?.PyPI).toBe('already_present');
    expect(s.files[SDIST]?.PyPI).toBe('skipped_unsupported');
    expect(s.targets.PyPI).toBe('partial');
    expect(r.stderr).toMatch(
      /PyPI: skipped molecule_demo_hatch-2\.0\.0rc1\.tar\.gz: PyPI takes no new files for a release older than 14 days: 2\.0\.0rc1 was first uploaded on \d{4}-\d\d-\d\d, 30 days ago .*; fix: publish the missing files as a new release \(a post-release such as 2\.0\.0rc1\.post1\)/,
    );
  });

  it('a 3-day-old release takes it', async () => {
    const { pypi, args } = await setUp(3);
    const r = await runMain(args, { env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) });
    expect(r.code, r.stderr).toBe(0);
    expect(pypi.uploads().map((u) => u.fileName)).toEqual([SDIST]);
    expect(parseSummary(r.stdout).targets.PyPI).toBe('success');
  });

  it('the dry run shows it, reading the index with GET only', async () => {
    const { pypi, args } = await setUp(30);
    const r = await runMain(['--dry-run', ...args], { env: giteaEnv({ PYPI_TOKEN: 'pypi-test-token' }) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /skipped_unsupported molecule_demo_hatch-2\.0\.0rc1\.tar\.gz {2}\(PyPI takes no new files for a release older than 14 days: .*; fix: publish the missing files/,
    );
    expect(pypi.requests.every((q) => q.method === 'GET')).toBe(true);
  });

  it("the double agrees: sent anyway, the new file of a 30-day-old release is refused with Warehouse's words", async () => {
    const { pypi } = await setUp(30);
    const dir = await mkdtemp(join(tmpdir(), 'molecule-age-sdist-'));
    await copyFile(join(FIXTURES, SDIST), join(dir, SDIST));
    // --pypi-index-url pointed at nothing: the client cannot know the age and sends the file.
    const r = await runMain(['--only', 'pypi', '--pypi-url', pypi.uploadUrl, '--pypi-index-url', 'http://127.0.0.1:9/simple/', '--retries', '0', dir], {
      env: { PYPI_TOKEN: 'pypi-test-token' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Uploading new files to releases older than 14 days is not allowed/);
  });
});
