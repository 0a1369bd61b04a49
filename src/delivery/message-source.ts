// A message whose bytes are read when its transaction is sent, not when the run starts (issue 6:
// "bounded resources"): a batch of 20,000 messages of 50 KB would otherwise hold 1 GB before the first
// connection opens. A run then holds only the messages in flight (per connection, the one being sent and
// the next one prebuilt for pipelining). A message going to several destinations is read once per
// transaction. A source that cannot be read at send time (the file deleted or its permissions changed
// after the batch was checked, or now empty) defers that transaction's recipients; nothing else stops.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** Message content read on demand: `file` names it in reasons; `load` gives its bytes. */
export interface MessageSource {
  readonly file: string;
  load(): Promise<Buffer>;
}

/**
 * Opens a message file for reading: it must be a regular file and not empty. Non-blocking, so that a FIFO
 * put where a message was expected is refused instead of waiting forever for a writer. Rejects with an
 * Error whose message says why (a file-system error's own words, or "it is not a regular file"/"it is empty").
 */
export async function openMessageFile(file: string): Promise<FileHandle> {
  const handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new Error('it is not a regular file');
    if (stats.size === 0) throw new Error('it is empty');
    return handle;
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** A message file read whole when its transaction is sent. */
export function fileSource(file: string): MessageSource {
  return {
    file,
    load: async () => {
      const handle = await openMessageFile(file);
      try {
        return await handle.readFile();
      } finally {
        await handle.close();
      }
    },
  };
}

/** Why a message could not be read when its transaction was to start (an RFC 3463 reason, file named). */
export class UnreadableMessage extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'UnreadableMessage';
  }
}

/** The source's bytes; any failure, or no bytes at all, rejects with UnreadableMessage naming the file. */
export function loadSource(source: MessageSource): Promise<Buffer> {
  return source.load().then(
    (content) => {
      if (content.length === 0) throw unreadable(source, 'it is empty');
      return content;
    },
    (err: unknown) => {
      throw unreadable(source, errorText(err));
    },
  );
}

/**
 * 4.3.0 (RFC 3463 X.3.0, "other or undefined mail system status"): the fault is the sending system's own,
 * not the receiver's, and temporary (the file may be put back and the batch run again).
 */
function unreadable(source: MessageSource, why: string): UnreadableMessage {
  return new UnreadableMessage(`4.3.0 cannot read message ${source.file}: ${why}`);
}

/** A file-system error's words without the path Node appends (`ENOENT: no such file or directory, open '/x'`). */
export function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/, \w+ '.*'$/, '');
}
