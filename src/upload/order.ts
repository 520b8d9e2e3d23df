/**
 * The order guarantees, with as much in parallel as they allow:
 * 1. the very first file alone: it proves credentials, permissions and the connection before more
 *    requests go out (a wrong token costs one request, not one per slot);
 * 2. per package (project name), one creation at a time: Gitea creates a package row, then a version
 *    row, each by "look, then insert" (models/packages/package.go TryInsertPackage,
 *    package_version.go TryInsertPackageVersion), so two uploads that both find the row missing race
 *    and one fails on the unique key (HTTP 500). A package's first file goes alone in its package;
 *    then each of its releases' first file (one per version, side by side: different rows); then that
 *    release's other wheels together, then its sdists (wheels before the sdist, as twine and uv);
 * 3. packages side by side (the caller bounds how many uploads run at once).
 */
import type { Artifact } from '../artifacts/artifact.js';
import { normalizeName } from '../artifacts/filename.js';
import { versionKey } from '../artifacts/pep440.js';

export interface OrderHooks {
  /** Called once the very first file is done (credentials proven): read-ahead may start. */
  afterFirst?: () => void;
  /** Called once every file of a package is done (its index page may be checked then). */
  afterPackage?: (files: readonly Artifact[]) => Promise<void>;
}

export async function runInOrder(artifacts: readonly Artifact[], run: (a: Artifact) => Promise<void>, hooks: OrderHooks = {}): Promise<void> {
  const [first, ...rest] = artifacts;
  if (!first) return;
  await run(first);
  hooks.afterFirst?.();
  const packageOf = (a: Artifact) => normalizeName(a.name);
  const releaseOf = (a: Artifact) => versionKey(a.version) ?? a.version;
  // package → release → files, in the given order (wheels before sdists already).
  const packages = new Map<string, Map<string, Artifact[]>>([[packageOf(first), new Map()]]);
  for (const a of rest) {
    const releases = packages.get(packageOf(a)) ?? new Map<string, Artifact[]>();
    releases.set(releaseOf(a), [...(releases.get(releaseOf(a)) ?? []), a]);
    packages.set(packageOf(a), releases);
  }
  const done = new Set<Artifact>([first]);
  const once = async (a: Artifact) => {
    if (done.has(a)) return;
    done.add(a);
    await run(a);
  };
  await Promise.all(
    [...packages].map(async ([pkg, releases]) => {
      const entries = [...releases];
      // The package's creation: alone in its package (the first file already made the first's package).
      const opening = entries[0]?.[1][0];
      if (pkg !== packageOf(first) && opening) await once(opening);
      await Promise.all(
        entries.map(async ([release, files]) => {
          // The version's creation: alone in its release (the first file already made the first's release).
          const made = pkg === packageOf(first) && release === releaseOf(first);
          if (!made && files[0]) await once(files[0]);
          await Promise.all(files.filter((a) => a.filetype === 'bdist_wheel').map(once));
          await Promise.all(files.filter((a) => a.filetype !== 'bdist_wheel').map(once));
        }),
      );
      const all = entries.flatMap(([, files]) => files);
      await hooks.afterPackage?.(pkg === packageOf(first) ? [first, ...all] : all);
    }),
  );
}
