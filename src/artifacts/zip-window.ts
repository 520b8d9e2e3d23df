/**
 * A zip archive opened for yauzl through a reader that serves its reads from a few large ones: the tail
 * of the file (the end record and, in the same read or one more, the whole central directory), and a
 * window read ahead from each member's local header (the header, its name and, for a metadata file, its
 * data). yauzl's own file reader asks the disk for every central-directory record (two reads each) and
 * streams every member in small pieces: 553k read calls for 966 wheels, where these take about 4 a file.
 * The parsing, and every check of it, stays yauzl's. Every read is bounded in size: a lying directory
 * costs at most the bytes it names, read in slices.
 */
import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';

/** The end record, the ZIP64 locator, a comment of the largest size: what yauzl looks for at the end. */
const END_SEARCH = 22 + 20 + 0xffff;
/** The tail read at once: most wheels' central directory (and often their .dist-info) fits in it. */
const TAIL = 64 * 1024;
/** A central directory up to this size is read with one read when the tail does not hold it all. */
const DIRECTORY_CAP = 64 * 1024 * 1024;
/** Read ahead from a member's local header: its header, name, extra field and data, for most metadata files. */
const WINDOW = 64 * 1024;
/** Member data outside the windows is read in slices of this size. */
const SLICE = 1024 * 1024;

interface Window {
  start: number;
  bytes: Buffer;
}

type ReadCallback = (err: Error | null, bytesRead?: number) => void;

export interface WindowedZip {
  zip: yauzl.ZipFile;
  /** The bytes at an offset (served from the windows when they hold them). */
  readAt(position: number, length: number): Promise<Buffer>;
}

export const yauzlOptions = { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false } as const;

/** Reads exactly `length` bytes at `position`, or fewer at the end of the file. */
async function readFully(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const out = Buffer.allocUnsafe(length);
  let read = 0;
  for (let n = -1; read < length && n !== 0; read += n) n = (await handle.read(out, read, length - read, position + read)).bytesRead;
  return read === length ? out : out.subarray(0, read);
}

class WindowReader extends yauzl.RandomAccessReader {
  /** The tail (or the whole file), kept while the archive is open; `recent` is the last read-ahead. */
  private recent: Window | undefined;

  constructor(
    private readonly handle: FileHandle | undefined,
    private readonly size: number,
    private readonly pinned: Window,
  ) {
    super();
  }

  private find(position: number, length: number): Buffer | undefined {
    for (const w of [this.pinned, this.recent]) {
      if (w && position >= w.start && position + length <= w.start + w.bytes.length) return w.bytes.subarray(position - w.start, position - w.start + length);
    }
    return undefined;
  }

  async readAt(position: number, length: number): Promise<Buffer> {
    const hit = this.find(position, length);
    if (hit || !this.handle || length === 0) return hit ?? Buffer.alloc(0);
    const ahead = Math.max(0, Math.min(Math.max(length, WINDOW), this.size - position));
    const bytes = await readFully(this.handle, position, ahead);
    this.recent = { start: position, bytes };
    return bytes.subarray(0, Math.min(length, bytes.length));
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: ReadCallback): void {
    const hit = this.find(position, length);
    if (hit) {
      hit.copy(buffer, offset);
      // Asynchronously, as yauzl expects: a directory of thousands of records must not recurse.
      process.nextTick(callback, null, length);
      return;
    }
    this.readAt(position, length).then(
      (bytes) => callback(null, bytes.copy(buffer, offset)),
      (err: Error) => callback(err),
    );
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const hit = this.find(start, end - start);
    if (hit) return Readable.from([hit], { objectMode: false });
    const { handle } = this;
    async function* slices(): AsyncGenerator<Buffer> {
      if (!handle) return;
      for (let at = start; at < end; ) {
        const bytes = await readFully(handle, at, Math.min(SLICE, end - at));
        if (bytes.length === 0) return;
        yield bytes;
        at += bytes.length;
      }
    }
    return Readable.from(slices(), { objectMode: false });
  }

  override close(callback: (err: Error | null) => void): void {
    // The caller closes the file (it opened it); the windows go with this reader.
    setImmediate(callback, null);
  }
}

/**
 * Where the central directory starts, if the end record in `tail` says so plainly (ZIP64 when its
 * record is in the tail too); undefined leaves it to the reader's read-ahead. Only a hint: yauzl reads
 * the end record again and checks it.
 */
function directoryStart(tail: Buffer, tailStart: number): number | undefined {
  for (let i = tail.length - 22; i >= Math.max(0, tail.length - END_SEARCH); i--) {
    if (tail.readUInt32LE(i) !== 0x06054b50) continue;
    let offset = tail.readUInt32LE(i + 16);
    if (i >= 20 && tail.readUInt32LE(i - 20) === 0x07064b50) {
      const record = Number(tail.readBigUInt64LE(i - 12)) - tailStart;
      if (record < 0 || record + 56 > tail.length || tail.readUInt32LE(record) !== 0x06064b50) return undefined;
      offset = Number(tail.readBigUInt64LE(record + 48));
    }
    return offset;
  }
  return undefined;
}

/** A zip held whole in memory. */
export function windowedBuffer(whole: Buffer): Promise<WindowedZip> {
  return openWith(new WindowReader(undefined, whole.length, { start: 0, bytes: whole }), whole.length);
}

/** A zip file of `size` bytes on an open handle (closed by the caller, after the archive is done with). */
export async function windowedFile(handle: FileHandle, size: number): Promise<WindowedZip> {
  const tailStart = Math.max(0, size - TAIL);
  let start = tailStart;
  let bytes = await readFully(handle, tailStart, size - tailStart);
  const directory = directoryStart(bytes, tailStart);
  if (directory !== undefined && directory < tailStart && tailStart - directory <= DIRECTORY_CAP) {
    bytes = Buffer.concat([await readFully(handle, directory, tailStart - directory), bytes]);
    start = directory;
  }
  return openWith(new WindowReader(handle, size, { start, bytes }), size);
}

function openWith(reader: WindowReader, size: number): Promise<WindowedZip> {
  return new Promise((resolve, reject) => {
    yauzl.fromRandomAccessReader(reader, size, yauzlOptions, (err, zip) => {
      if (err || !zip) reject(err ?? new Error('unreadable'));
      else resolve({ zip, readAt: (position, length) => reader.readAt(position, length) });
    });
  });
}
