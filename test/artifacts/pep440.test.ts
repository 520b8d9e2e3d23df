import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isValidVersion, normalizeVersion, parseVersion, versionKey } from '../../src/artifacts/pep440.js';
import { python } from '../helpers/archives.js';

// Expected values are what `str(packaging.version.Version(text))` gives (checked with packaging 23.0).
const NORMALISED: ReadonlyArray<readonly [string, string]> = [
  ['1.0RC1', '1.0rc1'],
  ['1.0-1', '1.0.post1'],
  ['v1.0', '1.0'],
  ['V1.0', '1.0'],
  ['1!2.0', '1!2.0'],
  ['0!1.0', '1.0'],
  ['1.0+Ab_c', '1.0+ab.c'],
  ['1.0+Ab-c.01', '1.0+ab.c.1'],
  ['1.0+ABC.DEF-01', '1.0+abc.def.1'],
  [' 1.0 ', '1.0'],
  ['1.0.0', '1.0.0'],
  ['01.02.003', '1.2.3'],
  ['2024.01.05', '2024.1.5'],
  ['1.0a', '1.0a0'],
  ['1.0alpha1', '1.0a1'],
  ['1.0beta2', '1.0b2'],
  ['1.0c3', '1.0rc3'],
  ['1.0pre4', '1.0rc4'],
  ['1.0preview5', '1.0rc5'],
  ['1.0-rc.6', '1.0rc6'],
  ['1.0rc', '1.0rc0'],
  ['1.0.post', '1.0.post0'],
  ['1.0rev3', '1.0.post3'],
  ['1.0r', '1.0.post0'],
  ['1.0-r1', '1.0.post1'],
  ['1.0.r-5', '1.0.post5'],
  ['1.0-post-7', '1.0.post7'],
  ['1.0_post1', '1.0.post1'],
  ['1.0a1-1', '1.0a1.post1'],
  ['1.0.dev', '1.0.dev0'],
  ['1.0-dev8', '1.0.dev8'],
  ['1.0_DEV9', '1.0.dev9'],
  ['1.0a1.post2.dev3+loc.4', '1.0a1.post2.dev3+loc.4'],
  ['1.0.0+local.1', '1.0.0+local.1'],
  ['1.0.0.0.0', '1.0.0.0.0'],
  ['2.0.0rc1', '2.0.0rc1'],
  ['99999999999999999999.1', '99999999999999999999.1'],
];

const INVALID = [
  '',
  '1.0+',
  '1.0++x',
  '1.0-',
  'a1.0',
  '1.0.',
  '1..0',
  '.1',
  '1.0+_x',
  '1.0+x_',
  '1.0a1b2',
  '1.0 a1',
  '1!',
  '1.0+loc+al',
  '1.0.post1.post2',
  '1.0-1-1',
  '1e3',
  'latest',
];

describe('normalizeVersion (packaging.version.Version)', () => {
  it.each(NORMALISED)('%j -> %j', (input, expected) => {
    expect(normalizeVersion(input)).toBe(expected);
    expect(isValidVersion(input)).toBe(true);
  });

  it.each(INVALID)('%j is not a PEP 440 version', (input) => {
    expect(normalizeVersion(input)).toBeUndefined();
    expect(isValidVersion(input)).toBe(false);
    expect(parseVersion(input)).toBeUndefined();
  });

  it('parses every segment', () => {
    expect(parseVersion('3!1.2.3rc4.post5.dev6+Ubuntu-1')).toEqual({
      epoch: 3n,
      release: [1n, 2n, 3n],
      pre: { label: 'rc', number: 4n },
      post: 5n,
      dev: 6n,
      local: 'ubuntu.1',
    });
  });
});

describe('versionKey (Version equality)', () => {
  const cases: ReadonlyArray<readonly [string, string, boolean]> = [
    ['1.0', '1.0.0', true],
    ['1.0', '1.0.0.0', true],
    ['2.0.0rc1', '2.0rc1', true],
    ['1.0rc1', '1.0c1', true],
    ['1.0a', '1.0a0', true],
    ['1.0+1', '1.0+01', true],
    ['v1.0-1', '1.0.post1', true],
    ['1!1.0', '1.0', false],
    ['1.0+a', '1.0', false],
    ['1.0+1.0', '1.0+1', false],
    ['1.0.post0', '1.0', false],
    ['1.0.dev0', '1.0', false],
    ['1.0', '1.1', false],
    ['10.0', '1.0', false],
  ];
  it.each(cases)('%j == %j is %s', (a, b, equal) => {
    expect(versionKey(a) === versionKey(b)).toBe(equal);
  });

  it('is undefined for an invalid version', () => {
    expect(versionKey('not a version')).toBeUndefined();
  });
});

// Versions built from PEP 440's grammar, in every spelling packaging accepts.
const sep = fc.constantFrom('', '.', '-', '_');
const num = fc.bigInt({ min: 0n, max: 10n ** 12n }).map((n) => n.toString());
const paddedNum = fc.tuple(fc.constantFrom('', '0', '00'), num).map(([pad, n]) => pad + n);
const versionText = fc
  .record({
    v: fc.constantFrom('', 'v', 'V'),
    epoch: fc.option(paddedNum, { nil: undefined }),
    release: fc.array(paddedNum, { minLength: 1, maxLength: 5 }),
    pre: fc.option(fc.tuple(sep, fc.constantFrom('a', 'A', 'alpha', 'b', 'beta', 'c', 'rc', 'RC', 'pre', 'preview'), sep, fc.option(num, { nil: '' })), {
      nil: undefined,
    }),
    post: fc.option(
      fc.oneof(
        num.map((n) => `-${n}`),
        fc.tuple(sep, fc.constantFrom('post', 'rev', 'r', 'POST'), sep, fc.option(num, { nil: '' })).map((parts) => parts.join('')),
      ),
      { nil: undefined },
    ),
    dev: fc.option(fc.tuple(sep, fc.constantFrom('dev', 'DEV'), sep, fc.option(num, { nil: '' })), { nil: undefined }),
    local: fc.option(fc.array(fc.stringMatching(/^[a-zA-Z0-9]{1,6}$/), { minLength: 1, maxLength: 4 }), { nil: undefined }),
    localSep: fc.constantFrom('.', '-', '_'),
  })
  .map((r) => {
    let text = r.v;
    if (r.epoch !== undefined) text += `${r.epoch}!`;
    text += r.release.join('.');
    if (r.pre) {
      const [s1, label, s2, n] = r.pre;
      // "1.0a" followed by a separator-less number is fine; a trailing separator without number is not.
      text += n === '' ? `${s1}${label}` : `${s1}${label}${s2}${n}`;
    }
    if (r.post !== undefined && !(r.post.endsWith('-') || r.post.endsWith('.') || r.post.endsWith('_'))) text += r.post;
    if (r.dev) {
      const [s1, label, s2, n] = r.dev;
      text += n === '' ? `${s1}${label}` : `${s1}${label}${s2}${n}`;
    }
    if (r.local) text += `+${r.local.join(r.localSep)}`;
    return text;
  });

describe('normalizeVersion properties', () => {
  it('accepts every version the grammar generates', () => {
    fc.assert(fc.property(versionText, (text) => isValidVersion(text)));
  });

  it('is idempotent, and its output re-parses to the same version', () => {
    fc.assert(
      fc.property(versionText, (text) => {
        const once = normalizeVersion(text);
        expect(once).toBeDefined();
        expect(normalizeVersion(once as string)).toBe(once);
        expect(versionKey(once as string)).toBe(versionKey(text));
      }),
    );
  });

  it('never produces upper case, a "v" prefix or "-"/"_" separators', () => {
    fc.assert(
      fc.property(versionText, (text) => {
        const normal = normalizeVersion(text) as string;
        expect(normal).toMatch(/^(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*(?:(?:a|b|rc)[0-9]+)?(?:\.post[0-9]+)?(?:\.dev[0-9]+)?(?:\+[a-z0-9]+(?:\.[a-z0-9]+)*)?$/);
      }),
    );
  });

  it('treats X and X.0 as the same version', () => {
    fc.assert(
      fc.property(versionText, (text) => {
        const withZero = text.replace(/^([vV]?(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*)/, '$1.0');
        expect(withZero).not.toBe(text);
        expect(versionKey(withZero)).toBe(versionKey(text));
      }),
    );
  });

  it('agrees with packaging.version (Debian python) on generated and mangled versions', () => {
    const samples = fc.sample(versionText, { numRuns: 300, seed: 440 });
    // Mangle some into invalid or borderline spellings, so that rejection is compared too.
    const mangled = samples.slice(0, 60).map((text, i) => [`${text}-`, `${text}+`, `.${text}`, `${text}..1`, `${text} x`, `${text}+a+b`][i % 6] as string);
    const inputs = [...samples, ...mangled];
    const out = python(
      'import json,sys\nfrom packaging.version import Version, InvalidVersion\n' +
        'def norm(t):\n    try: return str(Version(t))\n    except InvalidVersion: return None\n' +
        'print(json.dumps([norm(t) for t in json.load(sys.stdin)]))',
      [],
      JSON.stringify(inputs),
    );
    const expected = JSON.parse(out) as Array<string | null>;
    inputs.forEach((text, i) => {
      expect([text, normalizeVersion(text) ?? null]).toEqual([text, expected[i]]);
    });
  });
});
