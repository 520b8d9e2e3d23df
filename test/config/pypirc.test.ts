/** .pypirc as twine reads it (RawConfigParser rules) and resolved into a target. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIni, readPypircRepository } from '../../src/config/pypirc.js';
import { resolveTargets } from '../../src/config/resolve.js';
import { UsageError } from '../../src/errors.js';

describe('parseIni (RawConfigParser rules)', () => {
  it('reads = and :, lower-cases keys, keeps # and ; inside values, joins continuation lines', () => {
    const ini = parseIni(
      [
        '[distutils]',
        'index-servers =',
        '    pypi',
        '    gitea',
        '',
        '# a comment',
        '; another',
        '[gitea]',
        'Repository: https://g.example/api/packages/o/pypi',
        'password = abc#def;ghi%(x)s',
      ].join('\n'),
    );
    expect(ini.get('distutils')?.get('index-servers')).toBe('\npypi\ngitea');
    expect(ini.get('gitea')?.get('repository')).toBe('https://g.example/api/packages/o/pypi');
    expect(ini.get('gitea')?.get('password')).toBe('abc#def;ghi%(x)s');
  });

  it('refuses a key outside any section', () => {
    expect(() => parseIni('username = x\n')).toThrow();
  });
});

describe('readPypircRepository', () => {
  async function file(text: string): Promise<string> {
    const path = join(await mkdtemp(join(tmpdir(), 'pypirc-')), '.pypirc');
    await writeFile(path, text);
    return path;
  }

  it('a section with its URL and credentials; [server-login] supplies defaults', async () => {
    const path = await file('[server-login]\nusername = fallback\n[gitea]\nrepository = https://g.example/api/packages/o/pypi\npassword = tok\n');
    expect(await readPypircRepository('gitea', path, true)).toMatchObject({
      url: 'https://g.example/api/packages/o/pypi',
      username: 'fallback',
      password: 'tok',
      source: `${path} [gitea]`,
    });
  });

  it('pypi and testpypi have built-in URLs, even without a file', async () => {
    expect((await readPypircRepository('testpypi', '/nonexistent/.pypirc', false)).url).toBe('https://test.pypi.org/legacy/');
  });

  it('a missing section is an error naming it; a malformed file does not echo its text', async () => {
    const path = await file('[pypi]\npassword = pypi-secret\n');
    await expect(readPypircRepository('nope', path, true)).rejects.toThrow(`Missing 'nope' section from ${path}.`);
    const bad = await file('password = pypi-secret-outside\n');
    const error = await readPypircRepository('pypi', bad, true).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(`Malformed configuration in ${bad}.`);
  });

  it('becomes one required target; TWINE_* win over the section, as in twine', async () => {
    const path = await file('[gitea]\nrepository = https://g.example/api/packages/o/pypi\nusername = bot\npassword = from-file\n');
    const repo = await readPypircRepository('gitea', path, true);
    const { targets } = resolveTargets({}, { TWINE_PASSWORD: 'from-env' }, { dryRun: false, repository: repo });
    expect(targets).toHaveLength(1);
    expect(targets[0]).toMatchObject({
      id: 'gitea',
      policy: 'required',
      uploadUrl: 'https://g.example/api/packages/o/pypi',
      indexUrl: 'https://g.example/api/packages/o/pypi/simple/',
    });
    expect(targets[0]?.kind.label).toBe('Gitea');
    expect(targets[0]?.credentials).toMatchObject({ username: 'bot', password: 'from-env' });
  });
});
