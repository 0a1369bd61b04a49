// What an operator at a terminal gets on top of the ESA dialogue that a pipe sees (issue 7): the line
// history of earlier sessions. Completion and colour live in the prompt layer itself (complete.ts, colour.ts);
// the form mode in form/. Everything here is decided before the prompt layer starts, so a piped session
// reads and writes nothing more than before.
import { worthRecalling } from './complete.js';
import { HISTORY_MAX, HistoryFile } from './history.js';
import type { PromptOptions } from './prompt.js';

type TerminalOptions = Pick<PromptOptions, 'history' | 'historySize' | 'keepInHistory' | 'onHistory'>;

/** True when an operator types at a terminal and sees the dialogue on one. */
export function onTerminal(opts: Pick<PromptOptions, 'input' | 'output' | 'interactive'>): boolean {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  return opts.interactive !== false && Boolean(input.isTTY) && Boolean(output.isTTY);
}

/** History options for the prompt layer: the stored lines and a recorder, on a terminal only. */
export function terminalExtras(opts: Pick<PromptOptions, 'input' | 'output' | 'interactive'> & { home: string }): TerminalOptions {
  if (!onTerminal(opts)) return {};
  const file = new HistoryFile(opts.home);
  return { history: file.load(), historySize: HISTORY_MAX, keepInHistory: worthRecalling, onHistory: (history) => file.record(history) };
}
