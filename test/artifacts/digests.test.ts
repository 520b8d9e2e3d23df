import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { digestFile, sha256File } from '../../src/artifacts/digests.js';
import { FIXTURES_DIST, makeTempDir, python } from '../helpers/archives.js';

interface PythonDigests {
  md5: string;
  sha256: string;
  blake2_256: string;
  size: number;
}

// What twine's HashManager computes: hashlib.md5, hashlib.sha256, hashlib.blake2b(digest_size=32).
const HASH_WITH_PYTHON = `
import hashlib, json, sys
out = {}
for path in sys.argv[1:]:
    md5, sha, blake = hashlib.md5(), hashlib.sha256(), hashlib.blake2b(digest_size=32)
    size = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            size += len(chunk)
            md5.update(chunk); sha.update(chunk); blake.update(chunk)
    out[path] = {"md5": md5.hexdigest(), "sha256": sha.hexdigest(), "blake2_256": blake.hexdigest(), "size": size}
print(json.dumps(out))
`;

function pythonDigests(paths: readonly string[]): Record<string, PythonDigests> {
  return JSON.parse(python(HASH_WITH_PYTHON, paths)) as Record<string, PythonDigests>;
}

const fixtures = readdirSync(FIXTURES_DIST)
  .sort()
  .map((name) => join(FIXTURES_DIST, name));

describe('digestFile', () => {
  const expected = pythonDigests(fixtures);

  it('covers every fixture', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(13);
  });

  it.each(fixtures)('md5, sha256 and blake2b-256 of %s equal Python hashlib', async (path) => {
    expect(await digestFile(path)).toEqual(expected[path]);
    expect(await sha256File(path)).toBe(expected[path]?.sha256);
  });

  const temp = makeTempDir();
  afterAll(temp.cleanup);

  it('hashes a ~20 MB file read in many chunks', async () => {
    // 20 MiB + 12345 bytes of a non-repeating pattern, so a lost, doubled or reordered chunk changes the digests.
    const path = join(temp.dir, 'big.bin');
    const size = 20 * 1024 * 1024 + 12345;
    const handle = await open(path, 'w');
    const block = Buffer.alloc(1024 * 1024);
    for (let written = 0, n = 0; written < size; n++) {
      for (let i = 0; i < block.length; i += 4) block.writeUInt32LE(((n * block.length + i) ^ 0x9e3779b9) >>> 0, i);
      const length = Math.min(block.length, size - written);
      await handle.write(block, 0, length);
      written += length;
    }
    await handle.close();
    const reference = pythonDigests([path])[path];
    expect(reference?.size).toBe(size);
    expect(await digestFile(path)).toEqual(reference);
  });

  it('hashes an empty file', async () => {
    const path = join(temp.dir, 'empty.bin');
    await (await open(path, 'w')).close();
    expect(await digestFile(path)).toEqual({
      md5: 'd41d8cd98f00b204e9800998ecf8427e',
      sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      blake2_256: '0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8',
      size: 0,
    });
  });
});
