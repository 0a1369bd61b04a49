// The table file is read an entry line at a time when it is in the store's own layout (src/store/read.ts).
// Whatever the text, the outcome must be the one a parse of the whole text gives: the same table, or the
// same error. The reference here is that whole-text parse, built from JSON.parse and docToTable.
import { readFile, writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { EntryMap } from '../../src/table/entry-map.js';
import { TableFileError, commitTable, loadTable, tablePath } from '../../src/store/index.js';
import { parseTableText } from '../../src/store/read.js';
import { docToTable } from '../../src/store/schema.js';
import { blankEntry, emptyTable, type DestTable } from '../../src/table/types.js';
import { freshHome, removeHomes } from './helpers/homes.js';
import { tableForRevision } from './helpers/tables.js';

afterAll(removeHomes);

type Outcome = { table: unknown } | { error: string };

function wholeTextParse(text: string): Outcome {
  if (text.trim() === '') return { error: 'the file is empty' };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { error: 'not valid JSON' };
  }
  try {
    return { table: docToTable(doc) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** JSON.parse's own account of the fault (what the store's message quotes, with a line and column). */
function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    return (err as Error).message.replace(/ in JSON at position \d+.*$/, '').replace(/ at position \d+.*$/, '');
  }
  return '';
}

function lineParse(text: string): Outcome {
  try {
    return { table: parseTableText(text) };
  } catch (err) {
    const message = (err as Error).message;
    return { error: message.startsWith('the file is not valid JSON') ? 'not valid JSON' : message };
  }
}

function sampleTable(): DestTable {
  const t = emptyTable();
  t.bounceProfiles = ['slow'];
  const a = blankEntry('a.example');
  a.tls = 'required';
  a.recipientLimit = { limit: 10, minutes: 5 };
  const b = blankEntry('.b.example');
  b.bounceProfile = 'slow';
  const c = blankEntry('c.example');
  c.maxConcurrency = 7;
  for (const e of [a, b, c]) t.entries.set(e.destination, e);
  return t;
}

/** The text the store writes for `table`. */
async function committedText(table: DestTable): Promise<string> {
  const home = await freshHome();
  await commitTable(home, table, { baseRevision: 0, comment: 'test', now: new Date('2026-02-03T04:05:06.000Z') });
  return readFile(tablePath(home), 'utf8');
}

describe('reading the table file line by line', () => {
  it('loads back what was committed, 0, 1 and several entries', async () => {
    for (const size of [0, 1, 3]) {
      const t = sampleTable();
      t.entries = new EntryMap([...t.entries].slice(0, size));
      const home = await freshHome();
      await commitTable(home, t, { baseRevision: 0, comment: 'c' });
      const loaded = await loadTable(home);
      expect(loaded.table).toEqual(t);
      expect(lineParse(await readFile(tablePath(home), 'utf8'))).toEqual(wholeTextParse(await readFile(tablePath(home), 'utf8')));
    }
  });

  it('gives the whole-text outcome for layouts edited by hand', async () => {
    const text = await committedText(sampleTable());
    const lines = text.split('\n');
    const open = lines.indexOf('  "entries": [');
    const edits: string[] = [
      text.replace(/}\n {2}\]/, '},\n  ]'), // trailing comma after the last entry
      text.replace('},\n', '}\n'), // missing comma between entries
      text.replace('},\n    {', '}, {'), // two entries on one line
      text.replace('},\n', '},\n\n'), // blank line between entries
      text.replace(/\n/g, '\r\n'), // CR LF line endings
      `\ufeff${text}`, // byte order mark
      text.replace('},\n    {', '},\n\u00a0   {'), // no-break space is not JSON whitespace
      text.replace('},\n    {', '},\n\t {'), // a tab is
      text.replace(/\n {2}\]\n}\n$/, '\n  ],\n  "entries": []\n}\n'), // a later "entries" key wins
      text.replace('{\n', '{\n  "entries": [1],\n'), // an earlier "entries" key loses
      text.replace(/}\n$/, '}\n}\n'), // text after the document
      text.replace(/}\n$/, '} \n\t\n'), // whitespace after the document
      text.replace(/\n}\n$/, '\n'), // the document not closed
      text.replace('"globals": {', '"globals": {\n  "entries": [\n'), // the opening line inside an object
      lines.slice(0, open + 2).join('\n'), // cut short after an entry
      [...lines.slice(0, open + 1), '    {"destination": "x.example"},', ...lines.slice(open + 1)].join('\n'), // a bad entry
      [...lines.slice(0, open + 1), lines[open + 1], ...lines.slice(open + 1)].join('\n'), // an entry twice
    ];
    for (const edited of edits) {
      expect(edited).not.toBe(text);
      expect(lineParse(edited)).toEqual(wholeTextParse(edited));
    }
  });

  it('gives the whole-text outcome after any small damage to the text', async () => {
    const text = await committedText(sampleTable());
    const pieces = ['', '\n', ',', ' ', ']', '}', '{', '"', '\r', '\t', '[', '1', 'x'];
    fc.assert(
      fc.property(
        fc.nat({ max: text.length }),
        fc.nat({ max: 3 }),
        fc.constantFrom(...pieces),
        (at, cut, insert) => {
          const edited = text.slice(0, at) + insert + text.slice(Math.min(text.length, at + cut));
          expect(lineParse(edited)).toEqual(wholeTextParse(edited));
        },
      ),
      { numRuns: 600 },
    );
  });

  it('reads a file of many chunks from disk, and reports damage past the first chunk as a whole-text parse does', async () => {
    const big = tableForRevision(3, 5000); // about 1.4 MB: several read chunks, lines cut across them
    const home = await freshHome();
    await commitTable(home, big, { baseRevision: 0, comment: 'big' });
    expect((await loadTable(home)).table).toEqual(big);
    const text = await readFile(tablePath(home), 'utf8');
    expect(text.length).toBeGreaterThan(1_000_000);
    const damaged = [
      text.replace(/}\n {2}\]/, '},\n  ]'), // trailing comma at the very end
      text.replace('"d4999.example"', '"D4999.example"'), // an entry near the end not in normal form
      text.replace('"d4000.example"', '"d4001.example"'), // a destination listed twice
    ];
    for (const edited of damaged) {
      await writeFile(tablePath(home), edited);
      const err = await loadTable(home).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TableFileError);
      const expected = wholeTextParse(edited);
      expect('error' in expected).toBe(true);
      if ('error' in expected && expected.error !== 'not valid JSON') expect((err as Error).message).toContain(expected.error);
      else expect((err as Error).message).toContain(`the file is not valid JSON (${jsonError(edited)}`);
    }
  });
});
