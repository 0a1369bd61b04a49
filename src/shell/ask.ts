// The appliance's question forms (reference §2.1): yes/no questions carry the default on the same line
// (`Question? [Y]> `); other questions print the question, then `[default]> ` (`[]> ` with no default) on
// a line of its own; numbered lists print `1. text` lines. An empty answer takes the default. Each question
// is preceded by a blank line, as in the seed transcript.
import { rangeMessage, parseIntInRange, type IntRange, type Parsed } from '../table/fields.js';
import type { Prompter } from './prompt.js';

/** Prints the blank line and the question lines of one question; returns its prompt. Shown again on a re-ask. */
function block(p: Prompter, lines: readonly string[], prompt: string): string {
  p.print();
  for (const line of lines) p.print(line);
  return prompt;
}

/** Asks until `parse` accepts the answer; invalid answers go through Prompter.reject (re-ask or exit 2). */
async function askUntil<T>(p: Prompter, show: () => string, parse: (answer: string) => Parsed<T>, words: readonly string[] = []): Promise<T> {
  for (;;) {
    const answer = await p.ask(show(), words);
    const r = parse(answer);
    if (r.ok) return r.value;
    p.reject(r.error);
  }
}

export function parseYesNo(answer: string, dflt: boolean): Parsed<boolean> {
  const s = answer.trim().toLowerCase();
  if (s === '') return { ok: true, value: dflt };
  if (s === 'y' || s === 'yes') return { ok: true, value: true };
  if (s === 'n' || s === 'no') return { ok: true, value: false };
  return { ok: false, error: 'Please answer Yes or No.' };
}

/** `Question? [Y]> ` */
export function askYesNo(p: Prompter, question: string, dflt: boolean): Promise<boolean> {
  return askUntil(p, () => block(p, [], `${question} [${dflt ? 'Y' : 'N'}]> `), (a) => parseYesNo(a, dflt), ['Y', 'N']);
}

/** Question line, then `[default]> `; the answer must be an integer in range. No default: `[]> `. */
export function askInt(p: Prompter, question: string, range: IntRange, dflt?: number): Promise<number> {
  return askUntil(
    p,
    () => block(p, [question], `[${dflt ?? ''}]> `),
    (a) => (a.trim() === '' && dflt !== undefined ? { ok: true, value: dflt } : parseIntInRange(a, range)),
  );
}

/** Question line, `1. label` lines, then `[default number]> `. Returns the chosen index (0-based). */
export function askChoice(p: Prompter, question: string, labels: readonly string[], dfltIndex: number): Promise<number> {
  const range = { min: 1, max: labels.length };
  const lines = [question, ...labels.map((label, i) => `${i + 1}. ${label}`)];
  return askUntil(
    p,
    () => block(p, lines, `[${dfltIndex + 1}]> `),
    (a) => {
      if (a.trim() === '') return { ok: true, value: dfltIndex };
      const n = parseIntInRange(a, range);
      return n.ok ? { ok: true, value: n.value - 1 } : { ok: false, error: rangeMessage(range) };
    },
    labels.map((_, i) => String(i + 1)),
  );
}

/**
 * Question line, then `[default]> `; `parse` validates the text (the empty answer becomes `dflt` first
 * when one is given). `words`: the answers Tab completes (Prompter.completionWords), if any.
 */
export function askText<T>(p: Prompter, question: string, parse: (answer: string) => Parsed<T>, dflt?: string, words: readonly string[] = []): Promise<T> {
  return askUntil(p, () => block(p, [question], `[${dflt ?? ''}]> `), (a) => parse(a.trim() === '' && dflt !== undefined ? dflt : a), words);
}
