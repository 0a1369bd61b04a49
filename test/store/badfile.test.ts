// Hand-edited, damaged or newer files are reported with the file's name and what is wrong, and never
// replaced: neither loading nor committing touches them.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { TableFileError, commitTable, loadTable, tablePath } from '../../src/store/index.js';
import { blankEntry, emptyTable } from '../../src/table/types.js';
import { freshHome, removeHomes } from './helpers/homes.js';

afterAll(removeHomes);

/** A valid committed document, to spoil one part at a time. */
function goodDoc(): Record<string, unknown> {
  const t = emptyTable();
  return {
    schema: 1,
    revision: 4,
    committedAt: '2026-02-03T04:05:06.000Z',
    comment: 'ok',
    defaults: t.defaults,
    globals: t.globals,
    bounceProfiles: ['slow'],
    certificates: [],
    entries: [{ ...blankEntry('example.com'), tls: 'required' }],
  };
}

function spoilEntry(patch: Record<string, unknown>): Record<string, unknown> {
  const doc = goodDoc();
  doc.entries = [{ ...(doc.entries as object[])[0], ...patch }];
  return doc;
}

async function homeWith(text: string): Promise<string> {
  const home = await freshHome();
  await mkdir(home, { recursive: true });
  await writeFile(tablePath(home), text);
  return home;
}

describe('a table file that cannot be trusted', () => {
  it('a valid hand-written file loads', async () => {
    const home = await homeWith(JSON.stringify(goodDoc(), null, 2));
    const loaded = await loadTable(home);
    expect(loaded.revision).toBe(4);
    expect(loaded.table.entries.get('example.com')?.tls).toBe('required');
  });

  it.each<[string, string, RegExp]>([
    ['empty', '', /the file is empty/],
    ['truncated JSON', '{\n  "schema": 1,\n  "revision": 4', /not valid JSON \(Expected ',' or '}' after property value at line 3, column 16\)/],
    ['a syntax error', '{\n  "schema": 1,\n  "revision" 4\n}', /not valid JSON \(.* at line 3, column 14\)/],
    ['not an object', '[1, 2]', /the file must hold a JSON object/],
    ['no schema', JSON.stringify({ revision: 1 }), /has no "schema" number: it is not a destconfig table file/],
    ['a newer schema', JSON.stringify({ ...goodDoc(), schema: 2 }), /written by a newer destconfig \(table schema 2; this version reads schema 1\)\. Upgrade destconfig/],
    ['a bad schema', JSON.stringify({ ...goodDoc(), schema: 'one' }), /schema: must be a whole number/],
    ['a negative revision', JSON.stringify({ ...goodDoc(), revision: -1 }), /revision: must be a whole number, 0 or more \(found -1\)/],
    ['a bad commit time', JSON.stringify({ ...goodDoc(), committedAt: 'yesterday' }), /committedAt: must be a date and time/],
    ['a missing section', JSON.stringify({ ...goodDoc(), globals: undefined }), /the key "globals" is missing/],
    ['an unknown key', JSON.stringify({ ...goodDoc(), extra: true }), /unknown key "extra"/],
    ['a Default-row value out of range', JSON.stringify({ ...goodDoc(), defaults: { ...emptyTable().defaults, maxConcurrency: 1001 } }), /defaults\.maxConcurrency: must be an integer from 1 to 1,000 \(found 1001\)/],
    ['"default" in the Default row', JSON.stringify({ ...goodDoc(), defaults: { ...emptyTable().defaults, tls: 'default' } }), /defaults\.tls: must be one of "no", "preferred"/],
    ['an unknown TLS mode', JSON.stringify(spoilEntry({ tls: 'always' })), /entries\[0\] \("example\.com"\)\.tls: must be one of .* \(found "always"\); or "default"/],
    ['a recipient limit out of range', JSON.stringify(spoilEntry({ recipientLimit: { limit: 5, minutes: 61 } })), /recipientLimit: minutes must be an integer from 1 to 60 \(found 61\)/],
    ['a non-boolean', JSON.stringify(spoilEntry({ bounceVerification: 'yes' })), /bounceVerification: must be true or false/],
    ['an invalid destination', JSON.stringify(spoilEntry({ destination: 'exa mple.com' })), /entries\[0\] \("exa mple.com"\): Invalid destination "exa mple.com": it must not contain spaces/],
    ['a destination not in normal form', JSON.stringify(spoilEntry({ destination: 'Example.COM.' })), /not in normal form; write it as "example\.com"/],
    ['a duplicate destination', JSON.stringify({ ...goodDoc(), entries: [blankEntry('a.example'), blankEntry('a.example')] }), /entries\[1\] \("a\.example"\): the destination is listed twice/],
    ['a missing entry field', JSON.stringify(spoilEntry({ dane: undefined })), /entries\[0\] \("example\.com"\): the key "dane" is missing/],
    ['an undefined bounce profile', JSON.stringify(spoilEntry({ bounceProfile: 'fast' })), /names the bounce profile "fast", which is neither "Default" nor one of "bounceProfiles"/],
    ['a listed "Default" profile', JSON.stringify({ ...goodDoc(), bounceProfiles: ['Default'] }), /bounceProfiles\[0\]: "Default" is reserved/],
    ['an unknown global certificate', JSON.stringify({ ...goodDoc(), globals: { ...emptyTable().globals, certificate: 'ours' } }), /globals\.certificate: names the certificate profile "ours"/],
    ['a duplicate certificate profile', JSON.stringify({ ...goodDoc(), certificates: [{ name: 'a', certFile: 'c', keyFile: 'k' }, { name: 'a', certFile: 'c', keyFile: 'k' }] }), /certificates\[1\]\.name: "a" is already used/],
  ])('%s: refused with the file name and the fault, left unchanged by load and commit', async (_label, text, fault) => {
    const home = await homeWith(text);
    const file = tablePath(home);
    const err = await loadTable(home).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TableFileError);
    expect((err as TableFileError).file).toBe(file);
    expect((err as Error).message.startsWith(`${file}: `)).toBe(true);
    expect((err as Error).message).toMatch(fault);
    expect((err as Error).message).toMatch(/The file was left unchanged/);
    // A commit must not paper over it either, whatever base revision it claims.
    for (const baseRevision of [0, 4]) {
      await expect(commitTable(home, emptyTable(), { baseRevision, comment: '' })).rejects.toBeInstanceOf(TableFileError);
    }
    expect(await readFile(file, 'utf8')).toBe(text);
  });
});
