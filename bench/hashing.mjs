// In-process hashing throughput: sha256 and md5 (node:crypto), blake2b-256 (hash-wasm, as
// src/artifacts/digests.ts used), each alone and together in one pass, over a buffer in memory;
// and the CLI's own file-hashing function streamed from a (page-cached) file.
import { createHash, randomFillSync } from 'node:crypto';
import { statSync } from 'node:fs';
import { median } from './proc.mjs';

const CHUNK = 1024 * 1024; // digests.ts reads 1 MiB chunks

async function timeIt(reps, fn) {
  await fn(); // warm-up (JIT, wasm instantiation)
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return median(times);
}

export async function hashingBench({ bufferMiB = 256, reps = 3, files = [], cliHash, log }) {
  const buf = Buffer.allocUnsafe(bufferMiB * CHUNK);
  randomFillSync(buf);
  const bytes = buf.length;
  const chunks = [];
  for (let o = 0; o < bytes; o += CHUNK) chunks.push(buf.subarray(o, o + CHUNK));

  // hash-wasm is the CLI's dependency for blake2b-256; measured only if it is still installed.
  const hashWasm = await import('hash-wasm').catch(() => undefined);
  const blake = hashWasm ? await hashWasm.createBLAKE2b(256) : undefined;
  const cases = {
    sha256: () => {
      const h = createHash('sha256');
      for (const c of chunks) h.update(c);
      h.digest('hex');
    },
    md5: () => {
      const h = createHash('md5');
      for (const c of chunks) h.update(c);
      h.digest('hex');
    },
    'sha256 + md5, one pass': () => {
      const s = createHash('sha256');
      const m = createHash('md5');
      for (const c of chunks) {
        s.update(c);
        m.update(c);
      }
      s.digest('hex');
      m.digest('hex');
    },
  };
  if (blake) {
    cases['blake2b-256 (hash-wasm)'] = () => {
      blake.init();
      for (const c of chunks) blake.update(c);
      blake.digest('hex');
    };
    cases['all three, one pass'] = () => {
      const s = createHash('sha256');
      const m = createHash('md5');
      blake.init();
      for (const c of chunks) {
        s.update(c);
        m.update(c);
        blake.update(c);
      }
      s.digest('hex');
      m.digest('hex');
      blake.digest('hex');
    };
  }
  const results = [];
  for (const [name, fn] of Object.entries(cases)) {
    const ms = await timeIt(reps, fn);
    results.push({ name, source: `${bufferMiB} MiB buffer`, bytes, ms, mbPerS: bytes / 1e6 / (ms / 1000) });
    log?.(`  ${name}: ${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`);
  }
  if (cliHash) {
    for (const file of files) {
      const size = statSync(file).size;
      const ms = await timeIt(reps, () => cliHash.fn(file));
      results.push({
        name: `the CLI's ${cliHash.name}() (streamed, warm)`,
        source: `${(size / 2 ** 20).toFixed(0)} MiB file, page cache`,
        bytes: size,
        ms,
        mbPerS: size / 1e6 / (ms / 1000),
      });
      log?.(`  ${cliHash.name} ${(size / 2 ** 20).toFixed(0)} MiB: ${(size / 1e6 / (ms / 1000)).toFixed(0)} MB/s`);
    }
  }
  return results;
}

/** sha256 of a file, for the curl baseline's form field (not timed). */
export async function sha256Of(path) {
  const { createReadStream } = await import('node:fs');
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: CHUNK })) h.update(c);
  return h.digest('hex');
}
