/**
 * The one digest we compute: sha256. Gitea refuses an upload without `sha256_digest`, and PyPI takes
 * any one digest and computes the rest itself. md5 (dropped by twine 6.2) and blake2b-256 (PyPI's own
 * duplicate key) would each cost another slow pass over multi-GiB wheels: see the README's
 * performance notes. The hash is computed while the file streams to the server when it can be
 * (src/http/send.ts), and by this separate pass only when needed before (dry run, index comparison).
 * md5 is computed only to compare with an index that lists nothing else (Nexus 3.30), once per run.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** One read buffer, reused for the whole file: memory stays flat whatever its size. */
const CHUNK = 512 * 1024;

export async function sha256File(path: string): Promise<string> {
  return hashFile(path, 'sha256');
}

/** A file's digest with another algorithm (md5, where a registry's index lists only that). */
export async function hashFile(path: string, algorithm: 'sha256' | 'md5'): Promise<string> {
  const hash = createHash(algorithm);
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafeSlow(CHUNK);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}
