// A bound on the length of a piped script's lines. readline gathers a line in one string until its end
// arrives, so input without line ends (`destconfig < /dev/zero`, a binary file by mistake) grew it until
// V8 refused the string and the process died with a RangeError and a stack trace. Answers are short (a
// domain is at most 255 characters, a file name at most PATH_MAX), so a line far longer is not a script.

/** Longest piped line, in bytes without its end. */
export const MAX_SCRIPT_LINE_BYTES = 65_536;

/** Why the line is refused (the shell adds `line N: `). */
export const LINE_TOO_LONG = `the line is longer than ${MAX_SCRIPT_LINE_BYTES.toLocaleString('en-US')} bytes; a script answers each question with a short line.`;

/** The error the input stream is destroyed with, so that readline's line iterator stops. */
export class LineTooLong extends Error {
  constructor() {
    super(LINE_TOO_LONG);
    this.name = 'LineTooLong';
  }
}

export interface LineGuard {
  /** The number of the first line over the bound (counted as readline counts lines), once one was seen. */
  readonly tooLong: number | null;
}

/**
 * Counts the lines of `input` beside readline. Once a line runs past `max` bytes it notes that line's number
 * and destroys the stream with LineTooLong. The stream is destroyed only after the chunk has been handed to
 * every listener, so readline has emitted every line that ended before (the iterator yields them, then
 * rejects); the long line itself may have been emitted too when its end came in the same chunk, which is
 * why the caller compares line numbers instead of waiting for the rejection.
 */
export function guardLineLength(input: NodeJS.ReadableStream, max = MAX_SCRIPT_LINE_BYTES): LineGuard {
  const guard = { tooLong: null as number | null };
  let ended = 0; // lines ended so far
  let run = 0; // bytes of the current line
  let afterCr = false; // the last byte seen was CR: an LF right after it ends no second line (CR LF)
  const onData = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === 0x0a || b === 0x0d) {
        if (!(b === 0x0a && afterCr)) ended += 1;
        afterCr = b === 0x0d;
        run = 0;
        continue;
      }
      afterCr = false;
      if (++run > max) {
        guard.tooLong = ended + 1;
        input.off('data', onData);
        setImmediate(() => (input as NodeJS.ReadableStream & { destroy(err: Error): void }).destroy(new LineTooLong()));
        return;
      }
    }
  };
  input.on('data', onData);
  return guard;
}
