/**
 * PEP 508 requirements and markers: what packaging accepts and refuses, and bounded time on hostile
 * lines (a requirement of 1 KiB of spaces took minutes with the old regular expression).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isDirectReference, markerProblem, requirementProblem } from '../../src/artifacts/pep508.js';

describe('requirements', () => {
  it.each([
    'attrs',
    'attrs>=22',
    'attrs >= 22, < 24',
    'importlib-metadata (>=4) ; python_version < "3.10"',
    "sphinx>=6; python_version >= '3.9' and extra == 'docs'",
    'pytest-cov ; extra == "test"',
    'foo[bar,baz]>=1,<2',
    'foo [ bar ] (==1.*)',
    'foo~=1.4',
    'foo===anything',
    'foo @ https://example.com/foo.whl',
    'foo @ https://example.com/foo.whl ; sys_platform == "linux"',
    'pywin32; sys_platform == "win32" or (platform_system == "Windows" and python_version not in "2.7")',
  ])('accepts %j', (text) => {
    expect(requirementProblem(text)).toBeUndefined();
  });

  it.each([
    ['foo bar', /column 5/],
    ['foo >= ', /a version after '>='/],
    ['foo>=1.0-', /PEP 440 version/],
    ['(foo)', /a project name/],
    ['requests >=> 2.0', /PEP 440 version|a version/],
    ['foo; python_version >> "3"', /a marker operator, not '>>'/],
    ['foo; pythonversion >= "3"', /a marker variable/],
    ['foo; python_version >= "3', /a closing quote/],
    ['foo @', /a URL after @/],
    ['foo[bar', /']'/],
  ])('refuses %j', (text, why) => {
    expect(requirementProblem(text)).toMatch(why);
  });

  it('tells a direct reference from a requirement that mentions @ in a marker', () => {
    expect(isDirectReference('pkg @ https://example.com/pkg.whl')).toBe(true);
    expect(isDirectReference('pkg[extra] @ file:///tmp/pkg')).toBe(true);
    expect(isDirectReference('pkg>=1; platform_release == "a@b"')).toBe(false);
  });

  it('takes linear time on hostile lines: 1 KiB of spaces, of brackets, of operators', () => {
    const started = performance.now();
    for (const text of [
      `requests${' '.repeat(1000)};`,
      `requests${' '.repeat(100_000)}x`,
      `a${'['.repeat(5000)}`,
      `a${'>='.repeat(5000)}`,
      `a; ${'('.repeat(5000)}`,
    ]) {
      expect(requirementProblem(text)).toBeDefined();
    }
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('answers in bounded time for any string (fast-check)', () => {
    const pieces = fc.constantFrom(
      ' ',
      '\t',
      '[',
      ']',
      '(',
      ')',
      ',',
      ';',
      '@',
      '>=',
      '==',
      '~=',
      'and',
      'or',
      'in',
      'not',
      '"',
      "'",
      'a',
      '1',
      '.',
      '*',
      'python_version',
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 2000 }), (parts) => {
        const text = parts.join('');
        const started = performance.now();
        requirementProblem(text);
        markerProblem(text);
        expect(performance.now() - started).toBeLessThan(200);
      }),
      { numRuns: 300 },
    );
  });
});

describe('markers', () => {
  it.each(['python_version >= "3.8"', "os_name == 'nt' and (extra == 'a' or extra == 'b')", 'platform_machine not in "arm64 aarch64"'])(
    'accepts %j',
    (text) => {
      expect(markerProblem(text)).toBeUndefined();
    },
  );
  it.each(['python_version >> "3"', 'python_version', '"3" ==', 'python_version == "3" and'])('refuses %j', (text) => {
    expect(markerProblem(text)).toBeDefined();
  });
});
