// Control-flow signals of the shell. They unwind a dialogue to the place that knows what to do:
// the menu (Interrupted), the main loop (EndOfInput) or the process exit status (ScriptInputError).

/** Input ended (Ctrl-D on a TTY, end of a piped script): the session ends as if `quit` was typed. */
export class EndOfInput extends Error {
  constructor() {
    super('end of input');
    this.name = 'EndOfInput';
  }
}

/** Ctrl-C on a TTY: the current operation is abandoned and nothing it asked so far is kept. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

/**
 * An invalid answer in a piped session. A script cannot recover from a re-ask (its next line would answer
 * the wrong question), so the run ends with exit status 2 and the pending changes are discarded.
 */
export class ScriptInputError extends Error {
  constructor(
    readonly lineNumber: number,
    readonly reason: string,
  ) {
    super(`line ${lineNumber}: ${reason}`);
    this.name = 'ScriptInputError';
  }
}
