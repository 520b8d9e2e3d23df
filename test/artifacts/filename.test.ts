import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  distributionExtension,
  fileNameComponent,
  normalizeName,
  parseDistFilename,
  parseSdistFilename,
  parseWheelFilename,
  pep625SdistFilename,
  type SdistFilename,
  type WheelFilename,
} from '../../src/artifacts/filename.js';

function wheel(filename: string): WheelFilename {
  const result = parseWheelFilename(filename);
  if (!result.ok) throw new Error(`expected ${filename} to parse: ${result.problem}`);
  if (result.value.kind !== 'wheel') throw new Error('not a wheel');
  return result.value;
}

function sdist(filename: string): SdistFilename {
  const result = parseSdistFilename(filename);
  if (!result.ok) throw new Error(`expected ${filename} to parse: ${result.problem}`);
  if (result.value.kind !== 'sdist') throw new Error('not an sdist');
  return result.value;
}

describe('normalizeName (PEP 503)', () => {
  it.each([
    ['My.Weird_Name', 'my-weird-name'],
    ['molecule_demo_hatch', 'molecule-demo-hatch'],
    ['Foo__Bar--baz..QUX', 'foo-bar-baz-qux'],
    ['foo-._bar', 'foo-bar'],
    ['requests', 'requests'],
  ])('%s -> %s', (name, expected) => {
    expect(normalizeName(name)).toBe(expected);
  });

  it('fileNameComponent uses _ (wheel spec, PEP 625)', () => {
    expect(fileNameComponent('My.Weird_Name')).toBe('my_weird_name');
    expect(fileNameComponent('molecule-demo-setuptools')).toBe('molecule_demo_setuptools');
  });

  it('is idempotent and leaves no runs of separators or upper case', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/), (name) => {
        const once = normalizeName(name);
        expect(normalizeName(once)).toBe(once);
        expect(once).not.toMatch(/[A-Z_.]|--/);
      }),
    );
  });
});

describe('parseWheelFilename (wheel spec / packaging.utils.parse_wheel_filename)', () => {
  it('reads the five parts', () => {
    expect(wheel('molecule_demo_setuptools-1.0.0-py3-none-any.whl')).toEqual({
      kind: 'wheel',
      filename: 'molecule_demo_setuptools-1.0.0-py3-none-any.whl',
      namePart: 'molecule_demo_setuptools',
      name: 'molecule-demo-setuptools',
      version: '1.0.0',
      pythonTags: ['py3'],
      abiTags: ['none'],
      platformTags: ['any'],
    });
  });

  it('reads a build tag (six parts)', () => {
    const w = wheel('foo-1.0-1-py2.py3-none-any.whl');
    expect(w.buildTag).toBe('1');
    expect(w.version).toBe('1.0');
    expect(w.pythonTags).toEqual(['py2', 'py3']);
    expect(wheel('foo-1.0-1abc-py3-none-any.whl').buildTag).toBe('1abc');
  });

  it('splits compressed tag sets', () => {
    const w = wheel('foo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl');
    expect(w.pythonTags).toEqual(['cp311']);
    expect(w.abiTags).toEqual(['cp311']);
    expect(w.platformTags).toEqual(['manylinux_2_17_x86_64', 'manylinux2014_x86_64']);
    expect(wheel('foo-1.0-py2.py3-none-any.whl').pythonTags).toEqual(['py2', 'py3']);
  });

  it('normalises the name and keeps local versions and dotted names', () => {
    expect(wheel('foo.bar_baz-1.0-py3-none-any.whl').name).toBe('foo-bar-baz');
    const local = wheel('molecule_demo_local-1.0.0+local.1-py3-none-any.whl');
    expect(local.version).toBe('1.0.0+local.1');
    expect(local.namePart).toBe('molecule_demo_local');
  });

  it.each([
    ['foo-1.0-py3-none.whl', /found 4 parts/],
    ['foo-1.0-1-2-py3-none-any.whl', /found 7 parts/],
    ['foo-py3-none-any.whl', /found 4 parts/],
    ['foo-1.0-abc-py3-none-any.whl', /invalid build tag 'abc'/],
    ['foo__bar-1.0-py3-none-any.whl', /invalid project name 'foo__bar'/],
    ['foo bar-1.0-py3-none-any.whl', /invalid project name 'foo bar'/],
    ['-1.0-py3-none-any.whl', /invalid project name ''/],
    ['foo-notaversion-py3-none-any.whl', /invalid version 'notaversion'/],
    ['foo-1.0-py3-none-any.zip', /must end in \.whl/],
    ['foo-1.0--none-any.whl', /empty tag/],
  ])('rejects %s', (filename, problem) => {
    const result = parseWheelFilename(filename);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problem).toMatch(problem);
      expect(result.problem).not.toContain('\n');
    }
  });

  // A valid wheel file name from the spec's pieces: escaped name, PEP 440 version, optional build tag,
  // one or more tags in each of the three compressed tag sets.
  const namePart = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._]{0,20}$/).filter((n) => !n.includes('__'));
  const version = fc
    .tuple(fc.array(fc.nat({ max: 9999 }), { minLength: 1, maxLength: 4 }), fc.constantFrom('', 'a1', 'rc2', '.post3', '.dev4', '+local.5'))
    .map(([release, suffix]) => release.join('.') + suffix);
  const tag = fc.stringMatching(/^[a-z][a-z0-9_]{0,12}$/);
  const tagSet = fc.uniqueArray(tag, { minLength: 1, maxLength: 3 });
  const buildTag = fc.option(fc.stringMatching(/^[0-9]{1,3}[a-z_]{0,3}$/), { nil: undefined });
  const wheelParts = fc.record({ namePart, version, buildTag, py: tagSet, abi: tagSet, plat: tagSet });

  it('round-trips a generated valid wheel file name', () => {
    fc.assert(
      fc.property(wheelParts, (parts) => {
        const filename = `${[
          parts.namePart,
          parts.version,
          ...(parts.buildTag === undefined ? [] : [parts.buildTag]),
          parts.py.join('.'),
          parts.abi.join('.'),
          parts.plat.join('.'),
        ].join('-')}.whl`;
        const w = wheel(filename);
        expect(w.namePart).toBe(parts.namePart);
        expect(w.name).toBe(normalizeName(parts.namePart));
        expect(w.version).toBe(parts.version);
        expect(w.buildTag).toBe(parts.buildTag);
        expect(w.pythonTags).toEqual(parts.py);
        expect(w.abiTags).toEqual(parts.abi);
        expect(w.platformTags).toEqual(parts.plat);
        expect(w.filename).toBe(filename);
      }),
    );
  });
});

describe('parseSdistFilename (PEP 625 and legacy names)', () => {
  it('accepts a PEP 625 name', () => {
    expect(sdist('molecule_demo_hatch-2.0.0rc1.tar.gz')).toEqual({
      kind: 'sdist',
      filename: 'molecule_demo_hatch-2.0.0rc1.tar.gz',
      format: 'tar.gz',
      namePart: 'molecule_demo_hatch',
      name: 'molecule-demo-hatch',
      version: '2.0.0rc1',
      pep625: true,
    });
    expect(sdist('molecule_demo_local-1.0.0+local.1.tar.gz').pep625).toBe(true);
  });

  it.each([
    // [file name, name, version, pep625]
    ['My.Weird_Name-0.3.post1.tar.gz', 'my-weird-name', '0.3.post1', false],
    ['molecule-demo-setuptools-1.0.0.tar.gz', 'molecule-demo-setuptools', '1.0.0', false],
    ['Foo-1.0.tar.gz', 'foo', '1.0', false],
    ['foo-1.0RC1.tar.gz', 'foo', '1.0RC1', false],
    ['foo-v1.0.tar.gz', 'foo', 'v1.0', false],
    ['molecule-demo-zip-0.1.0.zip', 'molecule-demo-zip', '0.1.0', false],
    ['foo-1.0.zip', 'foo', '1.0', false],
  ])('%s is project %s version %s, PEP 625: %s', (filename, name, version, pep625) => {
    const s = sdist(filename);
    expect(s.name).toBe(name);
    expect(s.version).toBe(version);
    expect(s.pep625).toBe(pep625);
    expect(s.format).toBe(filename.endsWith('.zip') ? 'zip' : 'tar.gz');
  });

  it.each([
    ['foo.tar.gz', /expected NAME-VERSION/],
    ['-1.0.tar.gz', /expected NAME-VERSION/],
    ['foo-x.tar.gz', /invalid version 'x'/],
    ['foo-1.0.tar.bz2', /must end in \.tar\.gz/],
  ])('rejects %s', (filename, problem) => {
    const result = parseSdistFilename(filename);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(problem);
  });

  it('pep625SdistFilename gives the name PyPI insists on', () => {
    expect(pep625SdistFilename('My.Weird_Name', '0.3.post1')).toBe('my_weird_name-0.3.post1.tar.gz');
    expect(pep625SdistFilename('molecule-demo-setuptools', '1.0.0')).toBe('molecule_demo_setuptools-1.0.0.tar.gz');
    expect(pep625SdistFilename('Foo', '1.0-RC1')).toBe('foo-1.0rc1.tar.gz');
  });
});

describe('parseDistFilename / distributionExtension', () => {
  it.each([
    ['a-1.0-py3-none-any.whl', 'whl'],
    ['a-1.0.tar.gz', 'tar.gz'],
    ['A-1.0.TAR.GZ', 'tar.gz'],
    ['a-1.0.zip', 'zip'],
    ['a-1.0.tar.bz2', undefined],
    ['a-1.0.egg', undefined],
    ['a-1.0-py3-none-any.whl.asc', undefined],
  ])('%s -> %s', (filename, ext) => {
    expect(distributionExtension(filename)).toBe(ext);
  });

  it('dispatches on the extension', () => {
    const w = parseDistFilename('a-1.0-py3-none-any.whl');
    expect(w.ok && w.value.kind).toBe('wheel');
    const s = parseDistFilename('a-1.0.tar.gz');
    expect(s.ok && s.value.kind).toBe('sdist');
    const other = parseDistFilename('a-1.0.egg');
    expect(other).toEqual({ ok: false, problem: 'not a distribution (expected .whl, .tar.gz or .zip)' });
  });
});
