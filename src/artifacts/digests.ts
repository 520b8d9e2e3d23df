/**
 * File digests, computed in one streaming pass (memory does not grow with the file):
 * sha256 (Gitea refuses an upload without it), blake2b-256 (what PyPI keys duplicates on;
 * Python's `hashlib.blake2b(digest_size=32)`, which Node's crypto cannot compute: hash-wasm does),
 * and md5 (twine 4 sends it; still accepted by PyPI).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createBLAKE2b, type IHasher } from 'hash-wasm';

export interface Digests {
  md5: string;
  sha256: string;
  blake2_256: string;
}

const CHUNK = 1024 * 1024;

export async function digestFile(path: string): Promise<Digests & { size: number }> {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  const blake2: IHasher = await createBLAKE2b(256);
  blake2.init();
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) {
    const bytes = chunk as Buffer;
    size += bytes.length;
    md5.update(bytes);
    sha256.update(bytes);
    blake2.update(bytes);
  }
  return { md5: md5.digest('hex'), sha256: sha256.digest('hex'), blake2_256: blake2.digest('hex'), size };
}

export async function sha256File(path: string): Promise<string> {
  const sha256 = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) sha256.update(chunk as Buffer);
  return sha256.digest('hex');
}
