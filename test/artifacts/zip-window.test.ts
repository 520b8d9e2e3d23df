/**
 * Zips over the whole-read size (1 MiB) are read through zip-window.ts: the tail and the central
 * directory in one or two reads, each member in a read-ahead, into pooled buffers (issue 21). These
 * archives put each of those on its edge: a directory larger than the tail, a metadata file larger
 * than the read-ahead, files read side by side through the pool, a truncated file.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectArtifact } from '../../src/artifacts/artifact.js';
import { inspectSet } from '../../src/artifacts/inspect-set.js';
import { makeTempDir, simpleMetadata, writeWheel } from '../helpers/archives.js';

const temp = makeTempDir('molecule-zip-window-');
afterAll(() => temp.cleanup());
let n = 0;
function dir(): string {
  const d = join(temp.dir, String(n++));
  mkdirSync(d);
  return d;
}

/** 1.5 MiB that deflate cannot shrink: the wheel is read through the windows, not whole. */
const bulk = () => ({ name: 'bulk/blob.bin', data: randomBytes(1536 * 1024) });

describe('large zips, read in a few reads', () => {
  it('a central directory larger than the tail: every member is listed (License-File found among 6000)', async () => {
    const d = dir();
    const metadata = simpleMetadata('many', '1.0', [
      ['Metadata-Version', '2.4'],
      ['License-File', 'LICENSE'],
    ]).replace('Metadata-Version: 2.1\n', '');
    const members = Array.from({ length: 6000 }, (_, i) => ({ name: `many/a_rather_long_package_path/module_number_${i}.py`, data: '' }));
    const path = writeWheel(d, 'many-1.0-py3-none-any.whl', {
      metadata,
      extra: [bulk(), ...members, { name: 'many-1.0.dist-info/licenses/LICENSE', data: 'MIT' }],
    });
    expect(statSync(path).size).toBeGreaterThan(1024 * 1024);
    const inspection = await inspectArtifact(path, { keepMetadata: false });
    expect(inspection.errors).toEqual([]);
    expect(inspection.artifact?.name).toBe('many');
    expect(inspection.artifact?.pypiMetadataRefusals).toEqual([]);
  });

  it('a License-File missing among 6000 members is still PyPI refusal', async () => {
    const d = dir();
    const metadata = simpleMetadata('many', '2.0', [
      ['Metadata-Version', '2.4'],
      ['License-File', 'COPYING'],
    ]).replace('Metadata-Version: 2.1\n', '');
    const members = Array.from({ length: 6000 }, (_, i) => ({ name: `many/a_rather_long_package_path/module_number_${i}.py`, data: '' }));
    const path = writeWheel(d, 'many-2.0-py3-none-any.whl', { metadata, extra: [bulk(), ...members] });
    const inspection = await inspectArtifact(path);
    expect(inspection.errors).toEqual([]);
    expect(inspection.artifact?.pypiMetadataRefusals.map((r) => r.reason).join('\n')).toMatch(/License-File COPYING does not exist/);
  });

  it('a METADATA larger than the read-ahead is read whole (its description intact)', async () => {
    const d = dir();
    const description = randomBytes(300 * 1024).toString('base64');
    const metadata = simpleMetadata('bigmeta', '1.0', [], `${description}\n`);
    const path = writeWheel(d, 'bigmeta-1.0-py3-none-any.whl', { metadata, extra: [bulk()] });
    const inspection = await inspectArtifact(path);
    expect(inspection.errors).toEqual([]);
    expect(inspection.artifact?.metadata.single.description?.trim()).toBe(description);
  });

  it('files read side by side through the pooled buffers each get their own metadata', async () => {
    const d = dir();
    const paths: string[] = [];
    for (let i = 0; i < 12; i++) {
      const name = `proj${i}`;
      const metadata = simpleMetadata(name, `1.${i}`, [['Keywords', `kw${i}`]]);
      paths.push(writeWheel(d, `${name}-1.${i}-py3-none-any.whl`, { metadata, extra: i % 2 ? [bulk()] : [] }));
    }
    const { inspections } = await inspectSet(paths, d, { keepMetadata: true });
    expect(inspections).toHaveLength(12);
    for (const inspection of inspections) {
      const [name, version] = inspection.filename.split('-');
      expect(inspection.errors).toEqual([]);
      expect(inspection.artifact?.name).toBe(name);
      expect(inspection.artifact?.version).toBe(version);
      expect(inspection.artifact?.metadata.single.keywords).toMatch(/^kw/);
    }
  });

  it('check keeps only name and version of the metadata (keepMetadata: false)', async () => {
    const d = dir();
    const path = writeWheel(d, 'lean-1.0-py3-none-any.whl', { metadata: simpleMetadata('lean', '1.0', [], 'A long description.\n'.repeat(100)) });
    const inspection = await inspectArtifact(path, { keepMetadata: false });
    expect(inspection.errors).toEqual([]);
    expect(inspection.artifact?.metadata.single).toEqual({ name: 'lean', version: '1.0', metadata_version: '2.1' });
  });

  it('a large wheel cut short is refused as not a zip', async () => {
    const d = dir();
    const path = writeWheel(d, 'cut-1.0-py3-none-any.whl', { extra: [bulk()] });
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.length - 200));
    const inspection = await inspectArtifact(path);
    expect(inspection.errors.join('\n')).toMatch(/not a valid zip archive|corrupt/);
  });
});
