// On a terminal (a pseudo-terminal made by util-linux `script`) invalid answers are re-asked instead of
// ending the run, and Ctrl-C abandons the current operation back to the menu with nothing kept.
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, committedDoc, requireBuild, tempHome } from './run.js';

const hasScript = spawnSync('script', ['--version']).status === 0;
// CI installs util-linux's script (bsdutils, scripts/test-deps.sh): there a missing one is a failure, not a skip.
const mustRun = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
if (!hasScript && mustRun) throw new Error('script (util-linux, Debian bsdutils) is not installed: the terminal tests cannot run');

/** A shell on a pseudo-terminal; `answer` waits for `prompt` to appear (after the last answer) and types `keys`. */
function ttyShell(home: string, outputThrough = '') {
  requireBuild();
  const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} --home ${JSON.stringify(home)}${outputThrough}`;
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TERM: 'dumb' } });
  let out = '';
  let seen = 0;
  child.stdout.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    async answer(prompt: string, keys: string): Promise<void> {
      for (let i = 0; i < 400 && !out.slice(seen).includes(prompt); i++) await new Promise((r) => setTimeout(r, 50));
      if (!out.slice(seen).includes(prompt)) throw new Error(`prompt ${JSON.stringify(prompt)} not shown; output so far:\n${out}`);
      seen += out.slice(seen).indexOf(prompt) + prompt.length;
      child.stdin.write(keys);
    },
    output: () => out,
    async end(): Promise<number | null> {
      child.stdin.end();
      return closed;
    },
  };
}

describe.skipIf(!hasScript)('on a terminal', () => {
  it('prints the help line, re-asks invalid answers, and Ctrl-C abandons the operation', async () => {
    const home = tempHome();
    const t = ttyShell(home);
    await t.answer('ESA> ', 'destconfig\r');
    await t.answer('[]> ', 'new\r');
    await t.answer('[]> ', 'example.com\r');
    await t.answer('[Y]> ', 'maybe\r');
    await t.answer('[Y]> ', 'y\r');
    await t.answer('[500]> ', '2000\r');
    await t.answer('[500]> ', '\x03');
    await t.answer('-- Changes not recorded', '');
    await t.answer('[]> ', '\r');
    await t.answer('ESA> ', 'quit\r');
    expect(await t.end()).toBe(0);
    const out = t.output();
    expect(out).toContain('Type "help" for the list of commands');
    expect(out).toContain('Please answer Yes or No.');
    expect(out).toContain('Value must be an integer from 1 to 1,000.');
    expect(out).toContain('-- Changes not recorded');
    expect(out).toContain('There are currently 0 entries configured.');
    expect(committedDoc(home)).toBeNull();
  });

  it('with the output piped to a reader that ignores Ctrl-C (`destconfig | tee -i log`), Ctrl-C abandons the operation, not the session', async () => {
    // readline drives no terminal when the output is not one, so Ctrl-C is not a key it reads but SIGINT
    // to the process: the shell died by the signal, its pending changes lost without the quit warning.
    const t = ttyShell(tempHome(), ' | tee -i /dev/null');
    await t.answer('ESA> ', 'destconfig\r');
    await t.answer('[]> ', 'new\r');
    await t.answer('[]> ', 'a.example\r');
    for (const a of ['N', 'N', 'N', 'N', 'N', 'N', 'N']) await t.answer(']> ', `${a}\r`);
    await t.answer('[]> ', 'new\r');
    await t.answer('[]> ', 'b.example\r');
    await t.answer('[Y]> ', '\x03');
    await t.answer('-- Changes not recorded', '');
    await t.answer('[]> ', 'list\r');
    await t.answer('[]> ', '\r');
    await t.answer('ESA> ', 'quit\r');
    await t.end();
    const out = t.output();
    expect(out).toMatch(/\na\.example +Default/);
    expect(out).not.toMatch(/\nb\.example/);
    expect(out).toContain('the changes made in this session were not committed');
  });

  it('with the output piped (`destconfig | tee log` at a terminal), a typed answer is shown once: the terminal echoes it', async () => {
    // Issue 2: answers are echoed "when stdin is not a TTY". Typed at a terminal whose output went to a pipe,
    // each answer used to appear twice on the screen: the terminal's echo, then the shell's.
    const t = ttyShell(tempHome(), ' | cat');
    await t.answer('ESA> ', 'destconfig\r');
    await t.answer('[]> ', 'list\r');
    await t.answer('[]> ', '\r');
    await t.answer('ESA> ', 'quit\r');
    expect(await t.end()).toBe(0);
    const out = t.output();
    expect(out).toContain('Prefer IPv6');
    expect(out.split('[]> list\r\n')).toHaveLength(2);
    expect(out.split('list\r\n')).toHaveLength(2);
    expect(out.split('quit\r\n')).toHaveLength(2);
  });
});
