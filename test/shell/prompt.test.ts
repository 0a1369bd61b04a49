// The prompt layer in-process, over in-memory streams: piped answers are echoed after their prompts, no
// line is lost when several arrive at once, end of input is seen, and invalid answers follow the rules.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { askChoice, askInt, askYesNo, parseYesNo } from '../../src/shell/ask.js';
import { EndOfInput, ScriptInputError } from '../../src/shell/errors.js';
import { Prompter, visible } from '../../src/shell/prompt.js';
import { suggest } from '../../src/shell/suggest.js';

function piped(input: string, opts: { lenient?: boolean } = {}) {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  stdout.on('data', (b: Buffer) => (out += b.toString()));
  const p = new Prompter({ input: stdin, output: stdout, errorOutput: stderr, interactive: false, ...opts });
  stdin.end(input);
  return { p, out: () => out };
}

describe('Prompter on a pipe', () => {
  it('echoes each answer after its prompt and keeps lines that arrived together', async () => {
    const { p, out } = piped('a\nb\nc\n');
    expect(await p.ask('one> ')).toBe('a');
    await new Promise((r) => setTimeout(r, 20));
    expect(await p.ask('two> ')).toBe('b');
    expect(await p.ask('three> ')).toBe('c');
    expect(p.lineNumber).toBe(3);
    await expect(p.ask('four> ')).rejects.toBeInstanceOf(EndOfInput);
    expect(out()).toBe('one> a\ntwo> b\nthree> c\nfour> \n');
  });

  it('echoes control characters in caret notation, never as escape sequences', async () => {
    const { p, out } = piped('\x1b[31mred\x7f\n');
    expect(await p.ask('> ')).toBe('\x1b[31mred\x7f');
    expect(out()).toBe('> ^[[31mred^?\n');
    expect(visible('tab\tok\x9b')).toBe('tab\tok\\x9b');
  });

  it('reads CRLF scripts and a last line without a newline', async () => {
    const { p } = piped('x\r\ny');
    expect(await p.ask('> ')).toBe('x');
    expect(await p.ask('> ')).toBe('y');
  });

  it('an invalid answer names its line (ScriptInputError); --lenient re-asks instead', async () => {
    const strict = piped('y\n1001\n');
    await askYesNo(strict.p, 'Q?', false);
    await expect(askInt(strict.p, 'How many?', { min: 1, max: 1000 }, 500)).rejects.toEqual(new ScriptInputError(2, 'Value must be an integer from 1 to 1,000.'));

    const lenient = piped('9\n\n', { lenient: true });
    expect(await askChoice(lenient.p, 'Pick:', ['A', 'B'], 1)).toBe(1);
    expect(lenient.out()).toBe('\nPick:\n1. A\n2. B\n[2]> 9\nValue must be an integer from 1 to 2.\n\nPick:\n1. A\n2. B\n[2]> \n');
  });
});

describe('Prompter on a terminal', () => {
  it('hands the terminal to another reader and takes it back without losing a line', async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
    stdout.resume();
    const p = new Prompter({ input: stdin, output: stdout, errorOutput: new PassThrough() });
    expect(p.terminal).toBe(true);
    stdin.write('first\r');
    expect(await p.ask('ESA> ', ['destconfig'])).toBe('first');
    expect(p.completionWords).toEqual(['destconfig']);
    const { createInterface } = await import('node:readline');
    const borrowed = await p.withTerminalReleased(async () => {
      const other = createInterface({ input: stdin, terminal: false });
      const line = new Promise<string>((resolve) => other.once('line', resolve));
      stdin.write('form answer\n');
      const got = await line;
      other.close();
      return got;
    });
    expect(borrowed).toBe('form answer');
    stdin.write('after\r');
    expect(await p.ask('ESA> ')).toBe('after');
    p.close();
  });
});

describe('answers', () => {
  it.each([
    ['', true, true],
    ['Y', false, true],
    [' yes ', false, true],
    ['NO', true, false],
    ['n', true, false],
  ])('yes/no %j (default %s) -> %s', (a, d, v) => {
    expect(parseYesNo(a, d)).toEqual({ ok: true, value: v });
  });
  it('refuses anything else with the appliance wording', () => {
    expect(parseYesNo('yep', true)).toEqual({ ok: false, error: 'Please answer Yes or No.' });
  });

  it('suggests close commands only', () => {
    expect(suggest('destconfg', ['destconfig', 'commit'])).toBe('destconfig');
    expect(suggest('comit', ['destconfig', 'commit'])).toBe('commit');
    expect(suggest('clearch', ['clearchanges', 'commit'])).toBe('clearchanges');
    expect(suggest('zzzz', ['destconfig', 'commit'])).toBeNull();
  });

  it('counts two swapped neighbouring letters as one typo', () => {
    expect(suggest('lsit', ['list', 'detail', 'import'])).toBe('list');
    expect(suggest('edti', ['new', 'edit', 'delete'])).toBe('edit');
  });
});
