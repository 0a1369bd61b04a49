// Colour for an operator at a terminal (issue 7), and only there: the CLI decides whether colour may be used
// (src/cli/context.ts useColor: stdout a TTY, no NO_COLOR, no --no-color) and chalk drops to no colour on a
// terminal that cannot show it (TERM=dumb). A disabled palette is made of identity functions, so a piped
// session's output is byte for byte what it was before colour existed.
//
// Every style takes text that the prompt layer has already made visible (control characters in caret
// notation, src/shell/prompt.ts `visible`), so the only escape codes on screen are the ones added here.
import { Chalk, supportsColor, type ChalkInstance } from 'chalk';

/** Styles one line or block of already-visible text. */
export type Style = (text: string) => string;

export interface Palette {
  /** An error line: an invalid answer's message, an unknown command, a domain without an entry. */
  error: Style;
  /** A menu line `- NAME - description`: the operation name stands out. */
  menuItem: Style;
  /** LIST's text: its two header lines stand out. */
  listHeader: Style;
  /** A line of tlsverify's or daneverify's output: its verdict (succeeded / FAILED) in green or red, other lines as they are. */
  verdict: Style;
  /** A help section title. */
  heading: Style;
}

const same: Style = (text) => text;

export const PLAIN: Palette = { error: same, menuItem: same, listHeader: same, verdict: same, heading: same };

/** The verdict lines of tlsverify and daneverify (src/delivery/tlsverify.ts, daneverify.ts): the last line of every run is one of these. */
const TLS_SUCCEEDED = /^TLS connection to '.*\bsucceeded\b|^DANE SUCCESS for /;
const TLS_FAILED = /^TLS verification of '.*\bFAILED\b|^DANE FAILED for /;

function colours(c: ChalkInstance): Palette {
  return {
    error: (text) => c.red(text),
    menuItem: (text) => text.replace(/^- (\S+)(?= - )/, (_m, name: string) => `- ${c.bold.cyan(name)}`),
    listHeader: (text) => {
      const lines = text.split('\n');
      return lines.map((line, i) => (i < 2 && line !== '' ? c.bold(line) : line)).join('\n');
    },
    verdict: (text) => (TLS_SUCCEEDED.test(text) ? c.green.bold(text) : TLS_FAILED.test(text) ? c.red.bold(text) : text),
    heading: (text) => c.bold(text),
  };
}

/**
 * The palette for a session. `enabled` is the CLI's decision; `level` is what the terminal supports (chalk's
 * detection from TERM and friends by default). Either one off gives the plain palette.
 */
export function palette(enabled: boolean, level: number = supportsColor ? supportsColor.level : 0): Palette {
  if (!enabled || level <= 0) return PLAIN;
  return colours(new Chalk({ level: Math.min(3, level) as 1 | 2 | 3 }));
}
