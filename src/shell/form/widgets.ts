// The form mode's question widgets over @inquirer/prompts (issue 7): select lists, yes/no confirms and
// validated inputs whose validators are the table's own (src/table/fields.ts, src/table/domain.ts), so a form
// accepts exactly what the ESA dialogue accepts. inquirer is loaded here with `await import()`, only when a
// form opens: the normal shell never pays for it.
//
// inquirer colours with node:util styleText, which honours NO_COLOR and a non-terminal stdout by itself but
// not the shell's --no-color; without colour the widgets get a theme of plain styles.
import type { IntRange, Parsed } from '../../table/fields.js';
import { parseIntInRange } from '../../table/fields.js';
import { EndOfInput } from '../errors.js';

export interface Choice<T> {
  name: string;
  value: T;
  /** Shown under the list while the choice is highlighted. */
  description?: string;
}

export interface Widgets {
  /** A yes/no question (confirm). */
  yesNo(message: string, dflt: boolean): Promise<boolean>;
  /** One of a list (select); `dflt` is highlighted first. */
  choose<T>(message: string, choices: readonly Choice<T>[], dflt: T): Promise<T>;
  /** An integer within `range` (input, re-asked with the range message until valid). */
  integer(message: string, range: IntRange, dflt?: number): Promise<number>;
  /** Free text accepted by `parse` (input, re-asked with `parse`'s message until valid). */
  text<T>(message: string, parse: (answer: string) => Parsed<T>, dflt?: string): Promise<T>;
}

const plain = (text: string): string => text;

/** inquirer's default theme without colour (same symbols and layout). */
const PLAIN_STYLE = {
  answer: plain,
  message: plain,
  error: (text: string) => `> ${text}`,
  defaultAnswer: (text: string) => `(${text})`,
  help: plain,
  highlight: plain,
  key: (text: string) => `<${text}>`,
};
const PLAIN_THEME = { prefix: { idle: '?', done: '✔' }, style: PLAIN_STYLE };
const PLAIN_SELECT_THEME = {
  ...PLAIN_THEME,
  style: {
    ...PLAIN_STYLE,
    disabled: plain,
    description: plain,
    keysHelpTip: (keys: [string, string][]) => keys.map(([key, action]) => `${key} ${action}`).join(' • '),
  },
};

/** Validation for inquirer's input: true, or the message to show. */
function check<T>(parse: (answer: string) => Parsed<T>): (answer: string) => true | string {
  return (answer) => {
    const r = parse(answer);
    return r.ok ? true : r.error;
  };
}

/** The value of an answer that `check` accepted. */
function valueOf<T>(r: Parsed<T>): T {
  if (!r.ok) throw new Error(`form answer not valid after validation: ${r.error}`);
  return r.value;
}

/**
 * Runs one inquirer prompt and turns Ctrl-D into the shell's end of input. On Ctrl-D (an empty line) inquirer's
 * readline closes itself and pauses the terminal without settling the prompt: nothing is left for node to do
 * and the process ended with status 0, whatever was pending. A pause of the input that is not followed, within
 * the same turn of the event loop, by the prompt's own answer is that Ctrl-D: the prompt is aborted and the
 * operation ends with EndOfInput, which the shell handles as quit (docs/shell.md, "Ctrl-D ends the session").
 */
async function endOnCtrlD<T>(ask: (context: { signal: AbortSignal }) => Promise<T>, input: NodeJS.ReadableStream = process.stdin): Promise<T> {
  const ctrlD = new AbortController();
  let settled = false;
  // readline pauses its input when it closes: after an answer too, but then the prompt has settled by the check.
  const onPause = (): void => {
    setImmediate(() => {
      if (!settled) ctrlD.abort();
    });
  };
  input.on('pause', onPause);
  try {
    return await ask({ signal: ctrlD.signal });
  } catch (err) {
    if (ctrlD.signal.aborted) throw new EndOfInput();
    throw err;
  } finally {
    settled = true;
    input.off('pause', onPause);
  }
}

/** Loads inquirer and returns the widgets; `colour` false gives the plain theme. */
export async function loadWidgets(colour: boolean): Promise<Widgets> {
  const { confirm, input, select } = await import('@inquirer/prompts');
  const theme = colour ? {} : { theme: PLAIN_THEME };
  const selectTheme = colour ? {} : { theme: PLAIN_SELECT_THEME };
  return {
    yesNo: (message, dflt) => endOnCtrlD((context) => confirm({ message, default: dflt, ...theme }, context)),
    choose: <T>(message: string, choices: readonly Choice<T>[], dflt: T) =>
      endOnCtrlD((context) =>
        select<T>(
          {
            message,
            choices: choices.map((c) => ({ name: c.name, value: c.value, ...(c.description ? { description: c.description } : {}) })),
            default: dflt,
            pageSize: 10,
            loop: false,
            ...selectTheme,
          },
          context,
        ),
      ),
    integer: async (message, range, dflt) => {
      const parse = (a: string): Parsed<number> => parseIntInRange(a, range);
      const answer = await endOnCtrlD((context) =>
        input({ message, validate: check(parse), ...(dflt !== undefined ? { default: String(dflt) } : {}), ...theme }, context),
      );
      return valueOf(parse(answer));
    },
    text: async <T>(message: string, parse: (answer: string) => Parsed<T>, dflt?: string) => {
      const answer = await endOnCtrlD((context) => input({ message, validate: check(parse), ...(dflt !== undefined ? { default: dflt } : {}), ...theme }, context));
      return valueOf(parse(answer));
    },
  };
}
