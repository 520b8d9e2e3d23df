/**
 * The npm package as users get it: `npm pack` holds only what running needs, and the tarball
 * installed into an empty folder runs (`molecule-publish --help`, and a dry run on a real wheel).
 */
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { FIXTURES, ROOT } from '../helpers/cli.js';

const run = promisify(execFile);

describe('npm package', () => {
  it('packs only bin/ and build/ (no tests, fixtures, sources or maps) and runs from an empty folder', async () => {
    const out = await mkdtemp(join(tmpdir(), 'molecule-pack-'));
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: ROOT, timeout: 120_000 });
    const [info] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }>; size: number; unpackedSize: number }>;
    const paths = info?.files.map((f) => f.path) ?? [];
    expect(paths).toContain('bin/molecule-publish.js');
    expect(paths).toContain('build/cli/run.js');
    expect(paths.filter((p) => !/^(bin\/|build\/|package\.json$|README\.md$|LICENSE)/.test(p))).toEqual([]);
    expect(paths.some((p) => p.endsWith('.map') || p.startsWith('build/') === false && p.endsWith('.ts'))).toBe(false);

    const app = await mkdtemp(join(tmpdir(), 'molecule-app-'));
    await run('npm', ['init', '-y'], { cwd: app });
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(out, info?.filename ?? '')], { cwd: app, timeout: 300_000 });
    const bin = join(app, 'node_modules', '.bin', 'molecule-publish');
    const help = await run(bin, ['--help'], { cwd: app });
    expect(help.stderr).toContain('Publish Python wheels and sdists');
    const dry = await run(bin, ['check', join(FIXTURES, 'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl')], { cwd: app });
    expect(dry.stderr).toContain('1 passed, 0 failed');
  }, 400_000);
});
