/** Digests both doubles compute over stored bytes (Gitea: sha256 for the index, PyPI: md5/sha256 for the form check). */
import { createHash } from 'node:crypto';

export function sha256Hex(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function md5Hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}
