// In-memory streams that readline treats as a terminal: the prompt layer runs its terminal code path
// (line editing, completion, history) in-process, and the test reads what it drew.
import { PassThrough } from 'node:stream';
import { Prompter, type PromptOptions } from '../../../src/shell/prompt.js';

export function fakeTerminal(opts: PromptOptions = {}) {
  const input = new PassThrough();
  const output = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
  let screen = '';
  output.on('data', (b: Buffer) => (screen += b.toString('utf8')));
  const p = new Prompter({ input, output, errorOutput: new PassThrough(), interactive: true, ...opts });
  return {
    p,
    input,
    output,
    /** Types keys (text, `\t` for Tab, `\r` for Enter, escape sequences for arrows). */
    type: (keys: string) => input.write(keys),
    screen: () => screen,
  };
}

/** Lets readline handle keys already written (Tab completion is asynchronous). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 30));
}

export const UP = '\x1b[A';
