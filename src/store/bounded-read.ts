// Reading what a user hands over as a file without letting it exhaust memory: a mistaken argument
// (`/dev/zero`, a disk image, a pipe that never ends) is refused once it passes a bound, instead of being
// read until the process dies. Used for table files (format/read.ts) and messages to deliver (delivery/input.ts).
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** The rest of an open file or stream (a named pipe, `/dev/stdin` on a pipe, a device) up to `limit` bytes; null past it. */
export async function readHandleBounded(fh: FileHandle, limit: number): Promise<Buffer | null> {
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
