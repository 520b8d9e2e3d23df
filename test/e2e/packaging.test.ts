/**
 * The npm package as users get it: `npm pack` holds only what running needs, and the tarball
 * installed into an empty folder runs (`molecule-publish --help`, and a check of a real wheel), and
 * imports as a library with its types (`import { publish, check } from 'molecule-publish'`).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FIXTURES, giteaEnv, ROOT } from '../helpers/cli.js';
import { startGiteaRegistry } from '../helpers/registries/index.js';

const run = promisify(execFile);

describe('npm package', () => {
  it('packs only bin/ and build/ (no tests, fixtures, sources or maps) and runs from an empty folder', async () => {
    const out = await mkdtemp(join(tmpdir(), 'molecule-pack-'));
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: ROOT, timeout: 120_000 });
    const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }>; size: number; unpackedSize: number }>;
    const paths = info?.files.map((f) => f.path) ?? [];
    expect(paths).toContain('bin/molecule-publish.js');
    expect(paths).toContain('build/cli.js');
    expect(paths).toContain('build/THIRD-PARTY-NOTICES.md');
    expect(paths.filter((p) => !/^(bin\/|build\/|package\.json$|README\.md$|LICENSE)/.test(p))).toEqual([]);
    expect(paths.some((p) => p.endsWith('.map') || (p.startsWith('build/') === false && p.endsWith('.ts')))).toBe(false);

    const app = await mkdtemp(join(tmpdir(), 'molecule-app-'));
    await run('npm', ['init', '-y'], { cwd: app });
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(out, info?.filename ?? '')], { cwd: app, timeout: 300_000 });
    const bin = join(app, 'node_modules', '.bin', 'molecule-publish');
    const help = await run(bin, ['--help'], { cwd: app });
    expect(help.stdout).toContain('Publish Python wheels and sdists');
    const dry = await run(bin, ['check', join(FIXTURES, 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl')], { cwd: app });
    expect(dry.stdout).toContain('1 passed, 0 failed');

    // The bundled HTTP client, from the installed package: a wheel and an sdist to a Gitea double.
    const gitea = await startGiteaRegistry();
    try {
      const release = join(app, 'dist');
      await run('mkdir', ['-p', release]);
      for (const f of ['molecule_demo_hatch-2.0.0rc1-py3-none-any.whl', 'molecule_demo_hatch-2.0.0rc1.tar.gz']) await run('cp', [join(FIXTURES, f), release]);
      const published = await run(bin, ['--gitea-url', gitea.url, '--gitea-owner', gitea.owner, '--no-pypi', release], {
        cwd: app,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: app, ...giteaEnv() } as NodeJS.ProcessEnv,
      });
      expect(published.stdout).toContain('Published 2 file(s) to Gitea');
      expect(
        gitea
          .files()
          .map((f) => f.filename)
          .sort(),
      ).toEqual(['molecule_demo_hatch-2.0.0rc1-py3-none-any.whl', 'molecule_demo_hatch-2.0.0rc1.tar.gz']);
    } finally {
      await gitea.close();
    }

    // The library: the same pipeline, values in and out.
    const wheel = join(FIXTURES, 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl');
    await writeFile(
      join(app, 'use.mjs'),
      "import { check, publish, rehearse, VERSION } from 'molecule-publish';\n" +
        'const report = await check([process.argv[2]]);\n' +
        'console.log(JSON.stringify({ passed: report.passed, verdict: report.files[0].verdict, publish: typeof publish, rehearse: typeof rehearse, VERSION }));\n',
    );
    const used = await run(process.execPath, ['use.mjs', wheel], { cwd: app });
    expect(JSON.parse(used.stdout)).toEqual({
      passed: 1,
      verdict: 'PASSED',
      publish: 'function',
      rehearse: 'function',
      VERSION: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    // ...with its declarations: a strict TypeScript consumer compiles against the installed package.
    await writeFile(
      join(app, 'use.ts'),
      "import { publish, check, type PublishReport, type CheckReport } from 'molecule-publish';\n" +
        'export async function go(): Promise<[PublishReport, CheckReport]> {\n' +
        "  return [await publish({ paths: ['dist/'], giteaUrl: 'https://git.example.com', giteaOwner: 'me', dryRun: true, offline: true }), await check(['dist/'])];\n" +
        '}\n',
    );
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(
      process.execPath,
      [
        tsc,
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--types',
        'node',
        '--typeRoots',
        join(ROOT, 'node_modules', '@types'),
        'use.ts',
      ],
      { cwd: app },
    );
  }, 400_000);
});
