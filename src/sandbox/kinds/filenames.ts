/**
 * pypiserver's reading of a distribution filename (pypiserver/pkg_helpers.py guess_pkgname_and_version and
 * _app.py is_valid_pkg_filename, @d87ef03): the project name and version come from the filename, not the form.
 * The other kinds use it only when the form lacks `name`/`version`.
 */

// wheel_file_re (re.VERBOSE), _archive_suffix_rx, _pkgname_re, _pkgname_parts_re.
const WHEEL_RE = /^(?<name>.+?)-(?<ver>\d.*?)(?:(?:-(?<build>\d.*?))?-(?<pyver>.+?)-(?<abi>.+?)-(?<plat>.+?)\.whl|\.dist-info)$/;
const ARCHIVE_SUFFIX_RE = /(\.zip|\.tar\.gz|\.tgz|\.tar\.bz2|\.tar\.xz|-py[23]\.\d-.*|\.win-amd64-py[23]\.\d\..*|\.win32-py[23]\.\d\..*|\.egg)$/i;
const PKGNAME_RE = /-\d+[a-z_.!+]/i;
const PKGNAME_PARTS_RE = /[.-](?=cp\d|py\d|macosx|linux|sunos|solaris|irix|aix|cygwin|win)/i;
// _bottle_upload_filename_re
const UPLOAD_FILENAME_RE = /^[a-z0-9_.!+-]+$/i;

export function isValidUploadFilename(filename: string): boolean {
  return UPLOAD_FILENAME_RE.test(filename);
}

/** [name, version] from a filename, or undefined when it is not a distribution's name. */
export function guessNameAndVersion(filename: string): [string, string] | undefined {
  let path = filename.slice(filename.lastIndexOf('/') + 1);
  if (path.endsWith('.whl')) {
    const m = WHEEL_RE.exec(path);
    if (!m?.groups) return undefined;
    const { name = '', ver = '', build } = m.groups;
    return [name, build ? `${ver}-${build}` : ver];
  }
  if (!ARCHIVE_SUFFIX_RE.test(path)) return undefined;
  path = path.replace(ARCHIVE_SUFFIX_RE, '');
  const dashes = path.split('-').length - 1;
  if (dashes === 0) return [path, ''];
  if (dashes === 1) {
    const i = path.indexOf('-');
    return [path.slice(0, i), path.slice(i + 1)];
  }
  if (!path.includes('.')) {
    const i = path.lastIndexOf('-');
    return [path.slice(0, i), path.slice(i + 1)];
  }
  const name = path.split(PKGNAME_RE)[0] ?? path;
  const verSpec = path.slice(name.length + 1);
  return [name, verSpec.split(PKGNAME_PARTS_RE)[0] ?? verSpec];
}
