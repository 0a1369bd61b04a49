// The lookup index (src/table/lookup-index.ts), which findEntry and lookup() use on an EntryMap after
// enough lookups, must give the answers of the plain Map search, before and after the table changes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JournalledEntries } from '../../src/shell/destconfig/draft.js';
import { EntryMap } from '../../src/table/entry-map.js';
import { findEntry, lookup } from '../../src/table/lookup.js';
import { normaliseDestination } from '../../src/table/domain.js';
import { blankEntry, emptyTable, type DestEntry, type DestTable } from '../../src/table/types.js';

// Few labels, so that keys, parents and queries overlap often.
const label = fc.constantFrom('a', 'b', 'mail', 'x-y', 'example', 'org', 'c0');
const domain = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));
const key = fc.oneof(
  domain,
  domain.map((d) => `.${d}`),
  fc.constantFrom('[192.0.2.1]', '[2001:db8::1]', '[10.0.0.1]'),
);
const query = fc.oneof(
  domain,
  domain.map((d) => `user@${d}`),
  domain.map((d) => `User@${d.toUpperCase()}`),
  fc.constantFrom('u@[192.0.2.1]', 'u@192.0.2.1', '[2001:db8::1]', 'u@[IPv6:2001:DB8::1]', 'u@.a', 'nobody@', ''),
);

function entryFor(k: string, n: number): DestEntry {
  return { ...blankEntry(k), maxConcurrency: n };
}

/** The answer of the plain Map search: a table whose entries are a plain Map never uses the index. */
function plainAnswer(entries: Iterable<[string, DestEntry]>, q: string): string | null | undefined {
  const t: DestTable = { ...emptyTable(), entries: new Map(entries) };
  const r = lookup(t, q);
  return r === null ? undefined : r.matched;
}

/** Looks every query up often enough for the index to be built, checking each answer. */
function checkAll(t: DestTable, queries: string[]): void {
  for (let round = 0; round < 3; round++) {
    for (const q of queries) {
      const r = lookup(t, q);
      expect(r === null ? undefined : r.matched, q).toBe(plainAnswer(t.entries, q));
    }
  }
}

describe('lookup index', () => {
  it('answers as the Map search does, and is built after enough lookups', () => {
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 30 }), fc.array(query, { minLength: 40, maxLength: 60 }), (keys, queries) => {
        const t = emptyTable();
        keys.forEach((k, i) => t.entries.set(k, entryFor(k, i + 1)));
        checkAll(t, queries);
        // 120 or more lookups on at most 30 entries: past the threshold, so the index answered most of them.
        expect((t.entries as EntryMap).index).not.toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it('drops the index when the table changes (set, replace, delete, clear)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(key, { minLength: 1, maxLength: 20 }),
        fc.array(query, { minLength: 40, maxLength: 50 }),
        fc.array(fc.tuple(fc.constantFrom('set', 'delete', 'clear'), key), { minLength: 1, maxLength: 5 }),
        (keys, queries, changes) => {
          const t = emptyTable();
          keys.forEach((k, i) => t.entries.set(k, entryFor(k, i + 1)));
          checkAll(t, queries);
          for (const [op, k] of changes) {
            if (op === 'set') t.entries.set(k, entryFor(k, 100));
            else if (op === 'delete') t.entries.delete(keys[0] as string);
            else t.entries.clear();
            // Queries that name the changed key itself, so that a stale index would give the old answer.
            checkAll(t, [...queries, k.startsWith('[') ? `u@${k}` : `u@${k.replace(/^\./, 'sub.')}`]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a shell operation rolled back restores the answers (JournalledEntries)', () => {
    const t = emptyTable();
    const entries = new JournalledEntries([['example.org', entryFor('example.org', 1)], ['.org', entryFor('.org', 2)]]);
    t.entries = entries;
    const queries = Array.from({ length: 100 }, (_, i) => (i % 2 ? `u${i}@example.org` : `u${i}@mail.example.org`));
    checkAll(t, queries);
    expect(entries.index).not.toBeNull();
    entries.begin();
    entries.set('mail.example.org', entryFor('mail.example.org', 3));
    entries.delete('example.org');
    checkAll(t, queries);
    expect(lookup(t, 'u@example.org')?.matched).toBe('.org');
    entries.rollBack();
    checkAll(t, queries);
    expect(lookup(t, 'u@example.org')?.matched).toBe('example.org');
    expect(lookup(t, 'u@mail.example.org')?.matched).toBe('.org');
  });

  it('finds entries in a large table by exact key, by each parent level, and IP literals', () => {
    const t = emptyTable();
    for (let i = 0; i < 5000; i++) t.entries.set(`d${i}.example`, entryFor(`d${i}.example`, 1));
    for (let i = 0; i < 500; i++) t.entries.set(`.p${i}.example`, entryFor(`.p${i}.example`, 2));
    t.entries.set('.example', entryFor('.example', 3));
    t.entries.set('[192.0.2.7]', entryFor('[192.0.2.7]', 4));
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 5000; i++) {
        expect(findEntry(t, `d${i}.example`)?.destination).toBe(`d${i}.example`);
        expect(findEntry(t, `a.b.p${i % 500}.example`)?.destination).toBe(`.p${i % 500}.example`);
        expect(findEntry(t, `x${i}.example`)?.destination).toBe('.example');
        expect(findEntry(t, `x${i}.test`)).toBeNull();
      }
    }
    expect((t.entries as EntryMap).index).not.toBeNull();
    expect(findEntry(t, '[192.0.2.7]')?.destination).toBe('[192.0.2.7]');
    expect(findEntry(t, '[192.0.2.8]')).toBeNull();
    // A destination with more parent levels than the index takes is still answered (by the Map).
    const deep = `${'a.'.repeat(200)}p3.example`;
    expect(findEntry(t, deep)?.destination).toBe('.p3.example');
  });

  it('checks, places and hashes a recipient’s domain in one pass as the two-pass path does (near-plain and odd input)', () => {
    // Characters that reach every branch of findRecipientItem's check: plain ones, and each that must send
    // the recipient to the full normalisation (upper case, `_`, non-ASCII, space, brackets, a second `@`).
    const char = fc.constantFrom(...'abmx09-.', '-', '.', '@', 'A', '_', 'ü', ' ', '[', ']', ':');
    const odd = fc.array(char, { maxLength: 24 }).map((cs) => cs.join(''));
    const nearPlain = fc
      .tuple(fc.constantFrom('', 'u@', 'a@b@', '@'), fc.array(fc.oneof(label, fc.constantFrom('', '-a', 'a-', '0', '12', 'default', 'all', 'A', 'x'.repeat(63), 'x'.repeat(64))), { minLength: 1, maxLength: 4 }))
      .map(([local, ls]) => `${local}${ls.join('.')}`);
    const special = fc.constantFrom('u@default', 'u@all', 'u@a.default', 'u@1.2.3.4', 'u@bücher.example', 'u@B.Example', `u@${'a.'.repeat(130)}example`, `u@${'x'.repeat(250)}.org`, 'u@a.', 'u@.a', '');
    fc.assert(
      fc.property(fc.uniqueArray(key, { minLength: 1, maxLength: 20 }), fc.array(fc.oneof(odd, nearPlain, special, query), { minLength: 1, maxLength: 40 }), (keys, queries) => {
        const t = emptyTable();
        keys.forEach((k, i) => t.entries.set(k, entryFor(k, i + 1)));
        t.entries.set('xn--bcher-kva.example', entryFor('xn--bcher-kva.example', 99));
        for (let i = 0; i < 100; i++) lookup(t, `warm${i}@example.org`);
        expect((t.entries as EntryMap).index).not.toBeNull();
        for (const q of queries) expect(lookup(t, q), q).toEqual(lookup({ ...t, entries: new Map(t.entries) }, q));
      }),
      { numRuns: 1000 },
    );
  });

  it('finds long keys and non-ASCII recipients (IDN, compared as their A-label keys)', () => {
    const t = emptyTable();
    const long = `${'l'.repeat(60)}.${'m'.repeat(60)}.${'n'.repeat(60)}.example`;
    t.entries.set(long, entryFor(long, 1));
    t.entries.set(`.${long}`, entryFor(`.${long}`, 2));
    t.entries.set('xn--bcher-kva.example', entryFor('xn--bcher-kva.example', 3));
    for (let i = 0; i < 100; i++) lookup(t, `warm${i}@example.org`);
    expect((t.entries as EntryMap).index).not.toBeNull();
    expect(lookup(t, `u@${long}`)?.matched).toBe(long);
    expect(lookup(t, `u@a.${long}`)?.matched).toBe(`.${long}`);
    expect(lookup(t, `u@${long.slice(1)}`)?.matched).toBeNull();
    expect(lookup(t, 'u@bücher.example')?.matched).toBe('xn--bcher-kva.example');
    expect(lookup(t, 'u@BÜCHER.example')?.matched).toBe('xn--bcher-kva.example');
    expect(lookup(t, 'u@xn--bcher-kva.example')?.matched).toBe('xn--bcher-kva.example');
  });
});

describe('A-labels in recipients', () => {
  it('an invalid A-label is no destination, before and after the index is built, as recipientDestination says', () => {
    const t: DestTable = { ...emptyTable(), entries: new EntryMap([['.example', entryFor('.example', 7)]]) };
    for (let i = 0; i < 200; i++) {
      expect(lookup(t, 'u@xn--a.example'), `lookup ${i}`).toBeNull();
      expect(lookup(t, 'u@mail.xn--bcher-kva.example')?.matched, `lookup ${i}`).toBe('.example');
    }
    expect((t.entries as EntryMap).index).not.toBeNull();
  });

  it('the one-pass recipient check agrees with the Map search on names with A-label look-alikes', () => {
    const aceLabel = fc.constantFrom('xn--a', 'xn--bcher-kva', 'xn--', 'xn-', 'xnx--a', 'ab--c', 'x', 'example', 'a');
    const name = fc.array(aceLabel, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));
    const keys = fc.uniqueArray(fc.oneof(name, name.map((n) => `.${n}`)), { minLength: 1, maxLength: 10 });
    fc.assert(
      fc.property(keys, fc.array(fc.oneof(name, name.map((n) => `u@${n}`)), { minLength: 1, maxLength: 20 }), (present, queries) => {
        const valid = present.filter((k) => normaliseDestination(k).ok);
        const t: DestTable = { ...emptyTable(), entries: new EntryMap(valid.map((k, i) => [k, entryFor(k, i + 1)])) };
        checkAll(t, queries);
      }),
      { numRuns: 200 },
    );
  });
});
