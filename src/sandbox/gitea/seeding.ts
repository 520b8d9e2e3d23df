/**
 * TEST-ONLY controls of the Gitea double beyond the common ones (../testing/controls.ts): seeding stored files
 * without any check, and reading back a package's version rows. `--rehearse` uses none of them.
 */
import type { RegistryTestControls, SeedFile } from '../testing/controls.js';
import { emptyMetadata, giteaNormalizeName, type GiteaStore } from './store.js';

export interface GiteaTestControls extends RegistryTestControls {
  /** Versions of a package as stored, with the metadata written by their first upload. */
  versions(name: string): Array<{ version: string; metadata: Record<string, string>; downloads: number }>;
  /**
   * Cheaply stores `count` synthetic files (tiny fake bytes, no checks) under `project`, one version each
   * (`${versionPrefix}${i}`, default prefix `0.0.`, which string-sorts before `1`), to make a huge simple page.
   * Returns the filenames in creation order.
   */
  seedMany(project: string, count: number, options?: { versionPrefix?: string; requiresPython?: string }): string[];
  /** The repository a package is linked to (link-api.ts), or undefined. */
  linkedRepository(name: string): string | undefined;
}

export function giteaSeeding(store: GiteaStore): Pick<GiteaTestControls, 'seedFile' | 'seedMany' | 'versions' | 'linkedRepository'> {
  return {
    linkedRepository: (name) => store.get(giteaNormalizeName(name))?.repo,
    seedFile: (f: SeedFile) => {
      store.add(giteaNormalizeName(f.project), f.version, f.filename, Buffer.from(f.content), emptyMetadata(f.requiresPython ?? ''));
    },
    seedMany: (project, count, seedOptions = {}) => {
      const name = giteaNormalizeName(project);
      const dist = name.replace(/-/g, '_');
      const prefix = seedOptions.versionPrefix ?? '0.0.';
      const metadata = emptyMetadata(seedOptions.requiresPython ?? '');
      const out: string[] = [];
      for (let i = 0; i < count; i++) {
        const version = `${prefix}${i}`;
        const filename = `${dist}-${version}-py3-none-any.whl`;
        store.add(name, version, filename, Buffer.from(`seed:${filename}`), metadata); // metadata read-only, shared
        out.push(filename);
      }
      return out;
    },
    versions: (name) =>
      [...(store.get(giteaNormalizeName(name))?.versions.values() ?? [])].map((v) => ({
        version: v.version,
        metadata: { ...v.metadata },
        downloads: v.downloads,
      })),
  };
}
