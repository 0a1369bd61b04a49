// The form mode's question widgets over @inquirer/prompts (issue 7): select lists, yes/no confirms and
// validated inputs whose validators are the table's own (src/table/fields.ts, src/table/domain.ts), so a form
// accepts exactly what the ESA dialogue accepts. inquirer is loaded here with `await import()`, only when a
// form opens: the normal shell never pays for it.
//
// inquirer colours with node:util styleText, which honours NO_COLOR and a non-terminal stdout by itself but
// not the shell's --no-color; without colour the widgets get a theme of plain styles.
import type { IntRange, Parsed } from '../../table/fields.js';
import { parseIntInRange } from '../../table/fields.js';

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

/** Loads inquirer and returns the widgets; `colour` false gives the plain theme. */
export async function loadWidgets(colour: boolean): Promise<Widgets> {
  const { confirm, input, select } = await import('@inquirer/prompts');
  const theme = colour ? {} : { theme: PLAIN_THEME };
  const selectTheme = colour ? {} : { theme: PLAIN_SELECT_THEME };
  return {
    yesNo: (message, dflt) => confirm({ message, default: dflt, ...theme }),
    choose: <T>(message: string, choices: readonly Choice<T>[], dflt: T) =>
      select<T>({
        message,
        choices: choices.map((c) => ({ name: c.name, value: c.value, ...(c.description ? { description: c.description } : {}) })),
        default: dflt,
        pageSize: 10,
        loop: false,
        ...selectTheme,
      }),
    integer: async (message, range, dflt) => {
      const parse = (a: string): Parsed<number> => parseIntInRange(a, range);
      const answer = await input({ message, validate: check(parse), ...(dflt !== undefined ? { default: String(dflt) } : {}), ...theme });
      return valueOf(parse(answer));
    },
    text: async <T>(message: string, parse: (answer: string) => Parsed<T>, dflt?: string) => {
      const answer = await input({ message, validate: check(parse), ...(dflt !== undefined ? { default: dflt } : {}), ...theme });
      return valueOf(parse(answer));
    },
  };
}
