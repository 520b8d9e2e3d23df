import { afterAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { sha256File } from '../../src/artifacts/digests.js';
import { ConnectionPool } from '../../src/http/client.js';
import { sendUpload } from '../../src/http/send.js';
import { FIXTURES_DIST, makeTempDir, python } from '../helpers/archives.js';
import { startGiteaRegistry } from '../helpers/registries/index.js';

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

/**
 * What the uploader computes while it sends the file (two fixed buffers, src/http/send.ts), sent to
 * the Gitea double, which checks the digest field against the bytes it received (201, else 400).
 */
async function streamed(path: string): Promise<PythonDigests & { status: number }> {
  const gitea = await startGiteaRegistry();
  const pool = new ConnectionPool({ timeoutMs: 30_000 });
  try {
    const { size } = await stat(path);
    const sent = await sendUpload({
      url: gitea.uploadUrl,
      fields: [
        [':action', 'file_upload'],
        ['name', 'digest-check'],
        ['version', '1.0'],
      ],
      file: { path, filename: basename(path), size },
      credentials: { username: 'publisher', password: 'gitea-test-token' },
      pool,
    });
    const status = sent.outcome.kind === 'answer' ? sent.outcome.answer.status : 0;
    return { sha256: sent.sha256 ?? '', size, status };
  } finally {
    pool.close();
    await gitea.close();
  }
}

function pythonDigests(paths: readonly string[]): Record<string, PythonDigests> {
  return JSON.parse(python(HASH_WITH_PYTHON, paths)) as Record<string, PythonDigests>;
}

const fixtures = readdirSync(FIXTURES_DIST)
  .sort()
  .map((name) => join(FIXTURES_DIST, name));

describe('sha256File, and the sha256 computed while sending', () => {
  const expected = pythonDigests(fixtures);

  it('covers every fixture', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(13);
  });

  it.each(fixtures)('sha256 of %s equals Python hashlib, read whole or while streaming', async (path) => {
    expect(await sha256File(path)).toBe(expected[path]?.sha256);
    expect(await streamed(path)).toEqual({ ...expected[path], status: 201 });
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
    expect(await streamed(path)).toEqual({ ...reference, status: 201 });
  });

  it('hashes an empty file', async () => {
    const path = join(temp.dir, 'empty.bin');
    await (await open(path, 'w')).close();
    const empty = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    expect(await sha256File(path)).toBe(empty);
    expect(await streamed(path)).toEqual({ sha256: empty, size: 0, status: 201 });
  });
});
