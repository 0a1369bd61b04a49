// The AsyncOS-style main prompt (`ESA> `, or `NAME> ` with --hostname): destconfig, commit, clearchanges,
// tlsverify, daneverify, help, quit/exit. Returns the exit status: 0, 3 when the session ends with uncommitted changes
// (nothing is written), 2 after an invalid answer in a piped session (reference: issue 2).
import { EXIT } from '../cli/exit.js';
import { loadTable, type LoadedTable } from '../store/index.js';
import { clearChanges, commit } from './commit.js';
import { runDestconfigMenu } from './destconfig/menu.js';
import { EndOfInput, Interrupted, ScriptInputError } from './errors.js';
import { Prompter, type PromptOptions } from './prompt.js';
import { Session } from './session.js';
import { suggest } from './suggest.js';
import { tlsVerify } from './tlsverify.js';
import { daneVerify } from './daneverify.js';
import { mainHelp } from './help.js';
import { terminalExtras } from './terminal.js';

export interface ShellOptions extends PromptOptions {
  home: string;
  hostname: string;
  /** `form`: NEW, EDIT, DEFAULT and SETUP run as terminal forms (src/shell/form/). Default `esa`. */
  ui?: 'esa' | 'form';
}

type Command = (s: Session, args: string[]) => Promise<'quit' | void>;

const COMMANDS: Record<string, { help: string; run: Command }> = {
  destconfig: { help: 'Configure destination control limits for a specified domain.', run: (s, a) => destconfig(s, a) },
  commit: { help: 'Commit the changes made in this session.', run: (s) => commit(s) },
  clearchanges: { help: 'Discard the changes made since the last commit.', run: (s) => clearChanges(s) },
  tlsverify: { help: 'Check TLS to a domain: tlsverify [DOMAIN [HOST[:PORT]]]; asks for the domain and host when not given.', run: (s, a) => tlsVerify(s, a) },
  daneverify: { help: 'Check DANE (DNSSEC-signed TLSA matching the certificate) for a domain: daneverify [DOMAIN [HOST[:PORT]]]; asks for the domain when not given, then whether to show the detailed steps.', run: (s, a) => daneVerify(s, a) },
  help: { help: 'Explain the commands, the destconfig operations and the TLS modes (help TOPIC: one of them).', run: async (s, a) => mainHelp(s.p, a, COMMANDS, ALIASES) },
  quit: { help: 'Leave the shell (uncommitted changes are not saved).', run: async () => 'quit' },
  exit: { help: 'Same as quit.', run: async () => 'quit' },
};

/** Other names the appliance accepts for the same commands. */
const ALIASES: Record<string, string> = { clear: 'clearchanges', '?': 'help', q: 'quit' };

async function destconfig(s: Session, args: string[]): Promise<void> {
  if (args.length > 0) {
    // destconfig has no batch form on the appliance (reference §2.4).
    s.p.reject(`Invalid arguments when processing destconfig: ${args.join(' ')}. The command takes no arguments.`);
    return;
  }
  await runDestconfigMenu(s);
}

/** Runs the session to its end and returns the exit status. */
export async function runShell(opts: ShellOptions): Promise<number> {
  // The prompt layer exists before the first await, so no piped line is lost while the table loads.
  const p = new Prompter({ ...opts, ...terminalExtras(opts) });
  let stopOnClosedOutput = (): void => undefined;
  let session: Session | null = null;
  try {
    let loaded: LoadedTable;
    try {
      loaded = await loadTable(opts.home);
    } catch (err) {
      // A table that cannot be read is never replaced from here: the operator must look at it first.
      p.warn(`destconfig: cannot load the table in ${opts.home}: ${err instanceof Error ? err.message : String(err)}`);
      return EXIT.FAILURE;
    }
    const s = new Session(p, { home: opts.home, hostname: opts.hostname, ui: opts.ui ?? 'esa' }, loaded.table, loaded.revision);
    session = s;
    if (p.interactive) p.print('Type "help" for the list of commands, "destconfig" to edit the table, "quit" to leave.');
    stopOnClosedOutput = endOnClosedOutput(s, opts.output ?? process.stdout);
    return await mainLoop(s);
  } catch (err) {
    if (err instanceof ScriptInputError) {
      p.warn(`destconfig: line ${err.lineNumber}: ${err.reason.split('\n').join(`\ndestconfig: line ${err.lineNumber}: `)}`);
      // Issue 2: pending changes are discarded; a session without any (an unfinished operation is dropped
      // whole) says no more than that it ended.
      p.warn(session?.hasChanges() ? 'destconfig: the session was ended and its changes were not committed.' : 'destconfig: the session was ended.');
      return EXIT.USAGE;
    }
    throw err;
  } finally {
    stopOnClosedOutput();
    p.close();
  }
}

/**
 * A reader that goes away (`| grep -q`, `| head`) ends the process at the next write: src/cli/main.ts then
 * exits quietly with status 0. With changes pending, that status would hide their loss, so the session
 * ends as quit does: the warning on stderr, nothing written, status 3 (issue 2). Returns the undo.
 */
function endOnClosedOutput(s: Session, out: NodeJS.WritableStream): () => void {
  const onError = (err: NodeJS.ErrnoException): void => {
    if (err.code === 'EPIPE' && s.hasChanges()) process.exit(leave(s));
  };
  // Before the command line's own handler, which exits at once.
  out.prependListener('error', onError);
  return () => out.off('error', onError);
}

async function mainLoop(s: Session): Promise<number> {
  const { p } = s;
  let first = true;
  for (;;) {
    let line: string;
    // A blank line between one command's output and the next prompt, as on the appliance.
    if (!first) p.print();
    try {
      line = await p.ask(`${s.opts.hostname}> `, Object.keys(COMMANDS));
    } catch (err) {
      if (err instanceof Interrupted) continue;
      if (err instanceof EndOfInput) return leave(s);
      throw err;
    }
    first = false;
    const [word = '', ...args] = line.trim().split(/\s+/);
    if (word === '') {
      first = true;
      continue;
    }
    const name = ALIASES[word.toLowerCase()] ?? word.toLowerCase();
    const cmd = COMMANDS[name];
    if (!cmd) {
      // Issue 2: the message and the prompt again, on a pipe too. Unlike an invalid answer to a question,
      // the script's next line is still read as a command, so the run can go on.
      const close = suggest(word, Object.keys(COMMANDS));
      p.print(`Unknown command: ${word}${close ? `. Did you mean "${close}"?` : ''}`, p.paint.error);
      continue;
    }
    try {
      if ((await cmd.run(s, args)) === 'quit') return leave(s);
    } catch (err) {
      if (err instanceof Interrupted) continue;
      if (err instanceof EndOfInput) return leave(s);
      throw err;
    }
  }
}

/** quit, exit or end of input: pending changes are not written, and the status says so. */
function leave(s: Session): number {
  if (!s.hasChanges()) return EXIT.OK;
  s.p.warn('destconfig: warning: the changes made in this session were not committed and are discarded.');
  return EXIT.UNCOMMITTED;
}
