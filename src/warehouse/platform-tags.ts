/**
 * Which wheel platform tags PyPI accepts: warehouse/forklift/legacy.py `_valid_platform_tag` (pypi/warehouse
 * 6b62157124ab7865029afeeadf282bce27d601d9, 2026-08-21; the file as of 8aac721). Its history in the rule: macOS 11+
 * minor versions other than 0 refused (#18959, 84bd36b, 2025-12-01), macOS 26 (#19018), manylinux/musllinux riscv64
 * (#18390), iOS and Android (#17559), pyemscripten per PEP 783 (#19804, 39f8659, 2026-04-21).
 *
 * Warehouse calls it with each `packaging.tags.Tag.platform` of `parse_wheel_filename`, which packaging lowercases:
 * pass the lowercased platform part. The upload is refused with
 * `Binary wheel '<filename>' has an unsupported platform tag '<platform>'.`
 *
 * The patterns are Python's `re.match`: anchored at the start only, `\d` any Unicode decimal digit, `.` anything but
 * a newline.
 */

/** `_allowed_platforms`: the platforms a simple static list handles. */
const ALLOWED_PLATFORMS: ReadonlySet<string> = new Set([
  'any',
  'win32',
  'win_arm64',
  'win_amd64',
  'win_ia64',
  'manylinux1_x86_64',
  'manylinux1_i686',
  'manylinux2010_x86_64',
  'manylinux2010_i686',
  'manylinux2014_x86_64',
  'manylinux2014_i686',
  'manylinux2014_aarch64',
  'manylinux2014_armv7l',
  'manylinux2014_ppc64',
  'manylinux2014_ppc64le',
  'manylinux2014_s390x',
  'linux_armv6l',
  'linux_armv7l',
]);

/** `_macosx_platform_re`: `macosx_(?P<major>\d+)_(?P<minor>\d+)_(?P<arch>.*)`. */
const MACOSX_PLATFORM = /^macosx_(\p{Nd}+)_(\p{Nd}+)_([^\n]*)/u;
const MACOSX_ARCHES: ReadonlySet<string> = new Set(['ppc', 'ppc64', 'i386', 'x86_64', 'arm64', 'intel', 'fat', 'fat3', 'fat64', 'universal', 'universal2']);
/** `_macosx_major_versions`: macOS 11 and later (macOS 10 has its own rule). */
const MACOSX_MAJOR_VERSIONS: ReadonlySet<string> = new Set(['11', '12', '13', '14', '15', '26']);

/** `_ios_platform_re`: `ios_(\d+)_(\d+)_(?P<arch>.*)_(iphoneos|iphonesimulator)`. */
const IOS_PLATFORM = /^ios_(\p{Nd}+)_(\p{Nd}+)_([^\n]*)_(iphoneos|iphonesimulator)/u;
const IOS_ARCHES: ReadonlySet<string> = new Set(['arm64', 'x86_64']);

/** `_android_platform_re`: `android_(\d+)_(?P<arch>.*)`. */
const ANDROID_PLATFORM = /^android_(\p{Nd}+)_([^\n]*)/u;
const ANDROID_ARCHES: ReadonlySet<string> = new Set(['armeabi_v7a', 'arm64_v8a', 'x86', 'x86_64']);

/** `_linux_platform_re` (manylinux PEP 600, musllinux PEP 656): `(?P<libc>(many|musl))linux_(\d+)_(\d+)_(?P<arch>.*)`. */
const LINUX_PLATFORM = /^(many|musl)linux_(\p{Nd}+)_(\p{Nd}+)_([^\n]*)/u;
/** `_jointlinux_arches` = `_musllinux_arches`; `_manylinux_arches` adds ppc64. */
const MUSLLINUX_ARCHES: ReadonlySet<string> = new Set(['x86_64', 'i686', 'aarch64', 'armv7l', 'ppc64le', 's390x', 'riscv64']);
const MANYLINUX_ARCHES: ReadonlySet<string> = new Set([...MUSLLINUX_ARCHES, 'ppc64']);

/** `_pyemscripten_platform_re` (PEP 783, #19804): `pyemscripten_(?P<major>\d+)_(?P<minor>\d+)_wasm32`. */
const PYEMSCRIPTEN_PLATFORM = /^pyemscripten_(\p{Nd}+)_(\p{Nd}+)_wasm32/u;

/** `_valid_platform_tag(platform_tag)`: whether PyPI accepts a wheel for this (lowercased) platform tag. */
export function validPlatformTag(tag: string): boolean {
  if (ALLOWED_PLATFORMS.has(tag)) return true;
  const mac = MACOSX_PLATFORM.exec(tag);
  // macOS 10.x: any minor version (only the minor ever increased). macOS 11+: `macosx_{major}_0` only (#18959,
  // https://github.com/pypa/packaging.python.org/issues/1933).
  if (mac && mac[1] === '10' && MACOSX_ARCHES.has(mac[3] ?? '')) return true;
  if (mac && MACOSX_MAJOR_VERSIONS.has(mac[1] ?? '') && mac[2] === '0' && MACOSX_ARCHES.has(mac[3] ?? '')) return true;
  const linux = LINUX_PLATFORM.exec(tag);
  if (linux) return (linux[1] === 'musl' ? MUSLLINUX_ARCHES : MANYLINUX_ARCHES).has(linux[4] ?? '');
  const ios = IOS_PLATFORM.exec(tag);
  if (ios && IOS_ARCHES.has(ios[3] ?? '')) return true;
  const android = ANDROID_PLATFORM.exec(tag);
  if (android && ANDROID_ARCHES.has(android[2] ?? '')) return true;
  return PYEMSCRIPTEN_PLATFORM.test(tag);
}
