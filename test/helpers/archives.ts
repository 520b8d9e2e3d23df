/**
 * Builders for the malformed (and a few well-formed) distributions the artifact tests need. The
 * archives are written by Debian's Python (`zipfile`, `tarfile`), which can make every shape we need
 * (duplicate members, links, several top-level folders, a METADATA of 20 MB of one byte), while the
 * node side only reads. Everything goes into temp folders made by `makeTempDir`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's python (not a pyenv one that may come first on PATH). */
export const PYTHON = '/usr/bin/python3';

export const FIXTURES_DIST = new URL('../../fixtures/dist/', import.meta.url).pathname;

/** Member contents: text (UTF-8), raw bytes, or `times` copies of one string (built in Python). */
export type EntryData = string | Buffer | { repeat: string; times: number };

export interface ZipEntrySpec {
  name: string;
  data?: EntryData;
}

export interface TarEntrySpec {
  name: string;
  data?: EntryData;
  /** Default `file`. Links need `linkname`. */
  type?: 'file' | 'dir' | 'symlink' | 'hardlink';
  linkname?: string;
}

const SCRIPT = `
import base64, io, json, sys, tarfile, warnings, zipfile
warnings.simplefilter("ignore")  # zipfile warns about the duplicate names we make on purpose
spec = json.load(sys.stdin)

def data_of(e):
    if "repeat" in e:
        return e["repeat"].encode("utf-8") * e["times"]
    return base64.b64decode(e.get("b64", ""))

if spec["kind"] == "zip":
    with zipfile.ZipFile(spec["path"], "w", zipfile.ZIP_DEFLATED) as zf:
        for e in spec["entries"]:
            info = zipfile.ZipInfo(e["name"], date_time=(2023, 11, 14, 22, 13, 20))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data_of(e))
else:
    with tarfile.open(spec["path"], "w:gz", format=tarfile.PAX_FORMAT) as tf:
        for e in spec["entries"]:
            info = tarfile.TarInfo(e["name"])
            info.mtime = 1700000000
            kind = e.get("type", "file")
            if kind == "dir":
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
                tf.addfile(info)
            elif kind in ("symlink", "hardlink"):
                info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
                info.linkname = e["linkname"]
                tf.addfile(info)
            else:
                data = data_of(e)
                info.size = len(data)
                info.mode = 0o644
                tf.addfile(info, io.BytesIO(data))
`;

function encodeEntry(entry: { name: string; data?: EntryData; type?: string; linkname?: string }): Record<string, unknown> {
  const out: Record<string, unknown> = { name: entry.name };
  if (entry.type !== undefined) out.type = entry.type;
  if (entry.linkname !== undefined) out.linkname = entry.linkname;
  const data = entry.data ?? '';
  if (typeof data === 'string') out.b64 = Buffer.from(data, 'utf8').toString('base64');
  else if (Buffer.isBuffer(data)) out.b64 = data.toString('base64');
  else Object.assign(out, data);
  return out;
}

function runPython(spec: Record<string, unknown>): void {
  const result = spawnSync(PYTHON, ['-c', SCRIPT], { input: JSON.stringify(spec), encoding: 'utf8' });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${PYTHON} failed to build ${String(spec.path)}: ${result.stderr}`);
}

/** Writes a zip (deflated members, in the order given; duplicate names allowed). */
export function writeZip(path: string, entries: readonly ZipEntrySpec[]): string {
  runPython({ kind: 'zip', path, entries: entries.map(encodeEntry) });
  return path;
}

/** Writes a gzip-compressed PAX tar (members in the order given; duplicates and links allowed). */
export function writeTarGz(path: string, entries: readonly TarEntrySpec[]): string {
  runPython({ kind: 'tar', path, entries: entries.map(encodeEntry) });
  return path;
}

/** A METADATA / PKG-INFO text: headers in order, then a blank line and the body (if any). */
export function metadataText(headers: ReadonlyArray<readonly [string, string]>, body?: string): string {
  const head = headers.map(([name, value]) => `${name}: ${value}\n`).join('');
  return body === undefined ? head : `${head}\n${body}`;
}

/** The smallest valid 2.1 metadata for a project, with extra headers appended. */
export function simpleMetadata(name: string, version: string, extra: ReadonlyArray<readonly [string, string]> = [], body?: string): string {
  return metadataText(
    [['Metadata-Version', '2.1'], ['Name', name], ['Version', version], ['Summary', 'A test project'], ['Description-Content-Type', 'text/plain'], ...extra],
    body ?? 'A test project.\n',
  );
}

export interface WheelOptions {
  /** METADATA text; omit it (undefined) together with `omitMetadata` to leave it out. */
  metadata?: string;
  omitMetadata?: boolean;
  /** The .dist-info folder name; default `<name part>-<version part>.dist-info` from the file name. */
  distInfo?: string;
  extra?: readonly ZipEntrySpec[];
}

/** Writes `<dir>/<filename>` as a wheel with a .dist-info folder (METADATA, WHEEL, RECORD). */
export function writeWheel(dir: string, filename: string, options: WheelOptions = {}): string {
  const [namePart = 'x', versionPart = '0'] = filename.replace(/\.whl$/, '').split('-');
  const distInfo = options.distInfo ?? `${namePart}-${versionPart}.dist-info`;
  const module = namePart.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const entries: ZipEntrySpec[] = [{ name: `${module}/__init__.py`, data: '' }];
  if (!options.omitMetadata) {
    entries.push({ name: `${distInfo}/METADATA`, data: options.metadata ?? simpleMetadata(namePart, versionPart) });
  }
  entries.push(
    { name: `${distInfo}/WHEEL`, data: 'Wheel-Version: 1.0\nGenerator: molecule-publish tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n' },
    ...(options.extra ?? []),
    { name: `${distInfo}/RECORD`, data: '' },
  );
  return writeZip(join(dir, filename), entries);
}

export interface SdistOptions {
  /** PKG-INFO text; default a simple 2.1 PKG-INFO from the file name. */
  pkgInfo?: string;
  omitPkgInfo?: boolean;
  /** The top-level folder; default the file name without `.tar.gz`. */
  top?: string;
  extra?: readonly TarEntrySpec[];
}

/** Writes `<dir>/<filename>` as a .tar.gz sdist: `<top>/`, `<top>/PKG-INFO`, `<top>/setup.py`, extras. */
export function writeSdist(dir: string, filename: string, options: SdistOptions = {}): string {
  const top = options.top ?? filename.replace(/\.tar\.gz$/, '');
  const dash = top.lastIndexOf('-');
  const entries: TarEntrySpec[] = [{ name: `${top}/`, type: 'dir' }];
  if (!options.omitPkgInfo) {
    entries.push({ name: `${top}/PKG-INFO`, data: options.pkgInfo ?? simpleMetadata(top.slice(0, dash), top.slice(dash + 1)) });
  }
  entries.push({ name: `${top}/setup.py`, data: 'from setuptools import setup\nsetup()\n' }, ...(options.extra ?? []));
  return writeTarGz(join(dir, filename), entries);
}

/** A fresh temp folder; call the returned `cleanup` in afterAll. */
export function makeTempDir(prefix = 'molecule-publish-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a short Python program with Debian's python (optionally feeding stdin) and returns its stdout. */
export function python(code: string, args: readonly string[] = [], input?: string): string {
  const result = spawnSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, input });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${PYTHON} failed: ${result.stderr}`);
  return result.stdout;
}
