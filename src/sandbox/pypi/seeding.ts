/**
 * TEST-ONLY control of the PyPI double beyond the common ones (../testing/controls.ts): seeding a stored file
 * without any check (it counts as no new project), optionally uploaded in the past (`uploadedAt`: its release is
 * then that old, see the 14-day rule in ./upload/file.ts). `--rehearse` never seeds.
 */
import { PYPI_DEFAULT_USER, type PypiSeedFile } from './options.js';
import { parsePep440 } from './rules/pep440.js';
import type { PypiStore } from './store.js';

export function pypiSeeding(store: PypiStore): { seedFile(f: PypiSeedFile): void } {
  return {
    seedFile: (f: PypiSeedFile) => {
      store.add({
        project: f.project,
        owner: f.owner ?? PYPI_DEFAULT_USER,
        version: parsePep440(f.version),
        rawVersion: f.version,
        requiresPython: f.requiresPython,
        filename: f.filename,
        bytes: Buffer.from(f.content),
        packagetype: f.filename.endsWith('.whl') ? 'bdist_wheel' : 'sdist',
        ...(f.uploadedAt !== undefined ? { uploadTime: new Date(f.uploadedAt) } : {}),
      });
    },
  };
}
