// The shell in a real terminal (tmux): Tab completion at the three kinds of prompt, history across two
// sessions, colour on and off, and a NEW form end to end with the ESA> prompt coming back after it.
// CI installs tmux (.ci/run); without it the suite is skipped on a developer's machine and fails under CI.
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { committedDoc, runShell, script, SEED_NEW_ANSWERS, tempHome } from '../run.js';
import { hasTmux, TmuxServer, type TmuxPane } from './tmux.js';

const SGR = /\x1b\[[0-9;]*m/;
const mustRun = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';

if (!hasTmux && mustRun) throw new Error('tmux is not installed: the terminal tests cannot run (.ci/run installs it)');

describe.skipIf(!hasTmux)('the shell in a terminal (tmux)', { timeout: 180_000 }, () => {
  const server = new TmuxServer();
  afterAll(() => server.kill());

  /** Types `partial`, presses Tab, and waits for the completed line. */
  async function tab(t: TmuxPane, prompt: string, partial: string, completed: string): Promise<void> {
    t.type(partial);
    await t.waitForLastLine(prompt + partial);
    t.press('Tab');
    await t.waitForLastLine(prompt + completed);
  }

  /** Waits for the prompt on the last line, then types the answer and Enter. */
  async function answer(t: TmuxPane, prompt: string, text: string): Promise<void> {
    await t.waitForLastLine(prompt.trimEnd());
    if (text) t.type(text);
    t.press('Enter');
  }

  /** From ESA>: destconfig, NEW (a form with --ui form), and `domain` typed into its first question. */
  async function openNewForm(t: TmuxPane, domain: string): Promise<void> {
    await answer(t, 'ESA> ', 'destconfig');
    await answer(t, '[]> ', 'new');
    await t.waitFor('? Domain to configure');
    t.type(domain);
    t.press('Enter');
  }

  it('completes commands, operations and destinations; colours; keeps history for the next session', async () => {
    const home = tempHome();
    const t = server.start(['--home', home]);
    await t.waitForLastLine('ESA>');

    await tab(t, 'ESA> ', 'dest', 'destconfig');
    t.press('Enter');
    await tab(t, '[]> ', 'ne', 'new');
    t.press('Enter');
    // The seed's NEW: example.com with only TLS Required.
    for (const [prompt, text] of [
      ['[]>', 'example.com'],
      ['Do you wish to configure a concurrency limit for example.com? [Y]>', 'N'],
      ['Do you wish to apply a messages-per-connection limit to this domain? [N]>', 'N'],
      ['Do you wish to apply a recipient limit to this domain? [N]>', 'N'],
      ['Do you wish to apply a specific TLS setting for this domain? [N]>', 'Y'],
      ['[1]>', '3'],
      ['Do you wish to apply a specific bounce verification address tagging setting for this domain? [N]>', 'N'],
      ['Do you wish to apply a specific bounce profile to this domain? [N]>', 'N'],
      ['Do you wish to apply a specific IP sort preference to this domain? [N]>', 'N'],
    ] as const) {
      await answer(t, prompt, text);
    }
    await t.waitFor('There are currently 1 entries configured.');
    await t.waitForLastLine('[]>');

    // Destinations complete where an existing entry is asked for; Ctrl-C leaves EDIT with nothing changed.
    await tab(t, '[]> ', 'ED', 'EDIT');
    t.press('Enter');
    await t.waitFor('Enter the domain you wish to edit.');
    await tab(t, '[]> ', 'ex', 'example.com');
    t.press('C-c');
    await t.waitFor('-- Changes not recorded');
    // DETAIL offers default and all too: two Tabs list them all.
    await tab(t, '[]> ', 'deta', 'detail');
    t.press('Enter');
    await t.waitFor('"all" to view all.');
    await t.waitForLastLine('[]>');
    t.press('Tab', 'Tab');
    await t.waitFor(/example\.com\s+default\s+all/);
    t.type('a');
    t.press('Tab');
    await t.waitForLastLine('[]> all');
    t.press('Enter');
    await t.waitFor('(Default)\n    IP Address Preference: IPv6 Preferred');

    // Colour: the menu's names, LIST's header and an error line carry attributes; their text is unchanged.
    await t.waitForLastLine('[]>');
    t.type('list');
    t.press('Enter');
    await t.waitFor('example.com  Default   On');
    t.press('Enter');
    await answer(t, 'ESA> ', 'bogus');
    await t.waitFor('Unknown command: bogus');
    await answer(t, 'ESA> ', 'tlsverify example.com 127.0.0.1:1');
    await t.waitFor("TLS verification of 'example.com' FAILED");
    await t.waitForLastLine('ESA>');
    const coloured = t.screen(true);
    expect(coloured).toMatch(/(\x1b\[[0-9;]*m)+TLS verification of 'example\.com' FAILED/);
    expect(coloured).toMatch(/\n {2}Connection failed: /);
    expect(coloured).toMatch(/- (\x1b\[[0-9;]*m)+NEW(\x1b\[[0-9;]*m)+ - Create a new entry\./);
    expect(coloured).toMatch(/\x1b\[1m {13}Rate/);
    expect(coloured).toMatch(/\x1b\[31mUnknown command: bogus/);

    await answer(t, 'ESA> ', 'commit');
    await answer(t, '[]>', 'Require TLS for example.com');
    await t.waitFor('Changes committed:');
    await answer(t, 'ESA> ', 'quit');
    expect(await t.waitForExit()).toBe(0);
    expect(committedDoc(home)).not.toBeNull();
    expect(statSync(path.join(home, 'history')).mode & 0o777).toBe(0o600);

    // A new session recalls the last one's commands, newest first; plain answers (N, Y, 3) are not kept.
    const again = server.start(['--home', home]);
    await again.waitForLastLine('ESA>');
    again.press('Up');
    await again.waitForLastLine('ESA> quit');
    again.press('Up');
    await again.waitForLastLine('ESA> commit');
    // Up through the whole history, each step waiting for the line to change, to its oldest entry: a plain
    // answer kept by mistake would show between "new" and "EDIT" (six steps were not enough to reach it).
    const recalled: string[] = [];
    while (recalled.at(-1) !== 'destconfig' && recalled.length < 20) {
      const before = again.lastLine();
      again.press('Up');
      await again.waitFor(() => again.lastLine() !== before && /^ESA> \S/.test(again.lastLine()), `the history entry before ${JSON.stringify(before)}`);
      recalled.push(again.lastLine().replace(/^ESA> /, ''));
    }
    expect(recalled).toEqual(['tlsverify example.com 127.0.0.1:1', 'bogus', 'list', 'all', 'detail', 'EDIT', 'new', 'destconfig']);
    again.press(...Array<string>(recalled.length).fill('Down'));
    await again.waitForLastLine('ESA> commit');
    again.press('Enter');
    await again.waitFor('There are no changes to commit.');
    await answer(again, 'ESA> ', 'quit');
    expect(await again.waitForExit()).toBe(0);
  });

  it.each([
    ['NO_COLOR', [], { NO_COLOR: '1' }],
    ['--no-color', ['--no-color'], {}],
  ] as const)('shows no colour with %s, also in a form', async (_name, args, env) => {
    const t = server.start(['--home', tempHome(), '--ui', 'form', ...args], env);
    await answer(t, 'ESA> ', 'nosuchcommand');
    await t.waitFor('Unknown command: nosuchcommand');
    await openNewForm(t, 'example.net');
    await t.waitFor('? Set a concurrency limit for example.net?');
    expect(t.screen(true)).not.toMatch(SGR);
    t.press('C-c');
    await t.waitFor('-- Changes not recorded');
    await answer(t, '[]> ', '');
    await answer(t, 'ESA> ', 'quit');
    expect(await t.waitForExit()).toBe(0);
  });

  it('runs NEW as a form and returns to the ESA> prompt (issue 7), whose readline reads, completes and recalls again', async () => {
    const home = tempHome();
    const t = server.start(['--home', home, '--ui', 'form']);
    await openNewForm(t, 'bad domain');
    await t.waitFor('> Invalid destination "bad domain": it must not contain spaces.');
    t.press('C-u');
    t.type('mail.example.org');
    t.press('Enter');
    const keys: [string, string[]][] = [
      ['? Set a concurrency limit for mail.example.org?', ['n', 'Enter']],
      ['? Set a messages-per-connection limit?', ['Enter']],
      ['? Set a recipient limit?', ['Enter']],
      ['? TLS support', ['Down', 'Down', 'Down', 'Down', 'Down', 'Enter']], // Required - Verify
      ['? Bounce verification address tagging', ['Enter']],
      ['? Bounce profile', ['Enter']],
      ['? IP address preference', ['Down', 'Down', 'Down', 'Enter']], // IPv4 Preferred
    ];
    for (const [question, press] of keys) {
      await t.waitFor(question);
      if (question === '? TLS support') {
        await t.waitFor("Use the Default row's setting (No)");
        for (const k of press.slice(0, -1)) t.press(k);
        await t.waitFor('TLS and a verified certificate are both required'); // the highlighted mode's help
        t.press('Enter');
      } else {
        t.press(...press);
      }
    }
    await t.waitFor('(pending until "commit" at the main prompt)');
    // Back at ESA>, not the menu: the session readline reads, completes and recalls again.
    await t.waitForLastLine('ESA>');
    await tab(t, 'ESA> ', 'dest', 'destconfig');
    t.press('Enter');
    await t.waitFor('There are currently 1 entries configured.');
    await tab(t, '[]> ', 'li', 'list');
    t.press('Enter');
    await t.waitFor(/mail\.example\.org\s+Default\s+On\s+Default\s+Default\s+Prefer IPv4/);
    await t.waitForLastLine('[]>');
    t.press('Up');
    await t.waitForLastLine('[]> list');
    t.press('C-u', 'Enter');
    await answer(t, 'ESA> ', 'quit');
    // Uncommitted changes: status 3, nothing written.
    expect(await t.waitForExit()).toBe(3);
    expect(committedDoc(home)).toBeNull();
  });

  it('Ctrl-D in a form ends the session as it does at an ESA prompt: pending changes are reported, status 3', async () => {
    // Ctrl-D made inquirer close its readline (and pause stdin) without settling the form: node then ran out
    // of work and exited with status 0, dropping the pending CLEAR without a word.
    const home = tempHome();
    const seeded = await runShell(script('destconfig', 'new', 'kept.example', ...SEED_NEW_ANSWERS, '', 'commit', 'seed', 'quit'), ['--home', home]);
    expect(seeded.code).toBe(0);
    const t = server.start(['--home', home, '--ui', 'form']);
    await answer(t, 'ESA> ', 'destconfig');
    await answer(t, '[]> ', 'clear');
    await t.waitFor('There are currently 0 entries configured.');
    await answer(t, '[]> ', 'new');
    await t.waitFor('? Domain to configure');
    t.type('a.example');
    t.press('Enter');
    await t.waitFor('? Set a concurrency limit for a.example?');
    t.press('C-d');
    await t.waitFor('the changes made in this session were not committed');
    expect(await t.waitForExit()).toBe(3);
    expect(JSON.stringify(committedDoc(home))).toContain('kept.example');
  });
});
