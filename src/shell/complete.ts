// Tab completion at the prompts where a word is expected (issue 7): the main prompt's commands, the menu's
// operation names, and the destinations at the prompts that ask for an existing entry (EDIT, DELETE,
// DETAIL), plus Y/N and list numbers. Each question hands the prompt layer the words that answer it
// (Prompter.ask's `words`, read back as completionWords), so only the question being asked is completed.
// After `help` at a prompt that offers it, the help topics complete. Matching ignores case (commands and
// operations are case-insensitive, destinations are stored lower-case); the completion follows the case the
// operator started typing.
import { sortedEntries } from '../table/render.js';
import type { DestTable } from '../table/types.js';
import { HELP_TOPICS } from './help.js';

/** readline's completer result: the candidates and the text they replace. */
export type Completion = [string[], string];

/** `ne` -> `new` even when the candidate is `NEW`; `NE` -> `NEW`; mixed or empty: the candidate as it is. */
function inTypedCase(candidate: string, typed: string): string {
  const lower = typed.toLowerCase();
  const upper = typed.toUpperCase();
  if (lower === upper) return candidate;
  if (typed === lower) return candidate.toLowerCase();
  if (typed === upper) return candidate.toUpperCase();
  return candidate;
}

const isHelp = (word: string | undefined): boolean => word !== undefined && (word.toLowerCase() === 'help' || word === '?');

/** What completes the word being typed, given the words before it on the line. */
function candidatesFor(before: readonly string[], words: readonly string[]): readonly string[] {
  if (before.length === 0) return words;
  // `help TOPIC` where the question offers help (the main prompt, the menu): its words and the help topics.
  if (before.length === 1 && isHelp(before[0]) && words.some((w) => isHelp(w))) return [...words.filter((w) => !isHelp(w)), ...HELP_TOPICS];
  return [];
}

/**
 * `folded` (typed, lower-cased) starts `candidate`; an IP entry (`[192.0.2.1]`) also matches the address
 * typed without its brackets, as EDIT, DELETE and DETAIL accept it (the completion brings the brackets).
 */
function matches(candidate: string, folded: string): boolean {
  const c = candidate.toLowerCase();
  return c.startsWith(folded) || (c.startsWith('[') && !folded.startsWith('[') && c.startsWith(folded, 1));
}

/** Completes the last word of `line` (the text left of the cursor) from the question's `words`. */
export function completeWord(line: string, words: readonly string[]): Completion {
  const m = /^(.*?)(\S*)$/s.exec(line);
  const before = (m?.[1] ?? '').trim();
  const typed = m?.[2] ?? '';
  const folded = typed.toLowerCase();
  const seen = new Set<string>();
  const hits: string[] = [];
  for (const candidate of candidatesFor(before === '' ? [] : before.split(/\s+/), words)) {
    if (!matches(candidate, folded)) continue;
    const shown = inTypedCase(candidate, typed);
    if (seen.has(shown.toLowerCase())) continue;
    seen.add(shown.toLowerCase());
    hits.push(shown);
  }
  return [hits, typed];
}

/** The longest start that every candidate shares (readline's rule for what one Tab inserts). */
function sharedStart(candidates: readonly string[]): string {
  const [first = '', ...rest] = candidates;
  let n = first.length;
  for (const c of rest) {
    let i = 0;
    while (i < n && i < c.length && c[i] === first[i]) i += 1;
    n = i;
  }
  return first.slice(0, n);
}

/**
 * Applies the tabs that readline left in a line. Node's readline completes on a Tab only when it is the
 * last key of a read; one that arrives together with other keys (fast typing on a busy machine, a paste,
 * `tmux send-keys 'dest' Tab Enter`) is inserted as a literal tab, and "dest<Tab>" would run as "dest".
 * Each such tab that completes does here what the key does: the word before it is completed as far as the
 * question's candidates agree, and the tab goes. A tab that completes nothing, and every tab of a question
 * without words (free text), stays as typed.
 */
export function completeTypedTabs(line: string, words: readonly string[]): string {
  if (!line.includes('\t') || words.length === 0) return line;
  let text = '';
  for (const ch of line) {
    if (ch !== '\t') {
      text += ch;
      continue;
    }
    const [hits, typed] = completeWord(text, words);
    const start = sharedStart(hits);
    // A tab that completes nothing stays: pasted text keeps its blanks (`help<tab>new` is `help new`).
    text = typed.startsWith(start) ? text + ch : text.slice(0, text.length - typed.length) + start;
  }
  return text;
}

/** The destinations of a table in LIST order, then `extra` words (DETAIL's `default` and `all`). */
export function destinationWords(table: DestTable, extra: readonly string[] = []): string[] {
  return [...sortedEntries(table).map((e) => e.destination), ...extra];
}

/**
 * History keeps the lines worth recalling: those typed where a command, an operation or a destination is
 * asked. Answers to yes/no questions and numbered lists (words all Y/N or numbers) and free text (no words:
 * numbers, new domain names, commit comments) are left out.
 */
export function worthRecalling(words: readonly string[]): boolean {
  return words.some((w) => !/^(\d+|y|n)$/i.test(w));
}
