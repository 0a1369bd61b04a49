// Exit statuses a script can rely on (documented in the README).
export const EXIT = {
  OK: 0,
  /** Any failure that is not the caller's input: I/O error, refused commit, internal error. */
  FAILURE: 1,
  /** Bad input or usage: unknown option, invalid answer in a piped session, invalid table file. */
  USAGE: 2,
  /** The shell ended (quit, exit, end of input) with changes that were not committed. */
  UNCOMMITTED: 3,
  /** deliver: some recipients bounced (sysexits EX_UNAVAILABLE). */
  BOUNCED: 69,
  /** deliver: some recipients deferred and none bounced (sysexits EX_TEMPFAIL). */
  DEFERRED: 75,
} as const;

/** An error that carries the exit status the command line should end with. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.FAILURE,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Reports a failure of a command on stderr and sets the exit status: a CliError's own, else 1 (internal error). */
export function reportFailure(err: unknown): void {
  if (err instanceof CliError) {
    process.stderr.write(`destconfig: ${err.message}\n`);
    process.exitCode = err.exitCode;
    return;
  }
  process.stderr.write(`destconfig: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = EXIT.FAILURE;
}
