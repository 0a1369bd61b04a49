// Tab completion: the sources (what each prompt offers) and the prompt layer's completer on a terminal,
// where the question being asked decides what Tab completes.
import { describe, expect, it } from 'vitest';
import { commandCompletion, completeWord, destinationCompletion, operationCompletion } from '../../../src/shell/complete.js';
import { blankEntry, emptyTable } from '../../../src/table/types.js';
import { fakeTerminal, settle } from './streams.js';

const OPS = ['SETUP', 'NEW', 'EDIT', 'DELETE', 'DEFAULT', 'LIST', 'DETAIL', 'CLEAR', 'IMPORT', 'EXPORT'];

function tableWith(...destinations: string[]) {
  const t = emptyTable();
  for (const d of destinations) t.entries.set(d, blankEntry(d));
  return t;
}

describe('completion sources', () => {
  const commands = commandCompletion(['destconfig', 'commit', 'clearchanges', 'help'], ['commit', 'NEW', 'TLS']);
  const operations = operationCompletion(OPS, [...OPS, 'TLS']);

  it('completes the first word only, ignoring case and keeping the case typed', () => {
    expect(completeWord('dest', commands)).toEqual([['destconfig'], 'dest']);
    expect(completeWord('c', commands)).toEqual([['commit', 'clearchanges'], 'c']);
    expect(completeWord('ne', operations)).toEqual([['new'], 'ne']);
    expect(completeWord('NE', operations)).toEqual([['NEW'], 'NE']);
    expect(completeWord('', operations)[0]).toEqual([...OPS, 'HELP']);
    expect(completeWord('de', operations)).toEqual([['delete', 'default', 'detail'], 'de']);
    expect(completeWord('destconfig x', commands)).toEqual([[], 'x']);
    expect(completeWord('zzz', commands)).toEqual([[], 'zzz']);
  });

  it('offers the help topics after help', () => {
    expect(completeWord('help t', commands)).toEqual([['tls'], 't']);
    expect(completeWord('help ', operations)[0]).toEqual([...OPS, 'TLS']);
    expect(completeWord('HELP DEL', operations)).toEqual([['DELETE'], 'DEL']);
    expect(completeWord('help new x', operations)).toEqual([[], 'x']);
  });

  it('offers the destinations of the table in LIST order, then the extra words', () => {
    const t = tableWith('mail.example.org', 'example.com', '[192.0.2.1]', '.example.com');
    const dests = destinationCompletion(t, ['default', 'all']);
    expect(completeWord('', dests)[0]).toEqual(['example.com', '.example.com', 'mail.example.org', '[192.0.2.1]', 'default', 'all']);
    expect(completeWord('ex', dests)).toEqual([['example.com'], 'ex']);
    expect(completeWord('.', dests)).toEqual([['.example.com'], '.']);
    expect(completeWord('[1', dests)).toEqual([['[192.0.2.1]'], '[1']);
    // A later change to the table is seen: the source reads it when Tab is pressed.
    t.entries.set('example.net', blankEntry('example.net'));
    expect(completeWord('example.n', dests)).toEqual([['example.net'], 'example.n']);
  });

  it('offers nothing where the question gives no source', () => {
    expect(completeWord('y', null)).toEqual([[], 'y']);
  });
});

describe('the prompt layer on a terminal', () => {
  it('completes from the source of the question being asked, and only there', async () => {
    const t = fakeTerminal();
    const ops = operationCompletion(OPS, OPS);
    const answer = t.p.ask('[]> ', ops);
    t.type('ne\t');
    await settle();
    t.type('\r');
    expect(await answer).toBe('new');

    // A question without a source: Tab completes nothing and inserts nothing.
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
    const answer = t.p.ask('[]> ', operationCompletion(OPS, OPS));
    t.type('\t');
    await settle();
    t.type('\r');
    expect(await answer).toBe('new');
    t.p.close();
  });

  it('lists the candidates on a second Tab when several match', async () => {
    const t = fakeTerminal();
    const answer = t.p.ask('[]> ', operationCompletion(OPS, OPS));
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
