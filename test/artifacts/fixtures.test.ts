/**
 * Every real distribution in fixtures/dist (built by setuptools, hatchling and flit_core; see
 * fixtures/README.md) must inspect cleanly, with the names, versions and types the README documents.
 */
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { inspectArtifact } from '../../src/artifacts/artifact.js';
import { FIXTURES_DIST } from '../helpers/archives.js';

interface Expected {
  /** Name as the metadata writes it. */
  name: string;
  version: string;
  filetype: 'bdist_wheel' | 'sdist';
  pyversion: string;
  metadataVersion: string;
  metadataPath: string;
  warnings?: string[];
}

const legacyName = (expected: string) => `legacy source distribution name (PEP 625 expects '${expected}' with the normalised name and version)`;
const ZIP_WARNING = 'legacy .zip source distribution (PEP 625 asks for .tar.gz; PyPI refuses .zip sdists)';

const EXPECTED: Record<string, Expected> = {
  'molecule_demo_setuptools-1.0.0-py3-none-any.whl': {
    name: 'molecule-demo-setuptools',
    version: '1.0.0',
    filetype: 'bdist_wheel',
    pyversion: 'py3',
    metadataVersion: '2.1',
    metadataPath: 'molecule_demo_setuptools-1.0.0.dist-info/METADATA',
  },
  'molecule-demo-setuptools-1.0.0.tar.gz': {
    name: 'molecule-demo-setuptools',
    version: '1.0.0',
    filetype: 'sdist',
    pyversion: 'source',
    metadataVersion: '2.1',
    metadataPath: 'molecule-demo-setuptools-1.0.0/PKG-INFO',
    warnings: [legacyName('molecule_demo_setuptools-1.0.0.tar.gz')],
  },
  'molecule_demo_hatch-2.0.0rc1-py3-none-any.whl': {
    name: 'molecule_demo_hatch',
    version: '2.0.0rc1',
    filetype: 'bdist_wheel',
    pyversion: 'py3',
    metadataVersion: '2.1',
    metadataPath: 'molecule_demo_hatch-2.0.0rc1.dist-info/METADATA',
  },
  'molecule_demo_hatch-2.0.0rc1.tar.gz': {
    name: 'molecule_demo_hatch',
    version: '2.0.0rc1',
    filetype: 'sdist',
    pyversion: 'source',
    metadataVersion: '2.1',
    metadataPath: 'molecule_demo_hatch-2.0.0rc1/PKG-INFO',
  },
  'my_weird_name-0.3.post1-py3-none-any.whl': {
    name: 'My.Weird_Name',
    version: '0.3.post1',
    filetype: 'bdist_wheel',
    pyversion: 'py3',
    metadataVersion: '2.1',
    metadataPath: 'my_weird_name-0.3.post1.dist-info/METADATA',
  },
  'My.Weird_Name-0.3.post1.tar.gz': {
    name: 'My.Weird_Name',
    version: '0.3.post1',
    filetype: 'sdist',
    pyversion: 'source',
    metadataVersion: '2.1',
    metadataPath: 'My.Weird_Name-0.3.post1/PKG-INFO',
    warnings: [legacyName('my_weird_name-0.3.post1.tar.gz')],
  },
  'molecule_demo_zip-0.1.0-py3-none-any.whl': {
    name: 'molecule-demo-zip',
    version: '0.1.0',
    filetype: 'bdist_wheel',
    pyversion: 'py3',
    metadataVersion: '2.1',
    metadataPath: 'molecule_demo_zip-0.1.0.dist-info/METADATA',
  },
  'molecule-demo-zip-0.1.0.zip': {
    name: 'molecule-demo-zip',
    version: '0.1.0',
    filetype: 'sdist',
    pyversion: 'source',
    metadataVersion: '2.1',
    metadataPath: 'molecule-demo-zip-0.1.0/PKG-INFO',
    warnings: [ZIP_WARNING],
  },
  'molecule_demo_local-1.0.0+local.1-py3-none-any.whl': {
    name: 'molecule-demo-local',
    version: '1.0.0+local.1',
    filetype: 'bdist_wheel',
    pyversion: 'py3',
    metadataVersion: '2.1',
    metadataPath: 'molecule_demo_local-1.0.0+local.1.dist-info/METADATA',
  },
  'molecule_demo_local-1.0.0+local.1.tar.gz': {
    name: 'molecule-demo-local',
    version: '1.0.0+local.1',
    filetype: 'sdist',
    pyversion: 'source',
    metadataVersion: '2.1',
    metadataPath: 'molecule_demo_local-1.0.0+local.1/PKG-INFO',
  },
  'molecule_demo_meta24-0.2.0-py3-none-any.whl': {
    name: 'molecule-demo-meta24',
    version: '0.2.0',
    filetype: 'bdist_wheel',
    pyversion: 'py3',
    metadataVersion: '2.4',
    metadataPath: 'molecule_demo_meta24-0.2.0.dist-info/METADATA',
  },
  'molecule_demo_meta24-0.2.0.tar.gz': {
    name: 'molecule-demo-meta24',
    version: '0.2.0',
    filetype: 'sdist',
    pyversion: 'source',
    metadataVersion: '2.4',
    metadataPath: 'molecule_demo_meta24-0.2.0/PKG-INFO',
  },
  'molecule_demo_meta23-0.1.0-py3-none-any.whl': {
    name: 'molecule-demo-meta23',
    version: '0.1.0',
    filetype: 'bdist_wheel',
    pyversion: 'py3',
    metadataVersion: '2.3',
    metadataPath: 'molecule_demo_meta23-0.1.0.dist-info/METADATA',
  },
};

describe('fixtures/dist', () => {
  const onDisk = readdirSync(FIXTURES_DIST).sort();

  it('holds exactly the documented distributions', () => {
    expect(onDisk).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(onDisk)('%s inspects with no errors and the expected identity', async (filename) => {
    const expected = EXPECTED[filename];
    if (!expected) throw new Error(`no expectation for ${filename}`);
    const inspection = await inspectArtifact(join(FIXTURES_DIST, filename));
    expect(inspection.errors).toEqual([]);
    expect(inspection.warnings).toEqual(expected.warnings ?? []);
    const artifact = inspection.artifact;
    expect(artifact).toBeDefined();
    if (!artifact) return;
    expect({
      name: artifact.name,
      version: artifact.version,
      filetype: artifact.filetype,
      pyversion: artifact.pyversion,
      metadataVersion: artifact.metadata.single.metadata_version,
      metadataPath: artifact.metadataPath,
    }).toEqual({ ...expected, warnings: undefined });
    expect(artifact.filename).toBe(filename);
    expect(artifact.size).toBe(inspection.size);
    expect(artifact.size).toBeGreaterThan(0);
    expect(artifact.metadata.single.description?.length ?? 0).toBeGreaterThan(0);
    expect(artifact.metadata.single.summary).toMatch(/^Tiny fixture package/);
  });

  it('reads the richest 2.1 metadata (setuptools wheel) field by field', async () => {
    const { artifact } = await inspectArtifact(join(FIXTURES_DIST, 'molecule_demo_setuptools-1.0.0-py3-none-any.whl'));
    const meta = artifact?.metadata;
    expect(meta?.single).toMatchObject({
      keywords: 'fixture,molecule,demo',
      requires_python: '>=3.8',
      license: 'MIT',
      author_email: 'Molecule Demo <demo@example.com>',
      description_content_type: 'text/markdown',
    });
    expect(meta?.multi.project_urls).toEqual([
      'Homepage, https://example.com/molecule-demo',
      'Documentation, https://example.com/molecule-demo/docs',
      'Bug Tracker, https://example.com/molecule-demo/issues',
    ]);
    expect(meta?.multi.provides_extra).toEqual(['cli', 'test']);
    expect(meta?.multi.requires_dist).toContain('importlib-metadata (>=4) ; python_version < "3.10"');
    expect(meta?.multi.license_files).toEqual(['LICENSE']);
    expect(meta?.single.description).toMatch(/^# molecule-demo-setuptools\n/);
  });

  it('knows that setuptools 66 sdists carry no Requires-Dist', async () => {
    const { artifact } = await inspectArtifact(join(FIXTURES_DIST, 'molecule-demo-setuptools-1.0.0.tar.gz'));
    expect(artifact?.metadata.multi.requires_dist).toBeUndefined();
    expect(artifact?.metadata.multi.provides_extra).toEqual(['cli', 'test']);
  });

  it('reads the 2.4 fields of meta24', async () => {
    for (const filename of ['molecule_demo_meta24-0.2.0-py3-none-any.whl', 'molecule_demo_meta24-0.2.0.tar.gz']) {
      const { artifact } = await inspectArtifact(join(FIXTURES_DIST, filename));
      expect(artifact?.metadata.single.license_expression).toBe('MIT');
      expect(artifact?.metadata.single.license).toBeUndefined();
      expect(artifact?.metadata.multi.license_files).toEqual(['LICENSE']);
      expect(artifact?.metadata.multi.dynamic).toEqual(['Requires-Dist']);
    }
  });
});
