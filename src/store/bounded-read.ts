// Reading what a user hands over as a file without letting it exhaust memory: a mistaken argument
// (`/dev/zero`, a disk image, a pipe that never ends) is refused once it passes a bound, instead of being
// read until the process dies. Used for table files (format/read.ts, `import -`) and messages to deliver
// (delivery/input.ts, `deliver -`).
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** Past the bound: `size` when the file gave its size (a regular file, not read), null when a stream ran past it. */
export class TooLarge extends Error {
  constructor(readonly size: number | null) {
    super(size === null ? 'larger than the bound' : `${size} bytes, larger than the bound`);
    this.name = 'TooLarge';
  }
}

/**
 * A file a user named, at most `limit` bytes: a regular file (refused from its size without being read), or
 * what scripts hand over as a file (a named pipe, `/dev/stdin` or `/dev/fd/N` on a pipe, a device), read up
 * to the bound. A folder is refused with code EISDIR. Throws TooLarge past the bound, file-system errors as
 * they come.
 */
export async function readFileWithin(file: string, limit: number): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw Object.assign(new Error('it is a folder, not a file'), { code: 'EISDIR' });
    if (!st.isFile()) {
      const bytes = await readHandleBounded(fh, limit);
      if (!bytes) throw new TooLarge(null);
      return bytes;
    }
    if (st.size > limit) throw new TooLarge(st.size);
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}

/** The rest of an open file or stream (a named pipe, `/dev/stdin` on a pipe, a device) up to `limit` bytes; null past it. */
async function readHandleBounded(fh: FileHandle, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) return Buffer.concat(chunks, size);
    size += bytesRead;
    if (size > limit) return null;
    chunks.push(chunk.subarray(0, bytesRead));
  }
}

/** A readable stream (standard input) to its end, up to `limit` bytes; null past it (the stream is then destroyed). */
export function readStreamBounded(stream: Readable, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        stream.off('data', onData);
        stream.destroy();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    stream.on('data', onData);
    stream.on('end', () => resolve(Buffer.concat(chunks, size)));
    stream.on('error', reject);
  });
}
