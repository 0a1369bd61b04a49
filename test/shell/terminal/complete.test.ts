// Tab completion: the sources (what each prompt offers) and the prompt layer's completer on a terminal,
// where the question being asked decides what Tab completes.
import { describe, expect, it } from 'vitest';
import { completeTypedTabs, completeWord, destinationWords, worthRecalling } from '../../../src/shell/complete.js';
import { blankEntry, emptyTable } from '../../../src/table/types.js';
import { fakeTerminal, settle } from './streams.js';

const OPS = ['SETUP', 'NEW', 'EDIT', 'DELETE', 'DEFAULT', 'LIST', 'DETAIL', 'CLEAR', 'IMPORT', 'EXPORT'];
const MENU_WORDS = [...OPS, 'HELP'];
const COMMANDS = ['destconfig', 'commit', 'clearchanges', 'tlsverify', 'help', 'quit', 'exit'];

function tableWith(...destinations: string[]) {
  const t = emptyTable();
  for (const d of destinations) t.entries.set(d, blankEntry(d));
  return t;
}

describe('completion of a question\'s words', () => {
  it('completes the first word only, ignoring case and keeping the case typed', () => {
    expect(completeWord('dest', COMMANDS)).toEqual([['destconfig'], 'dest']);
    expect(completeWord('c', COMMANDS)).toEqual([['commit', 'clearchanges'], 'c']);
    expect(completeWord('ne', MENU_WORDS)).toEqual([['new'], 'ne']);
    expect(completeWord('NE', MENU_WORDS)).toEqual([['NEW'], 'NE']);
    expect(completeWord('', MENU_WORDS)[0]).toEqual(MENU_WORDS);
    expect(completeWord('de', MENU_WORDS)).toEqual([['delete', 'default', 'detail'], 'de']);
    expect(completeWord('destconfig x', COMMANDS)).toEqual([[], 'x']);
    expect(completeWord('zzz', COMMANDS)).toEqual([[], 'zzz']);
    expect(completeWord('', ['Y', 'N'])).toEqual([['Y', 'N'], '']);
    expect(completeWord('y', [])).toEqual([[], 'y']);
  });

  it('offers the help topics after help, where the question offers help', () => {
    expect(completeWord('help t', COMMANDS)).toEqual([['tlsverify', 'tls'], 't']);
    expect(completeWord('help ne', COMMANDS)).toEqual([['new'], 'ne']);
    expect(completeWord('help ', MENU_WORDS)[0]).toEqual([...OPS, 'TLS']);
    expect(completeWord('HELP DEL', MENU_WORDS)).toEqual([['DELETE'], 'DEL']);
    expect(completeWord('? cl', MENU_WORDS)).toEqual([['clear'], 'cl']);
    expect(completeWord('help new x', MENU_WORDS)).toEqual([[], 'x']);
    // A question without help (a destination prompt) completes nothing after a first word.
    expect(completeWord('help e', ['example.com'])).toEqual([[], 'e']);
  });

  it('offers the destinations of the table in LIST order, then the extra words', () => {
    const t = tableWith('mail.example.org', 'example.com', '[192.0.2.1]', '.example.com');
    const words = destinationWords(t, ['default', 'all']);
    expect(words).toEqual(['example.com', '.example.com', 'mail.example.org', '[192.0.2.1]', 'default', 'all']);
    expect(completeWord('ex', words)).toEqual([['example.com'], 'ex']);
    expect(completeWord('.', words)).toEqual([['.example.com'], '.']);
    expect(completeWord('[1', words)).toEqual([['[192.0.2.1]'], '[1']);
  });

  it('completes an IP entry from the address typed without its brackets, as DELETE and EDIT accept it', () => {
    const words = destinationWords(tableWith('[192.0.2.1]', '[192.0.2.7]', '[2001:db8::1]', '1.example'));
    expect(completeWord('192.0.2.7', words)).toEqual([['[192.0.2.7]'], '192.0.2.7']);
    expect(completeWord('192', words)).toEqual([['[192.0.2.1]', '[192.0.2.7]'], '192']);
    expect(completeWord('2001:db8', words)).toEqual([['[2001:db8::1]'], '2001:db8']);
    expect(completeWord('1', words)).toEqual([['1.example', '[192.0.2.1]', '[192.0.2.7]'], '1']);
    expect(completeTypedTabs('192\t', words)).toBe('[192.0.2.');
  });

  it('keeps in history what answers a command, operation or destination question only', () => {
    expect(worthRecalling(COMMANDS)).toBe(true);
    expect(worthRecalling(MENU_WORDS)).toBe(true);
    expect(worthRecalling(['example.com', 'default', 'all'])).toBe(true);
    expect(worthRecalling(['Y', 'N'])).toBe(false);
    expect(worthRecalling(['1', '2', '3', '4', '5', '6'])).toBe(false);
    expect(worthRecalling([])).toBe(false);
  });
});

describe('the prompt layer on a terminal', () => {
  it('completes from the source of the question being asked, and only there', async () => {
    const t = fakeTerminal();
    const answer = t.p.ask('[]> ', MENU_WORDS);
    t.type('ne\t');
    await settle();
    t.type('\r');
    expect(await answer).toBe('new');

    // A question without words (free text): Tab completes nothing and inserts nothing.
    const plain = t.p.ask('Question? [N]> ');
    t.type('ne\t');
    await settle();
    t.type('\r');
    expect(await plain).toBe('ne');
    t.p.close();
  });

  it('completes keys typed ahead of the prompt: the cursor stays after them', async () => {
    const t = fakeTerminal();
    t.type('ne');
    await settle();
    const answer = t.p.ask('[]> ', MENU_WORDS);
    t.type('\t');
    await settle();
    t.type('\r');
    expect(await answer).toBe('new');
    t.p.close();
  });

  it('completes a Tab that arrives in one read with the keys around it (fast typing on a busy machine, tmux send-keys)', async () => {
    // Node's readline takes a Tab that is not the last key of a read as a literal tab (paste support), so
    // `dest` Tab Enter in one read used to run "dest": "Unknown command".
    const t = fakeTerminal();
    const command = t.p.ask('ESA> ', COMMANDS);
    t.type('dest\t\r');
    expect(await command).toBe('destconfig');

    const op = t.p.ask('[]> ', MENU_WORDS);
    t.type('NE\t\r');
    expect(await op).toBe('NEW');

    // Several candidates: as far as they agree, as the Tab key does.
    const partial = t.p.ask('[]> ', MENU_WORDS);
    t.type('imp\t\r');
    expect(await partial).toBe('import');
    expect(completeTypedTabs('dele\t', MENU_WORDS)).toBe('delete');
    expect(completeTypedTabs('EXP\t', MENU_WORDS)).toBe('EXPORT');
    expect(completeTypedTabs('d\t', ['delete', 'detail'])).toBe('de');

    // A tab that completes nothing stays, so pasted text keeps its blanks.
    const pasted = t.p.ask('ESA> ', COMMANDS);
    t.type('help\tnew\r');
    expect(await pasted).toBe('help\tnew');

    const dest = t.p.ask('[]> ', destinationWords(tableWith('partner.example.net', 'example.com')));
    t.type('pa\t\r');
    expect(await dest).toBe('partner.example.net');

    // Free text (no words to complete): the line is left as typed.
    const comment = t.p.ask('[]> ');
    t.type('a\tb\r');
    expect(await comment).toBe('a\tb');
    t.p.close();
  });

  it('lists the candidates on a second Tab when several match', async () => {
    const t = fakeTerminal();
    const answer = t.p.ask('[]> ', MENU_WORDS);
    t.type('de\t');
    await settle();
    t.type('\t');
    await settle();
    expect(t.screen()).toMatch(/delete\s+default\s+detail/);
    t.type('t\t');
    await settle();
    t.type('\r');
    expect(await answer).toBe('detail');
    t.p.close();
  });
});
