/** src/warehouse/: Warehouse's own rules (platform tags, classifiers), checked against cases from Warehouse's behaviour. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifierRefusals, deprecatedClassifier, isKnownClassifier } from '../../src/warehouse/classifiers.js';
import { validPlatformTag } from '../../src/warehouse/platform-tags.js';
import { pyCompare, pyListRepr, pyRepr } from '../../src/warehouse/python-repr.js';
import { CLASSIFIERS, DEPRECATED_CLASSIFIERS, TROVE_CLASSIFIERS_VERSION } from '../../src/warehouse/trove-classifiers.js';
import { ROOT } from '../helpers/cli.js';

describe('validPlatformTag (legacy.py _valid_platform_tag)', () => {
  it.each([
    'any',
    'win_amd64',
    'win_arm64',
    'manylinux2014_x86_64',
    'linux_armv7l',
    'macosx_10_9_x86_64',
    'macosx_10_15_universal2',
    'macosx_11_0_arm64',
    'macosx_14_0_arm64',
    'macosx_26_0_universal2',
    'manylinux_2_28_aarch64',
    'manylinux_2_17_ppc64',
    'manylinux_2_39_riscv64',
    'musllinux_1_2_x86_64',
    'ios_13_0_arm64_iphoneos',
    'ios_13_0_x86_64_iphonesimulator',
    'ios_13_0_arm64_iphonesimulator_more', // re.match: anchored at the start only
    'android_21_arm64_v8a',
    'android_24_x86_64',
    'pyemscripten_2026_0_wasm32',
  ])('accepts %s', (tag) => {
    expect(validPlatformTag(tag)).toBe(true);
  });

  it.each([
    'linux_x86_64',
    'linux_aarch64',
    'macosx_14_2_arm64', // macOS 11+: the minor must be 0 (#18959)
    'macosx_11_1_x86_64',
    'macosx_11_0_fat32',
    'macosx_10_9_fat32',
    'macosx_16_0_arm64',
    'manylinux_2_28_sparc',
    'musllinux_1_2_ppc64', // ppc64 is manylinux only
    'manylinux2014_riscv64',
    'ios_13_0_i386_iphoneos',
    'ios_13_0_arm64',
    'android_21_armeabi',
    'android_21_mips',
    'pyemscripten_2026_0_wasm64',
    'emscripten_3_1_58_wasm32',
    'win_x86',
    '',
  ])('refuses %s', (tag) => {
    expect(validPlatformTag(tag)).toBe(false);
  });

  it('reads \\d and . as Python does (Unicode digits; anything but a newline)', () => {
    expect(validPlatformTag('manylinux_\u0662_\u0662\u0668_x86_64')).toBe(true);
    expect(validPlatformTag('macosx_10_\u0669_x86_64')).toBe(true);
    expect(validPlatformTag('android_21_x86\nrest')).toBe(true);
    expect(validPlatformTag('android_21_x86\rrest')).toBe(false);
  });
});

describe('classifierRefusals (forklift/metadata.py _validate_metadata)', () => {
  it('passes real classifiers', () => {
    expect(classifierRefusals(['Programming Language :: Python :: 3', 'Typing :: Typed', 'License :: OSI Approved :: MIT License'])).toEqual([]);
    expect(classifierRefusals([])).toEqual([]);
  });

  it('gives the exact messages: unknown ones first, then deprecated, each deduplicated and sorted', () => {
    expect(
      classifierRefusals([
        'Topic :: Communications :: Chat :: AOL Instant Messenger',
        'Programming Language :: Python :: 9',
        'Natural Language :: Ukranian',
        'Programming Language :: Python :: 9',
        'Framework :: Nope',
      ]),
    ).toEqual([
      "'Framework :: Nope' is not a valid classifier.",
      "'Programming Language :: Python :: 9' is not a valid classifier.",
      "The classifier 'Natural Language :: Ukranian' has been deprecated, use one of ['Natural Language :: Ukrainian'] instead.",
      "The classifier 'Topic :: Communications :: Chat :: AOL Instant Messenger' has been deprecated.",
    ]);
  });

  it('quotes with repr() and sorts by code point', () => {
    expect(classifierRefusals(["Topic :: Rock 'n' Roll", 'Topic ::\u00a0Music'])).toEqual([
      `"Topic :: Rock 'n' Roll" is not a valid classifier.`,
      "'Topic ::\\xa0Music' is not a valid classifier.",
    ]);
    expect(classifierRefusals(['x\u{1f600}', 'x\uff01'])).toEqual(["'x\uff01' is not a valid classifier.", "'x\u{1f600}' is not a valid classifier."]);
  });

  it('is not fooled by Object.prototype names', () => {
    expect(deprecatedClassifier('constructor')).toBeUndefined();
    expect(isKnownClassifier('toString')).toBe(false);
    expect(classifierRefusals(['constructor'])).toEqual(["'constructor' is not a valid classifier."]);
  });

  it('takes a replacement list of valid classifiers; deprecated ones stay known', () => {
    const valid = new Set(['Programming Language :: Python :: 3']);
    expect(classifierRefusals(['Programming Language :: Python :: 3', 'Typing :: Typed', 'Natural Language :: Ukranian'], valid)).toEqual([
      "'Typing :: Typed' is not a valid classifier.",
      "The classifier 'Natural Language :: Ukranian' has been deprecated, use one of ['Natural Language :: Ukrainian'] instead.",
    ]);
  });
});

describe('python-repr', () => {
  it('repr() of str and list', () => {
    expect(pyRepr('a')).toBe("'a'");
    expect(pyRepr("it's")).toBe(`"it's"`);
    expect(pyRepr(`'"`)).toBe(`'\\'"'`);
    expect(pyRepr('a\\b\tc\nd\re\x00\x7f\u00ad\u2028\u{e0001}é ü')).toBe("'a\\\\b\\tc\\nd\\re\\x00\\x7f\\xad\\u2028\\U000e0001é ü'");
    expect(pyListRepr(['a', "b'"])).toBe(`['a', "b'"]`);
    expect(pyListRepr([])).toBe('[]');
  });

  it('compares by code point', () => {
    expect(['\u{1f600}', '\uff01', 'b', 'a', 'ab'].sort(pyCompare)).toEqual(['a', 'ab', 'b', '\uff01', '\u{1f600}']);
  });
});

describe('the generated trove-classifiers list', () => {
  it('names its version and holds the whole list', () => {
    expect(TROVE_CLASSIFIERS_VERSION).toMatch(/^\d{4}\.\d+\.\d+(\.\d+)?$/);
    expect(CLASSIFIERS.size).toBeGreaterThan(500);
    expect(CLASSIFIERS.has('Development Status :: 5 - Production/Stable')).toBe(true);
    expect([...CLASSIFIERS]).toEqual([...CLASSIFIERS].sort(pyCompare));
    for (const [old, by] of Object.entries(DEPRECATED_CLASSIFIERS)) {
      expect(CLASSIFIERS.has(old)).toBe(false);
      for (const c of by) expect(CLASSIFIERS.has(c)).toBe(true);
    }
  });

  const wheel = `/opt/pypi/files/trove_classifiers-${TROVE_CLASSIFIERS_VERSION}-py3-none-any.whl`;
  it.skipIf(!existsSync(wheel) || !existsSync('/usr/bin/python3'))('is what scripts/update-trove-classifiers.py makes of its wheel', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trove-'));
    try {
      const out = join(dir, 'trove-classifiers.ts');
      const run = spawnSync('/usr/bin/python3', [join(ROOT, 'scripts/update-trove-classifiers.py'), wheel, '-o', out], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(ROOT, 'src/warehouse/trove-classifiers.ts'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
