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
import { completeTypedTabs, completeWord } from './complete.js';
import { EndOfInput, Interrupted, ScriptInputError } from './errors.js';
import { guardLineLength, LINE_TOO_LONG, LineTooLong, type LineGuard } from './line-guard.js';

/** readline's own default history size, used when PromptOptions.historySize is not given. */
const READLINE_HISTORY_SIZE = 30;

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
  /** Tab completion on a TTY. Default: the completionWords of the question (src/shell/complete.ts). */
  completer?: readline.Completer | readline.AsyncCompleter;
  /** Initial history lines, newest first, and how many to keep (hook for a history file). */
  history?: string[];
  historySize?: number;
  /** Whether a line typed at a question offering these completion words goes into the history (default: all). */
  keepInHistory?: (words: readonly string[]) => boolean;
  /** Told readline's history (newest first) each time a typed line is kept in it (src/shell/history.ts). */
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
  /** True when readline drives a terminal (line editing, echo by the terminal). */
  readonly terminal: boolean;
  /** Styles for coloured output; identity functions when colour is off. */
  readonly paint: Palette;
  private rl!: readline.Interface;
  private lines!: AsyncIterator<string>;
  private readonly input: NodeJS.ReadableStream;
  private readonly readlineExtras: Pick<PromptOptions, 'completer' | 'historySize' | 'keepInHistory' | 'onHistory'>;
  /** History lines, newest first: carried over when the readline is reopened (withTerminalReleased). */
  private history: string[] | undefined;
  /** readline's own history array (newest first), as its 'history' event hands it over. */
  private readlineHistory: string[] | undefined;
  /**
   * Lines entered on a terminal and not yet taken by a question, oldest first: each the line readline
   * would have added to its history, or null. Whether it is kept is decided by the question that takes it,
   * which for keys typed ahead (a paste) is asked only later (recordHistory).
   */
  private entered: (string | null)[] = [];
  private enteredHistoryLine: string | null = null;
  private words: readonly string[] = [];
  /** The completer is the question's words (no custom one): tabs left in a typed line complete too. */
  private readonly completesWords: boolean;
  private readonly out: NodeJS.WritableStream;
  private readonly err: NodeJS.WritableStream;
  /** A read begun before an interrupt: its line belongs to the next question, not to the abandoned one. */
  private pendingRead: Promise<IteratorResult<string>> | null = null;
  private interrupt: ((err: Error) => void) | null = null;
  private consumed = 0;
  private ended = false;
  /** Piped input: notes the first line too long to be an answer (src/shell/line-guard.ts). */
  private readonly lineGuard: LineGuard | null;

  constructor(opts: PromptOptions = {}) {
    const input = opts.input ?? process.stdin;
    this.input = input;
    this.out = opts.output ?? process.stdout;
    this.err = opts.errorOutput ?? process.stderr;
    this.interactive = opts.interactive ?? Boolean(input.isTTY);
    this.lenient = Boolean(opts.lenient);
    this.colour = Boolean(opts.colour);
    this.terminal = this.interactive && Boolean((this.out as { isTTY?: boolean }).isTTY);
    this.paint = palette(this.colour);
    this.readlineExtras = {
      completer: opts.completer ?? ((line: string) => completeWord(line, this.words)),
      historySize: opts.historySize,
      keepInHistory: opts.keepInHistory,
      onHistory: opts.onHistory,
    };
    this.completesWords = opts.completer === undefined;
    this.history = opts.history ? [...opts.history] : undefined;
    // Piped input only: a terminal's lines are typed (and the guard's data listener would not suit raw mode).
    this.lineGuard = !this.interactive && !input.isTTY ? guardLineLength(input) : null;
    // Typed at a terminal whose output is not one (`destconfig | tee -i log`, `destconfig > log`): readline
    // drives no terminal, so Ctrl-C is not a key it reads but SIGINT to the process, which Node's default
    // action ended with the session's changes. It abandons the operation as on a terminal (issue 2).
    if (this.interactive && !this.terminal && input.isTTY) process.on('SIGINT', this.onSignal);
    this.open();
  }

  private readonly onSignal = (): void => this.onInterrupt();

  private open(): void {
    const { completer, historySize } = this.readlineExtras;
    const { history } = this;
    this.rl = readline.createInterface({
      input: this.input,
      output: this.terminal ? this.out : undefined,
      terminal: this.terminal,
      crlfDelay: Infinity,
      ...(completer && this.terminal ? { completer } : {}),
      ...(history ? { history: [...history] } : {}),
      ...(historySize !== undefined ? { historySize } : {}),
    });
    // Created now, before any await, so lines that arrive while the shell loads the table are kept.
    this.lines = this.rl[Symbol.asyncIterator]();
    this.rl.on('SIGINT', () => this.onInterrupt());
    this.entered = [];
    this.enteredHistoryLine = null;
    this.readlineHistory = undefined;
    if (!this.terminal) return;
    // Lines typed on a terminal. readline adds each to its history as it is entered, before the question that
    // will take it may have been asked (keys typed ahead, a paste): the listener puts the history back as
    // it was (Node lets it change the array) and the line waits in `entered` for its question.
    this.rl.on('history', (lines: string[]) => {
      const before = this.history ?? [];
      this.enteredHistoryLine = lines[0] !== undefined && lines[0] !== before[0] ? lines[0] : null;
      lines.splice(0, lines.length, ...before);
      this.readlineHistory = lines;
    });
    // 'history' (for a line readline would keep) comes just before 'line' (for every line, blank ones too).
    this.rl.on('line', () => {
      this.entered.push(this.enteredHistoryLine);
      this.enteredHistoryLine = null;
    });
  }

  /**
   * Puts a line a question took into the history when readline would have kept it and the question
   * offered words worth recalling (PromptOptions.keepInHistory), as it runs (`line`: tabs completed).
   */
  private recordHistory(entered: string | null, line: string): void {
    const lines = this.readlineHistory;
    const { keepInHistory, onHistory, historySize } = this.readlineExtras;
    if (entered === null || !lines || (keepInHistory && !keepInHistory(this.words))) return;
    if (lines[0] === line) return; // readline keeps no line twice in a row either
    lines.unshift(line);
    if (lines.length > (historySize ?? READLINE_HISTORY_SIZE)) lines.pop();
    this.history = [...lines];
    onHistory?.(lines);
  }

  /**
   * The words that make sense as an answer to the question being asked (commands at the main prompt,
   * operations at the menu, list numbers...): for a completer. Empty for free text.
   */
  get completionWords(): readonly string[] {
    return this.words;
  }

  /**
   * Hands the terminal to another reader (e.g. an inquirer form for `--ui form`) and takes it back after.
   * The session readline is closed and reopened around `fn`, the only mix that loses no keystroke
   * (reference node-ecosystem.md §2). Terminal only: on a pipe it would drop buffered script lines.
   */
  async withTerminalReleased<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.terminal) throw new Error('the terminal can be released only in an interactive terminal session');
    this.pendingRead = null;
    this.rl.close();
    try {
      return await fn();
    } finally {
      this.open();
    }
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
   * Throws EndOfInput at end of input and Interrupted on Ctrl-C. `words`: see completionWords.
   */
  async ask(prompt: string, words: readonly string[] = []): Promise<string> {
    if (this.ended) throw new EndOfInput();
    this.words = words;
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
    } catch (err) {
      if (!(err instanceof LineTooLong)) throw err;
      this.ended = true;
      throw new ScriptInputError(this.lineGuard?.tooLong ?? this.consumed + 1, LINE_TOO_LONG);
    } finally {
      this.interrupt = null;
    }
    if (!result.done && this.lineGuard?.tooLong === this.consumed + 1) {
      // The long line was read whole before the guard closed the input. Not an answer that can be asked
      // again (the input is closed): the run ends at that line, status 2.
      this.ended = true;
      throw new ScriptInputError(this.consumed + 1, LINE_TOO_LONG);
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
      // A script saved by an editor that starts files with a UTF-8 byte order mark: the mark is not part of
      // its first line (as a table file's is not, docs/file-format.md).
      const answer = this.consumed === 1 && result.value.startsWith('\uFEFF') ? result.value.slice(1) : result.value;
      // A terminal echoes what the operator types (also when the output goes to a pipe, `| tee log`); piped
      // input is not echoed by anyone, so the answer is written after its prompt (issue 2: "when stdin is
      // not a TTY each answer is echoed").
      if (!this.interactive) this.out.write(visible(answer) + '\n');
      return answer;
    }
    const line = this.typedLine(result.value);
    if (line !== result.value) this.redrawAnswer(prompt, result.value, line);
    this.recordHistory(this.entered.shift() ?? null, line);
    return line;
  }

  /** A terminal line with the tabs readline took literally applied as completions (completeTypedTabs). */
  private typedLine(raw: string): string {
    return this.terminal && this.completesWords ? completeTypedTabs(raw, this.words) : raw;
  }

  /**
   * Shows the completed answer in place of the line as read (`dest` and a tab), so the screen says what
   * runs. Only when that line took one row of the terminal (the cursor is on the row below it), and not on a
   * terminal without cursor movement (TERM=dumb, where readline itself draws no escape codes either).
   */
  private redrawAnswer(prompt: string, raw: string, line: string): void {
    if (process.env.TERM === 'dumb') return;
    const columns = (this.out as { columns?: number }).columns ?? 0;
    let width = prompt.length;
    for (const ch of raw) width = ch === '\t' ? (Math.floor(width / 8) + 1) * 8 : width + 1;
    if (width >= columns || prompt.length + line.length >= columns) return;
    this.out.write(`\x1b[1A\r\x1b[2K${visible(prompt + line)}\n`);
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
    process.off('SIGINT', this.onSignal);
    this.rl.close();
  }

  private onInterrupt(): void {
    if (!this.terminal) {
      // The terminal's driver has dropped the half-typed line and echoed ^C itself; end the prompt line.
      this.out.write('\n');
      this.interrupt?.(new Interrupted());
      return;
    }
    // Forget the half-typed line, as a shell does on Ctrl-C.
    this.rl.write(null, { ctrl: true, name: 'e' });
    this.rl.write(null, { ctrl: true, name: 'u' });
    this.out.write('^C\n');
    this.interrupt?.(new Interrupted());
  }
}
