import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HashingStream, sha256File } from '../../src/artifacts/digests.js';
import { FIXTURES_DIST, makeTempDir, python } from '../helpers/archives.js';

interface PythonDigests {
  sha256: string;
  size: number;
}

// The digest we send, as Python's hashlib computes it (twine's HashManager uses the same).
const HASH_WITH_PYTHON = `
import hashlib, json, sys
out = {}
for path in sys.argv[1:]:
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            size += len(chunk)
            sha.update(chunk)
    out[path] = {"sha256": sha.hexdigest(), "size": size}
print(json.dumps(out))
`;

/** What the uploader computes: the file piped through HashingStream, the bytes passed on unchanged. */
async function streamed(path: string): Promise<PythonDigests> {
  let size = 0;
  const hashing = new HashingStream();
  await pipeline(
    createReadStream(path, { highWaterMark: 64 * 1024 }),
    hashing,
    new Writable({
      write(chunk: Buffer, _enc, done) {
        size += chunk.length;
        done();
      },
    }),
  );
  return { sha256: hashing.digest ?? '', size };
}

function pythonDigests(paths: readonly string[]): Record<string, PythonDigests> {
  return JSON.parse(python(HASH_WITH_PYTHON, paths)) as Record<string, PythonDigests>;
}

const fixtures = readdirSync(FIXTURES_DIST)
  .sort()
  .map((name) => join(FIXTURES_DIST, name));

describe('sha256File and HashingStream', () => {
  const expected = pythonDigests(fixtures);

  it('covers every fixture', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(13);
  });

  it.each(fixtures)('sha256 of %s equals Python hashlib, read whole or while streaming', async (path) => {
    expect(await sha256File(path)).toBe(expected[path]?.sha256);
    expect(await streamed(path)).toEqual(expected[path]);
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
    expect(await sha256File(path)).toBe(reference?.sha256);
    expect(await streamed(path)).toEqual(reference);
  });

  it('hashes an empty file', async () => {
    const path = join(temp.dir, 'empty.bin');
    await (await open(path, 'w')).close();
    expect(await streamed(path)).toEqual({ sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', size: 0 });
  });
});
