/**
 * Finding the distributions to publish from the paths a user gives (default `dist/`): a folder
 * (its files, not recursive, like `dist/*`), a file, or a glob. Companion files (signatures,
 * attestations) are recognised; anything else in a folder is ignored and listed at verbose level.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { distributionExtension } from './filename.js';
import { ExitCode, MoleculeError, UsageError } from '../errors.js';
import { uploadOrder } from './artifact.js';
import { byName as nameOrder } from '../util/text.js';

export type CompanionKind = 'signature' | 'attestation';

export interface Discovery {
  /** Distribution files, in upload order. */
  files: Array<{ path: string; filename: string }>;
  companions: Array<{ path: string; kind: CompanionKind }>;
  ignored: string[];
  searched: string[];
}

export function companionKind(filename: string): CompanionKind | undefined {
  const lower = filename.toLowerCase();
  if (lower.endsWith('.asc') || lower.endsWith('.sig')) return 'signature';
  // twine: `<dist>.<kind>.attestation`, e.g. foo-1.0.tar.gz.publish.attestation
  if (lower.endsWith('.attestation')) return 'attestation';
  return undefined;
}

export async function discoverDistributions(paths: readonly string[], cwd = process.cwd()): Promise<Discovery> {
  const searched = paths.length > 0 ? [...paths] : ['dist/'];
  const found: Array<{ path: string; filename: string }> = [];
  const companions: Discovery['companions'] = [];
  const ignored: string[] = [];

  const classify = (path: string, explicit: boolean) => {
    const filename = basename(path);
    const kind = companionKind(filename);
    if (kind) companions.push({ path, kind });
    else if (distributionExtension(filename)) found.push({ path, filename });
    else if (explicit) {
      throw new UsageError(`${path}: not a distribution (expected a .whl, .tar.gz or .zip file)`, { code: 'not_found' });
    } else ignored.push(path);
  };

  // Something named like a distribution that cannot be read as a file is an error, never left out
  // quietly (twine says "No such file"): a dangling link, a folder named *.whl, an unreadable entry.
  const unreadable: string[] = [];
  for (const given of searched) {
    const absolute = resolve(cwd, given);
    const info = await stat(absolute).catch(() => undefined);
    if (info?.isDirectory()) {
      const entries = await readdir(absolute, { withFileTypes: true });
      for (const entry of entries.sort((a, b) => nameOrder(a.name, b.name))) {
        const path = join(given, entry.name);
        const target = entry.isSymbolicLink() ? await stat(join(absolute, entry.name)).catch((err: NodeJS.ErrnoException) => err) : undefined;
        const isFile = entry.isFile() || (target !== undefined && !(target instanceof Error) && target.isFile());
        if (isFile) classify(path, false);
        else if (distributionExtension(entry.name)) {
          const why =
            target instanceof Error
              ? target.code === 'ENOENT'
                ? 'a symbolic link to nothing'
                : `unreadable (${target.code ?? target.message})`
              : entry.isDirectory() || target?.isDirectory()
                ? 'a folder'
                : 'not a regular file';
          unreadable.push(`${path}: named like a distribution but ${why}`);
        } else ignored.push(path);
      }
    } else if (info?.isFile()) {
      classify(given, true);
    } else if (/[*?[\]{}!]/.test(given)) {
      // The glob library loads only for a pattern (start-up of the usual `dist/`).
      const { glob, isDynamicPattern } = await import('tinyglobby');
      if (!isDynamicPattern(given)) throw new UsageError(`${given}: no such file or folder`, { code: 'not_found' });
      const matches = await glob(given, { cwd, onlyFiles: true, expandDirectories: false });
      if (matches.length === 0) throw new UsageError(`${given}: no file matches this pattern`, { code: 'not_found' });
      for (const match of matches.sort()) classify(match, false);
    } else {
      throw new UsageError(`${given}: no such file or folder`, { code: 'not_found' });
    }
  }

  if (unreadable.length > 0) {
    throw new MoleculeError('invalid_artifact', ExitCode.invalidArtifact, unreadable.join('\n'), { hint: 'nothing was uploaded: remove or fix these entries' });
  }

  // The same file reached twice (a folder and a glob) is one file; two different files with one
  // name would be one upload overwriting the other's slot: refuse that.
  const byReal = new Map<string, { path: string; filename: string }>();
  const byName = new Map<string, string>();
  for (const file of found) {
    const real = await realpath(resolve(cwd, file.path)).catch(() => resolve(cwd, file.path));
    if (byReal.has(real)) continue;
    const other = byName.get(file.filename);
    if (other !== undefined) {
      throw new UsageError(`${file.filename}: given twice, as ${other} and ${file.path} (one upload per file name)`, { code: 'usage' });
    }
    byName.set(file.filename, file.path);
    byReal.set(real, file);
  }
  const files = uploadOrder([...byReal.values()]);
  if (files.length === 0) {
    throw new UsageError(`no distributions (.whl, .tar.gz, .zip) found in: ${searched.join(', ')}`, { code: 'no_distributions' });
  }
  return { files, companions, ignored, searched };
}
