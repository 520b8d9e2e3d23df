/**
 * The one digest we compute: sha256. Gitea refuses an upload without `sha256_digest`, and PyPI takes
 * any one digest and computes the rest itself. md5 (dropped by twine 6.2) and blake2b-256 (PyPI's own
 * duplicate key) would each cost another slow pass over multi-GiB wheels: see the README's
 * performance notes. The hash is computed while the file streams to the server when it can be
 * (HashingStream), and by a separate pass only when needed before (dry run, index comparison).
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';

const CHUNK = 1024 * 1024;

export async function sha256File(path: string): Promise<string> {
  const sha256 = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK })) sha256.update(chunk as Buffer);
  return sha256.digest('hex');
}

/** Passes bytes through unchanged and hashes them; `digest` is set once the stream has ended. */
export class HashingStream extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  digest: string | undefined;

  constructor(private readonly events: { onChunk?: (bytesSoFar: number) => void; onDigest?: (hex: string, bytes: number) => void } = {}) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.events.onChunk?.(this.bytes);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.digest = this.hash.digest('hex');
    this.events.onDigest?.(this.digest, this.bytes);
    done();
  }
}

export const FILE_CHUNK = CHUNK;
