/**
 * The order guarantees, with as much in parallel as they allow:
 * 1. the very first file alone: it proves credentials, permissions and the connection before more
 *    requests go out (a wrong token costs one request, not one per slot);
 * 2. per release (project and version): its first file alone, since on Gitea (and PyPI) the first
 *    upload creates the version and concurrent creations race; then its other wheels together;
 *    then its sdists (wheels before the sdist of each project, as twine and uv order them);
 * 3. releases side by side (the caller bounds how many run at once).
 */
import type { Artifact } from '../artifacts/artifact.js';
import { normalizeName } from '../artifacts/filename.js';
import { versionKey } from '../artifacts/pep440.js';

export async function runInOrder(artifacts: readonly Artifact[], run: (a: Artifact) => Promise<void>): Promise<void> {
  const [first, ...rest] = artifacts;
  if (!first) return;
  await run(first);
  const releases = new Map<string, Artifact[]>();
  const key = (a: Artifact) => `${normalizeName(a.name)} ${versionKey(a.version) ?? a.version}`;
  for (const a of rest) releases.set(key(a), [...(releases.get(key(a)) ?? []), a]);
  await Promise.all(
    [...releases.entries()].map(async ([release, files]) => {
      let queue = files;
      if (release !== key(first) && queue[0]) {
        await run(queue[0]);
        queue = queue.slice(1);
      }
      await Promise.all(queue.filter((a) => a.filetype === 'bdist_wheel').map(run));
      await Promise.all(queue.filter((a) => a.filetype !== 'bdist_wheel').map(run));
    }),
  );
}
