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
/**
 * Each open archive reads into one buffer of this size, taken from a pool and given back when the
 * archive is closed: a small file whole, or a larger one's tail and directory with its read-ahead. A
 * thousand files then reuse a few buffers (as many as are open at once) instead of allocating ~1 MiB
 * each, which the garbage collector would free only after tens of MiB had piled up.
 */
export const SLOT = 1024 * 1024;
const pool: Buffer[] = [];
const POOL_CAP = 16;

function takeSlot(): Buffer {
  return pool.pop() ?? Buffer.allocUnsafeSlow(SLOT);
}

function giveBack(slot: Buffer | undefined): void {
  if (slot && pool.length < POOL_CAP) pool.push(slot);
}

interface Window {
  start: number;
  bytes: Buffer;
}

type ReadCallback = (err: Error | null, bytesRead?: number) => void;

export interface WindowedZip {
  zip: yauzl.ZipFile;
  /** The whole file, when it was read whole (valid until close). */
  whole?: Buffer;
  /** A copy of the bytes at an offset (served from the windows when they hold them). */
  readAt(position: number, length: number): Promise<Buffer>;
  /** Closes the archive and gives its buffer back (the caller closes the file). */
  close(): void;
  /**
   * The central directory's bytes from its first record to the end of what was read (a view, valid
   * until close) and its record count, when they are in memory; undefined if not (then yauzl reads it).
   */
  directory(): { bytes: Buffer; count: number } | undefined;
}

export const yauzlOptions = { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false } as const;

/** Reads exactly `length` bytes at `position` (into `into` when given), or fewer at the end of the file. */
async function readFully(handle: FileHandle, position: number, length: number, into?: Buffer): Promise<Buffer> {
  const out = into ? into.subarray(0, length) : Buffer.allocUnsafe(length);
  let read = 0;
  for (let n = -1; read < length && n !== 0; read += n) n = (await handle.read(out, read, length - read, position + read)).bytesRead;
  return read === length ? out : out.subarray(0, read);
}

class WindowReader extends yauzl.RandomAccessReader {
  /** The tail (or the whole file), kept while the archive is open; `recent` is the last read-ahead. */
  private recent: Window | undefined;

  /**
   * `spare` is the part of the archive's pooled buffer after `pinned`: read-aheads go there when they
   * fit, each over the last (the members are read one after the other, each to its end, before the next).
   */
  constructor(
    private readonly handle: FileHandle | undefined,
    private readonly size: number,
    private readonly pinned: Window,
    private readonly spare: Buffer,
  ) {
    super();
  }

  /** The bytes held from `position` to the end of the pinned window. */
  pinnedFrom(position: number): Buffer | undefined {
    const { start, bytes } = this.pinned;
    return position >= start && position <= start + bytes.length ? bytes.subarray(position - start) : undefined;
  }

  private find(position: number, length: number): Buffer | undefined {
    for (const w of [this.pinned, this.recent]) {
      if (w && position >= w.start && position + length <= w.start + w.bytes.length) return w.bytes.subarray(position - w.start, position - w.start + length);
    }
    return undefined;
  }

  /** A view of the bytes at an offset, valid until the next read-ahead. */
  async view(position: number, length: number): Promise<Buffer> {
    const hit = this.find(position, length);
    if (hit || !this.handle || length === 0) return hit ?? Buffer.alloc(0);
    const ahead = Math.max(0, Math.min(Math.max(length, WINDOW), this.size - position));
    this.recent = undefined;
    const bytes = await readFully(this.handle, position, ahead, ahead <= this.spare.length ? this.spare : undefined);
    this.recent = { start: position, bytes };
    return bytes.subarray(0, Math.min(length, bytes.length));
  }

  async readAt(position: number, length: number): Promise<Buffer> {
    return Buffer.from(await this.view(position, length));
  }

  override read(buffer: Buffer, offset: number, length: number, position: number, callback: ReadCallback): void {
    const hit = this.find(position, length);
    if (hit) {
      hit.copy(buffer, offset);
      // Asynchronously, as yauzl expects: a directory of thousands of records must not recurse.
      process.nextTick(callback, null, length);
      return;
    }
    this.view(position, length).then(
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

/**
 * A zip file of `size` bytes on an open handle, closed by the caller once the archive is closed. Up to
 * `wholeUpTo` bytes it is read whole with one read; else its tail, and its central directory with one
 * more read when the tail does not hold it.
 */
export async function openWindowed(handle: FileHandle, size: number, wholeUpTo: number): Promise<WindowedZip> {
  const slot = takeSlot();
  try {
    if (size <= Math.min(wholeUpTo, SLOT)) {
      const whole = await readFully(handle, 0, size, slot);
      const reader = new WindowReader(undefined, whole.length, { start: 0, bytes: whole }, Buffer.alloc(0));
      return { ...(await openWith(reader, whole.length, slot)), whole };
    }
    const tailStart = Math.max(0, size - TAIL);
    const directory = directoryStart(await readFully(handle, tailStart, size - tailStart, slot), tailStart);
    let pinned: Window;
    if (directory !== undefined && directory < tailStart && tailStart - directory <= DIRECTORY_CAP) {
      // The directory and the tail, as one window: in the slot when they fit in half of it.
      const length = size - directory;
      const into = length <= SLOT / 2 ? slot : undefined;
      pinned = { start: directory, bytes: await readFully(handle, directory, length, into) };
    } else {
      pinned = { start: tailStart, bytes: slot.subarray(0, size - tailStart) };
    }
    const spare = pinned.bytes.buffer === slot.buffer ? slot.subarray(pinned.bytes.length) : slot;
    return await openWith(new WindowReader(handle, size, pinned, spare), size, slot);
  } catch (err) {
    giveBack(slot);
    throw err;
  }
}

function openWith(reader: WindowReader, size: number, slot: Buffer): Promise<WindowedZip> {
  return new Promise((resolve, reject) => {
    yauzl.fromRandomAccessReader(reader, size, yauzlOptions, (err, zip) => {
      if (err || !zip) {
        reject(err ?? new Error('unreadable'));
        return;
      }
      let open = true;
      resolve({
        zip,
        readAt: (position, length) => reader.readAt(position, length),
        directory: () => {
          // yauzl's cursor (where its first readEntry would read) and count, after its end-record checks.
          const { readEntryCursor, entryCount } = zip as yauzl.ZipFile & { readEntryCursor: number };
          const bytes = reader.pinnedFrom(readEntryCursor);
          return bytes && Number.isSafeInteger(entryCount) ? { bytes, count: entryCount } : undefined;
        },
        close: () => {
          if (!open) return;
          open = false;
          zip.close();
          giveBack(slot);
        },
      });
    });
  });
}
