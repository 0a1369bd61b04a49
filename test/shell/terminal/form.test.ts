// The form mode: NEW, EDIT, DEFAULT and SETUP as inquirer forms, driven with @inquirer/testing (the real
// prompts, rendered on a virtual screen that the test reads and types into). Each form runs through the
// menu's entry point (FORM_OPERATIONS) with a real prompt layer, so the session readline is closed for the
// form and must read lines again after it.
import { screen } from '@inquirer/testing/vitest';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Interrupted } from '../../../src/shell/errors.js';
import { FORM_OPERATIONS } from '../../../src/shell/form/index.js';
import { Prompter } from '../../../src/shell/prompt.js';
import { blankEntry, emptyTable, type DestTable } from '../../../src/table/types.js';
import { runShell, tempHome } from '../run.js';

/** A prompt layer whose input the test feeds after the form, and whose output it reads. */
function session(table: DestTable = emptyTable()) {
  const input = new PassThrough();
  // A terminal: the form releases it (Prompter.withTerminalReleased works on a terminal only).
  const output = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
  let out = '';
  output.on('data', (b: Buffer) => (out += b.toString('utf8')));
  const p = new Prompter({ input, output, errorOutput: new PassThrough(), interactive: true });
  return { p, input, ctx: { p, table, home: tempHome(), hostname: 'ESA' }, out: () => out };
}

/** Waits until the form shows `text` (the prompts render asynchronously after a key). */
async function shows(text: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const now = screen.getScreen();
    if (now.includes(text)) return now;
    await Promise.race([screen.next(), new Promise((r) => setTimeout(r, 50))]);
  }
  throw new Error(`the form never showed ${JSON.stringify(text)}; screen:\n${screen.getScreen()}`);
}

async function answer(text: string, typed: string): Promise<void> {
  await shows(text);
  if (typed) screen.type(typed);
  screen.keypress('enter');
}

async function pick(text: string, downs: number): Promise<void> {
  await shows(text);
  for (let i = 0; i < downs; i++) screen.keypress('down');
  screen.keypress('enter');
}

describe('NEW as a form', () => {
  it('asks every setting, validates with the table rules, and stores the entry', async () => {
    const s = session();
    const done = FORM_OPERATIONS.NEW!(s.ctx);
    await answer('Domain to configure', 'not a domain');
    expect(await shows('Invalid destination')).toContain('it must not contain spaces');
    for (let i = 0; i < 'not a domain'.length; i++) screen.keypress('backspace');
    await answer('Domain to configure', 'Example.COM.');
    await answer('Set a concurrency limit for example.com?', ''); // default Yes, as NEW's [Y]
    await answer('Maximum concurrent connections to example.com', '0');
    expect(await shows('Value must be an integer from 1 to 1,000.')).toBeTruthy();
    screen.keypress('backspace');
    screen.type('20');
    screen.keypress('enter');
    await answer('messages-per-connection', 'n');
    await answer('Set a recipient limit?', 'y');
    await answer('Minutes over which recipients are counted', '');
    await answer('Maximum recipients per 60 minutes for example.com', '1,000');
    await pick('Apply the limits of example.com per', 1); // Each mail exchanger IP address
    await pick('Count the limits', 0); // System Wide
    const tls = await shows('TLS support');
    expect(tls).toContain("Use the Default row's setting (No)");
    expect(tls).toContain('Required - Verify Hosted Domains');
    await pick('TLS support', 3); // Default row, No, Preferred, Required
    await pick('Bounce verification address tagging', 1); // Yes
    await pick('Bounce profile', 2); // Default row, Default bounce profile, New profile...
    await answer('Name of the new bounce profile', '9bad');
    expect(await shows('must start with a letter')).toBeTruthy();
    for (let i = 0; i < 4; i++) screen.keypress('backspace');
    screen.type('strict_bounces');
    screen.keypress('enter');
    await pick('IP address preference', 0); // the Default row's
    await done;

    expect(s.ctx.table.entries.get('example.com')).toEqual({
      ...blankEntry('example.com'),
      maxConcurrency: 20,
      recipientLimit: { limit: 1000, minutes: 60 },
      limitType: 'mxip',
      limitApply: 'system',
      tls: 'required',
      bounceVerification: true,
      bounceProfile: 'strict_bounces',
    });
    expect(s.ctx.table.bounceProfiles).toEqual(['strict_bounces']);
    expect(s.out()).toContain("Please use the 'certconfig' command");
    expect(s.out()).toContain('example.com\n    IP Address Preference: Default (IPv6 Preferred)');

    // The session readline was reopened: the prompt layer reads the next line.
    const next = s.p.ask('[]> ');
    s.input.write('list\n');
    expect(await next).toBe('list');
    s.p.close();
  });

  it('Ctrl-C abandons the form as Interrupted, leaves the table alone, and the prompt layer reads again', async () => {
    const s = session();
    const done = FORM_OPERATIONS.NEW!(s.ctx);
    await answer('Domain to configure', 'example.org');
    await shows('Set a concurrency limit');
    screen.keypress({ name: 'c', ctrl: true });
    await expect(done).rejects.toBeInstanceOf(Interrupted);
    expect(s.ctx.table.entries.size).toBe(0);
    const next = s.p.ask('[]> ');
    s.input.write('\n');
    expect(await next).toBe('');
    s.p.close();
  });
});

describe('EDIT as a form', () => {
  it('offers the entries, starts from their values, and keeps what is not changed', async () => {
    const table = emptyTable();
    table.entries.set('a.example', { ...blankEntry('a.example'), tls: 'preferred' });
    table.entries.set('b.example', { ...blankEntry('b.example'), maxMessagesPerConnection: 7, ipSortPref: 'REQUIRE_V4' });
    const s = session(table);
    const done = FORM_OPERATIONS.EDIT!(s.ctx);
    const list = await shows('Entry to edit');
    expect(list).toContain('a.example');
    expect(list).toContain('b.example');
    await pick('Entry to edit', 1);
    await answer('Set a concurrency limit for b.example?', ''); // EDIT: No, the entry has none
    await answer('messages-per-connection', ''); // Yes: it has one
    await answer('Maximum messages per connection to b.example (7)', '');
    await answer('Set a recipient limit?', '');
    await pick('TLS support', 0);
    await pick('Bounce verification address tagging', 0);
    await pick('Bounce profile', 0);
    const ip = await shows('IP address preference');
    expect(ip).toMatch(/❯ IPv4 Required/);
    screen.keypress('up');
    screen.keypress('up');
    screen.keypress('enter'); // IPv6 Required (the list is IPv6 Preferred, IPv6 Required, IPv4 Preferred, IPv4 Required)
    await done;
    expect(s.ctx.table.entries.get('b.example')).toEqual({ ...blankEntry('b.example'), maxMessagesPerConnection: 7, ipSortPref: 'REQUIRE_V6' });
    expect(s.ctx.table.entries.get('a.example')?.tls).toBe('preferred');
    s.p.close();
  });

  it('says so when there is no entry to edit', async () => {
    const s = session();
    await FORM_OPERATIONS.EDIT!(s.ctx);
    expect(s.out()).toContain('There are no entries to edit.');
    s.p.close();
  });
});

describe('a new bounce profile named in a form', () => {
  // The ESA dialogue keeps one spelling per profile, case-insensitively, and reads "default" as the system
  // profile Default (field-questions.ts); the form must store the same, not an entry that inherits.
  it('"default" is the Default profile; "slow" after "Slow" is that profile', async () => {
    const table = emptyTable();
    table.bounceProfiles.push('Slow');
    table.entries.set('a.example', blankEntry('a.example'));
    for (const [typed, stored] of [['default', 'Default'], ['slow', 'Slow']] as const) {
      const s = session(table);
      const done = FORM_OPERATIONS.EDIT!(s.ctx);
      await pick('Entry to edit', 0);
      await answer('Set a concurrency limit for a.example?', '');
      await answer('messages-per-connection', '');
      await answer('Set a recipient limit?', '');
      await pick('TLS support', 0);
      await pick('Bounce verification address tagging', 0);
      await pick('Bounce profile', 3); // Default row, Default bounce profile, Slow, New profile...
      await answer('Name of the new bounce profile', typed);
      await pick('IP address preference', 0);
      await done;
      expect(s.ctx.table.entries.get('a.example')?.bounceProfile).toBe(stored);
      expect(s.ctx.table.bounceProfiles).toEqual(['Slow']);
      s.p.close();
    }
  });
});

describe('DEFAULT and SETUP as forms', () => {
  it('DEFAULT asks the Default row directly; DANE is asked once SETUP enabled it', async () => {
    const s = session();
    const setup = FORM_OPERATIONS.SETUP!(s.ctx);
    const certs = await shows('Certificate for outbound TLS connections');
    expect(certs).toContain('Demo');
    screen.keypress('enter');
    await answer('Send an alert when a required TLS connection fails?', 'y');
    await answer('Enable DANE support for outbound delivery?', 'y');
    await setup;
    expect(s.ctx.table.globals).toEqual({ certificate: 'Demo', alertOnRequiredTlsFailure: true, daneEnabled: true });

    const dflt = FORM_OPERATIONS.DEFAULT!(s.ctx);
    await answer('Default maximum concurrent connections (500)', '');
    await answer('Default maximum messages per connection (50)', '');
    await answer('Set a default recipient limit?', '');
    await pick('Apply the limits of destinations without their own per', 0);
    await pick('Count the limits', 1);
    const tls = await shows('Default TLS support');
    expect(tls).not.toContain("Default row's setting");
    screen.keypress('down');
    screen.keypress('enter'); // Preferred
    await pick('Default DANE support', 1); // Opportunistic
    await answer('Perform bounce verification address tagging by default?', '');
    await pick('Default bounce profile', 0);
    await pick('Default IP address preference', 2); // IPv4 Preferred
    await dflt;
    expect(s.ctx.table.defaults).toEqual({
      ...emptyTable().defaults,
      limitApply: 'vg',
      tls: 'preferred',
      dane: 'opportunistic',
      ipSortPref: 'PREFER_V4',
    });
    expect(s.ctx.table.entries.size).toBe(0);
    s.p.close();
  });
});

describe('--ui form on a pipe', () => {
  it('is refused with a clear message and status 2, before anything runs', async () => {
    const home = tempHome();
    const r = await runShell('destconfig\n', ['--home', home, '--ui', 'form']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'destconfig: --ui form needs a terminal, but standard input is not one (piped or redirected). Scripts use the ESA dialogue: leave out --ui form.\n',
    );
  });

  it('--ui with another value is a usage error', async () => {
    const r = await runShell('', ['--home', tempHome(), '--ui', 'wizard']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--ui must be "esa" or "form", not "wizard"');
  });
});
