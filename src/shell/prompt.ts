// The one prompt layer of the shell (ARCHITECTURE.md decision 2): a single node:readline interface for the
// whole process, read through its async iterator created at start-up, so no piped line is lost and end of
// input is seen (inquirer drops piped lines and hangs: reference node-ecosystem.md §2). A TTY operator and a
// piped script get the same dialogue; on a pipe each answer is echoed after its prompt so the output reads
// like a session transcript, and no escape code is written.
//
// Every byte of dialogue output goes through this module (`write`, `print`, `warn`). Terminal extras plug in
// here: a tab completer and a history list through PromptOptions (passed to readline.createInterface),
// colour through `colour`.
import readline from 'node:readline';
import { palette, type Palette, type Style } from './colour.js';
import { completeWord, type CompletionSource } from './complete.js';
import { EndOfInput, Interrupted, ScriptInputError } from './errors.js';

export interface PromptOptions {
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  output?: NodeJS.WritableStream & { isTTY?: boolean };
  errorOutput?: NodeJS.WritableStream;
  /** An operator types the answers (stdin is a TTY): invalid answers are re-asked. Default: input.isTTY. */
  interactive?: boolean;
  /** Piped input: re-ask after an invalid answer instead of ending the run with status 2. */
  lenient?: boolean;
  /** Colour may be used (TTY, no NO_COLOR, no --no-color): Prompter.paint colours, else it is plain. */
  colour?: boolean;
  /** Tab completion on a TTY. Default: the CompletionSource given to `ask` (src/shell/complete.ts). */
  completer?: readline.Completer | readline.AsyncCompleter;
  /** Initial history lines, newest first, and how many to keep (hook for a history file). */
  history?: string[];
  historySize?: number;
  /** Told readline's history (newest first) each time a typed line is added to it (src/shell/history.ts). */
  onHistory?: (history: readonly string[]) => void;
}

/**
 * Control characters shown in caret notation (`^[` for ESC): typed or piped bytes that are echoed or quoted
 * in a message must not turn into terminal escape sequences. Newline and tab pass.
 */
export function visible(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return '^' + String.fromCharCode(code + 0x40);
    if (code === 0x7f) return '^?';
    return `\\x${code.toString(16)}`;
  });
}

export class Prompter {
  readonly interactive: boolean;
  readonly lenient: boolean;
  readonly colour: boolean;
  /** Styles for coloured output; identity functions when colour is off. */
  readonly paint: Palette;
  /** True when readline drives a terminal (line editing, echo by the terminal). */
  readonly terminal: boolean;
  private rl!: readline.Interface;
  private lines!: AsyncIterator<string>;
  private readonly input: NodeJS.ReadableStream;
  private readonly opts: PromptOptions;
  /** History lines, newest first, carried over when the readline is reopened (`suspend`). */
  private history: string[];
  /** What Tab completes at the question being asked (set by `ask`). */
  private completion: CompletionSource | null = null;
  private readonly out: NodeJS.WritableStream;
  private readonly err: NodeJS.WritableStream;
  /** A read begun before an interrupt: its line belongs to the next question, not to the abandoned one. */
  private pendingRead: Promise<IteratorResult<string>> | null = null;
  private interrupt: ((err: Error) => void) | null = null;
  private consumed = 0;
  private ended = false;

  constructor(opts: PromptOptions = {}) {
    const input = opts.input ?? process.stdin;
    this.input = input;
    this.opts = opts;
    this.out = opts.output ?? process.stdout;
    this.err = opts.errorOutput ?? process.stderr;
    this.interactive = opts.interactive ?? Boolean(input.isTTY);
    this.lenient = Boolean(opts.lenient);
    this.colour = Boolean(opts.colour);
    this.terminal = this.interactive && Boolean((this.out as { isTTY?: boolean }).isTTY);
    this.paint = palette(this.colour);
    this.history = [...(opts.history ?? [])];
    this.open();
  }

  /** Creates the readline interface and its line iterator (at start-up, and again after `suspend`). */
  private open(): void {
    const { opts } = this;
    const completer = opts.completer ?? ((line: string) => completeWord(line, this.completion));
    this.rl = readline.createInterface({
      input: this.input,
      output: this.terminal ? this.out : undefined,
      terminal: this.terminal,
      crlfDelay: Infinity,
      ...(this.terminal ? { completer } : {}),
      ...(opts.history || this.history.length > 0 ? { history: [...this.history] } : {}),
      ...(opts.historySize !== undefined ? { historySize: opts.historySize } : {}),
    });
    // Created now, before any await, so lines that arrive while the shell loads the table are kept.
    this.lines = this.rl[Symbol.asyncIterator]();
    this.rl.on('SIGINT', () => this.onInterrupt());
    // History keeps what is worth recalling: the lines typed where Tab completes (commands, operations,
    // destinations), not yes/no answers, numbers or commit comments. The listener may edit the array
    // (Node's readline documents this for lines that should not be kept).
    this.rl.on('history', (history: string[]) => {
      const added = history[0] !== undefined && history[0] !== this.history[0];
      if (added && this.completion === null) history.shift();
      this.history = [...history];
      if (added && this.completion !== null) opts.onHistory?.(history);
    });
  }

  /** Number of input lines read so far: the line number of the last answer. */
  get lineNumber(): number {
    return this.consumed;
  }

  /** Writes dialogue text as is (`style`: a colour from `paint`, applied after control characters are made visible). */
  write(text: string, style?: Style): void {
    this.out.write(style ? style(visible(text)) : visible(text));
  }

  /** Writes one line of dialogue text (an empty line by default). */
  print(line = '', style?: Style): void {
    this.out.write((style ? style(visible(line)) : visible(line)) + '\n');
  }

  /** Writes a diagnostic line to stderr (warnings and errors meant for logs, not the transcript). */
  warn(line: string): void {
    this.err.write(visible(line) + '\n');
  }

  /**
   * Shows `prompt` (e.g. `[]> ` or `Question? [N]> `) and returns the answer line, without its newline.
   * Throws EndOfInput at end of input and Interrupted on Ctrl-C. `complete`: what Tab completes on a TTY.
   */
  async ask(prompt: string, complete?: CompletionSource): Promise<string> {
    if (this.ended) throw new EndOfInput();
    this.completion = complete ?? null;
    if (this.terminal) {
      // readline redraws the line it edits from its own prompt, so the prompt must be readline's.
      this.rl.setPrompt(prompt);
      // preserveCursor: keys typed ahead of the prompt stay in the line with the cursor after them, so more
      // typing (or Tab) goes on at their end instead of at the start of the line.
      this.rl.prompt(true);
    } else {
      this.out.write(visible(prompt));
    }
    const read = this.pendingRead ?? this.lines.next();
    this.pendingRead = read;
    const interrupted = new Promise<never>((_resolve, reject) => {
      this.interrupt = reject;
    });
    let result: IteratorResult<string>;
    try {
      result = await Promise.race([read, interrupted]);
    } finally {
      this.interrupt = null;
    }
    this.pendingRead = null;
    if (result.done) {
      this.ended = true;
      // Ends the prompt line so whatever follows starts on a line of its own.
      this.out.write('\n');
      throw new EndOfInput();
    }
    this.consumed += 1;
    if (!this.terminal) {
      // A TTY echoes what the operator types; a pipe does not, so the answer is written after its prompt.
      this.out.write(visible(result.value) + '\n');
    }
    return result.value;
  }

  /**
   * An invalid answer. Interactive or --lenient: prints the message, and the caller asks again.
   * Piped: throws ScriptInputError naming the input line (the caller's run ends with status 2).
   */
  reject(message: string): void {
    if (this.interactive || this.lenient) {
      this.print(message, this.paint.error);
      return;
    }
    throw new ScriptInputError(this.consumed, message);
  }

  close(): void {
    this.rl.close();
  }

  /**
   * Hands the terminal to `fn` (the form mode's inquirer prompts): the session readline is closed before and
   * a new one opened after, with the history kept. Pausing instead would let readline read the form's
   * keystrokes as session lines (reference node-ecosystem.md §2). TTY only: a pipe's buffered lines would be
   * lost with the closed interface.
   */
  async suspend<T>(fn: () => Promise<T>): Promise<T> {
    this.completion = null;
    // A read begun before an interrupt ends with the closed interface; nothing was typed for it yet.
    this.pendingRead = null;
    this.rl.close();
    try {
      return await fn();
    } finally {
      this.open();
    }
  }

  private onInterrupt(): void {
    // Forget the half-typed line, as a shell does on Ctrl-C.
    this.rl.write(null, { ctrl: true, name: 'e' });
    this.rl.write(null, { ctrl: true, name: 'u' });
    this.out.write('^C\n');
    this.interrupt?.(new Interrupted());
  }
}
