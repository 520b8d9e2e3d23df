/**
 * What an archive's contents make of a file: License-File members and entry points. pip installs a
 * wheel whose entry_points.txt only Python's configparser refuses (PyPI's check), and fails on a line
 * without '=' (importlib.metadata's parser): the first is PyPI's refusal, the second an error.
 */
import { describe, expect, it } from 'vitest';
import { archiveFindings } from '../../src/artifacts/archive-rules.js';
import { parseDistFilename, type DistFilename } from '../../src/artifacts/filename.js';
import { parseCoreMetadata } from '../../src/artifacts/metadata.js';

function dist(filename: string): DistFilename {
  const parsed = parseDistFilename(filename);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.value;
}

const WHEEL = 'demo-1.0-py3-none-any.whl';
const meta = (version: string, licenseFiles: string[] = []) =>
  parseCoreMetadata([`Metadata-Version: ${version}`, 'Name: demo', 'Version: 1.0', ...licenseFiles.map((f) => `License-File: ${f}`), ''].join('\n'));

describe('entry points', () => {
  const findings = (text: string) => archiveFindings(meta('2.1'), dist(WHEEL), WHEEL, { entryPoints: Buffer.from(text) });

  it('a valid file is no finding', () => {
    expect(findings('[console_scripts]\ndemo = demo:main\n\n[demo.plugins]\nx = demo.x\n')).toEqual({ errors: [], pypi: [] });
  });

  it.each([
    ['a repeated key', '[console_scripts]\ndemo = demo:main\ndemo = demo:other\n'],
    ['a line before the first section', 'demo = demo:main\n[console_scripts]\nother = demo:main\n'],
    ['a console script name with a space', '[console_scripts]\nmy demo = demo:main\n'],
  ])('%s: pip installs it, PyPI refuses it (configparser)', (_what, text) => {
    const { errors, pypi } = findings(text);
    expect(errors).toEqual([]);
    expect(pypi.map((r) => r.reason)).toEqual([`Wheel '${WHEEL}' has invalid entry points defined in the entry_points.txt file`]);
  });

  it("a line without '=' in a section: pip cannot install the wheel, an error for every target naming the line", () => {
    expect(findings('[console_scripts]\n# a comment\ndemo demo:main\n').errors).toEqual([
      "demo-1.0.dist-info/entry_points.txt: line 3 ('demo demo:main') is not 'name = value': pip cannot install the wheel",
    ]);
  });
});

describe('License-File members (Metadata 2.4+)', () => {
  it('a wheel: looked for in .dist-info/licenses/', () => {
    const members = new Set(['demo-1.0.dist-info/licenses/LICENSE', 'demo-1.0.dist-info/METADATA']);
    expect(archiveFindings(meta('2.4', ['LICENSE']), dist(WHEEL), WHEEL, { members }).pypi).toEqual([]);
    const missing = archiveFindings(meta('2.4', ['LICENSE', 'NOTICE']), dist(WHEEL), WHEEL, { members }).pypi;
    expect(missing.map((r) => r.reason)).toEqual([`License-File NOTICE does not exist in distribution file ${WHEEL} at demo-1.0.dist-info/licenses/NOTICE`]);
  });

  it("an sdist: looked for in its top folder; under Metadata 2.1 (setuptools' habit) not checked, as the form drops them", () => {
    const sdist = 'demo-1.0.tar.gz';
    const members = new Set(['demo-1.0/PKG-INFO', 'demo-1.0/LICENSE']);
    expect(archiveFindings(meta('2.4', ['LICENSE']), dist(sdist), sdist, { members }).pypi).toEqual([]);
    expect(archiveFindings(meta('2.4', ['COPYING']), dist(sdist), sdist, { members }).pypi.map((r) => r.reason)).toEqual([
      `License-File COPYING does not exist in distribution file ${sdist} at demo-1.0/COPYING`,
    ]);
    expect(archiveFindings(meta('2.1', ['COPYING']), dist(sdist), sdist, { members }).pypi).toEqual([]);
  });
});
