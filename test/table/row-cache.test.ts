// lookup() on an indexed table returns cached, shared rows (src/table/row-cache.ts). Whatever changes
// after the rows were cached (the Default row replaced or changed in place, an entry changed in place, a
// shell operation rolled back), every answer must be the one a fresh search of a plain Map gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { beginDraft } from '../../src/shell/destconfig/draft.js';
import type { EntryMap } from '../../src/table/entry-map.js';
import { lookup, type EffectiveRow } from '../../src/table/lookup.js';
import { blankEntry, DEFAULT, emptyTable, factoryDefaults, type DefaultRow, type DestEntry, type DestTable } from '../../src/table/types.js';

const label = fc.constantFrom('a', 'b', 'mail', 'x-y', 'example', 'org');
const domain = fc.array(label, { minLength: 1, maxLength: 3 }).map((ls) => ls.join('.'));
const key = fc.oneof(domain, domain.map((d) => `.${d}`), fc.constantFrom('[192.0.2.1]', '[2001:db8::1]'));
const query = fc.oneof(domain.map((d) => `u@${d}`), domain, fc.constantFrom('u@[192.0.2.1]', 'u@192.0.2.1', 'u@[IPv6:2001:DB8::1]'));

// Field values an entry may set (or DEFAULT) and values of the Default row, as generators.
const entryFields = fc.record({
  tls: fc.constantFrom(DEFAULT, 'no', 'preferred', 'required'),
  maxConcurrency: fc.constantFrom(DEFAULT, 1, 10, 500),
  recipientLimit: fc.constantFrom(DEFAULT, { limit: 5, minutes: 1 }, { limit: 500, minutes: 60 }),
  bounceVerification: fc.constantFrom(DEFAULT, true, false),
  limitType: fc.constantFrom(DEFAULT, 'domain', 'mxip'),
});
const defaultsChange = fc.record({
  tls: fc.constantFrom('no', 'preferred', 'required_verify'),
  maxConcurrency: fc.integer({ min: 1, max: 1000 }),
  recipientLimit: fc.constantFrom(null, { limit: 5, minutes: 1 }, { limit: 7, minutes: 30 }),
  bounceVerification: fc.boolean(),
});

function entryWith(k: string, fields: Partial<DestEntry>): DestEntry {
  // Fresh recipient-limit objects, so that no two entries share one.
  const limit = fields.recipientLimit;
  return { ...blankEntry(k), ...fields, recipientLimit: limit && limit !== DEFAULT ? { ...limit } : DEFAULT } as DestEntry;
}

/** The answer of a fresh search: the same entries in a plain Map (never indexed) and the same Default row. */
function freshAnswer(t: DestTable, q: string): EffectiveRow | null {
  return lookup({ ...t, entries: new Map(t.entries) }, q);
}

/** Looks every query up often enough for the index to be built and rows cached, checking every answer. */
function checkAll(t: DestTable, queries: string[], rounds = 3): void {
  for (let round = 0; round < rounds; round++) {
    for (const q of queries) expect(lookup(t, q), q).toEqual(freshAnswer(t, q));
  }
}

function indexed(t: DestTable): boolean {
  return (t.entries as EntryMap).index !== null;
}

describe('cached rows', () => {
  it('answer as a fresh search does, whole rows, after the Default row is replaced or changed in place', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(key, entryFields), { minLength: 1, maxLength: 15, selector: ([k]) => k }),
        fc.array(query, { minLength: 40, maxLength: 50 }),
        fc.array(fc.tuple(fc.constantFrom('replace', 'in place', 'limit in place'), defaultsChange), { minLength: 1, maxLength: 4 }),
        (entries, queries, changes) => {
          const t = emptyTable();
          for (const [k, fields] of entries) t.entries.set(k, entryWith(k, fields as Partial<DestEntry>));
          checkAll(t, queries);
          expect(indexed(t)).toBe(true);
          for (const [how, generated] of changes) {
            // A copy: the generator's recipient-limit objects must not be changed in place.
            const change = { ...generated, recipientLimit: generated.recipientLimit && { ...generated.recipientLimit } };
            if (how === 'replace') t.defaults = { ...t.defaults, ...change };
            else if (how === 'in place') Object.assign(t.defaults, change);
            else if (t.defaults.recipientLimit) t.defaults.recipientLimit.limit += 1;
            else t.defaults.recipientLimit = { limit: 1, minutes: 1 };
            checkAll(t, queries, 1);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('freeze an entry once its row is cached, so that it cannot go stale; replacing it through the map works', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(key, entryFields), { minLength: 1, maxLength: 15, selector: ([k]) => k }),
        fc.array(query, { minLength: 40, maxLength: 50 }),
        fc.array(fc.tuple(fc.nat(), entryFields), { minLength: 1, maxLength: 4 }),
        (entries, queries, changes) => {
          const t = emptyTable();
          for (const [k, fields] of entries) t.entries.set(k, entryWith(k, fields as Partial<DestEntry>));
          checkAll(t, queries);
          for (const [which, fields] of changes) {
            const e = [...t.entries.values()][which % t.entries.size] as DestEntry;
            const own = e.destination.startsWith('.') ? `u@sub${e.destination}` : `u@${e.destination}`;
            const before = lookup(t, own);
            // Its row is cached now (the table is indexed and `own` hit it): the entry is frozen.
            expect(indexed(t) && Object.isFrozen(e)).toBe(true);
            expect(() => Object.assign(e, fields)).toThrow(TypeError);
            expect(lookup(t, own)).toEqual(before);
            t.entries.set(e.destination, entryWith(e.destination, fields as Partial<DestEntry>));
            checkAll(t, [...queries, own]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('leaves entries alone while the table has no index, and a recipient limit object changed inside shows through', () => {
    const t = emptyTable();
    const e = entryWith('example.org', { recipientLimit: { limit: 5, minutes: 1 } });
    t.entries.set('example.org', e);
    lookup(t, 'u@example.org');
    e.tls = 'required';
    expect(lookup(t, 'u@example.org')?.tls).toEqual({ value: 'required', source: 'entry' });
    for (let i = 0; i < 100; i++) lookup(t, `u${i}@example.org`);
    expect(indexed(t)).toBe(true);
    expect(Object.isFrozen(e)).toBe(true);
    // The row holds the entry's own limit object, as effectiveRow's rows do.
    (e.recipientLimit as { limit: number }).limit = 9;
    expect(lookup(t, 'u@example.org')?.recipientLimit.value).toEqual({ limit: 9, minutes: 1 });
    expect(lookup(t, 'u@example.org')).toEqual(freshAnswer(t, 'u@example.org'));
  });

  it('a shell operation that replaced the Default row and entries, rolled back, gives the old answers', () => {
    const t = emptyTable();
    t.entries.set('example.org', entryWith('example.org', { tls: 'required' }));
    t.entries.set('.org', entryWith('.org', { maxConcurrency: 3 }));
    const queries = Array.from({ length: 150 }, (_, i) => [`u${i}@example.org`, `u${i}@mail.example.org`, `u${i}@other.net`][i % 3] as string);
    checkAll(t, queries);
    const before = queries.map((q) => lookup(t, q));
    const draft = beginDraft(t);
    checkAll(t, queries);
    t.defaults = { ...t.defaults, tls: 'preferred', maxConcurrency: 7 };
    t.entries.set('mail.example.org', entryWith('mail.example.org', { tls: 'no' }));
    checkAll(t, queries);
    expect(lookup(t, 'u@other.net')?.tls).toEqual({ value: 'preferred', source: 'default' });
    draft.rollBack();
    checkAll(t, queries);
    expect(queries.map((q) => lookup(t, q))).toEqual(before);
  });

  it('returns frozen rows, so that no caller can change the answer another lookup gets', () => {
    const t = emptyTable();
    t.entries.set('example.org', entryWith('example.org', { tls: 'required' }));
    for (let i = 0; i < 100; i++) lookup(t, `u${i}@example.org`);
    expect(indexed(t)).toBe(true);
    for (const q of ['u@example.org', 'u@example.net']) {
      const row = lookup(t, q) as EffectiveRow;
      expect(Object.isFrozen(row)).toBe(true);
      for (const v of Object.values(row)) if (v !== null && typeof v === 'object') expect(Object.isFrozen(v)).toBe(true);
      expect(() => {
        (row as { matched: string | null }).matched = 'x';
      }).toThrow(TypeError);
      expect(() => {
        (row.tls as { value: string }).value = 'no';
      }).toThrow(TypeError);
    }
    expect(lookup(t, 'u@example.org')?.tls).toEqual({ value: 'required', source: 'entry' });
    expect(lookup(t, 'u@example.net')?.tls).toEqual({ value: factoryDefaults().tls, source: 'default' });
  });

  it('an entry value equal to the Default row’s is still reported as the entry’s own', () => {
    const t = emptyTable();
    const d: DefaultRow = t.defaults;
    t.entries.set('example.org', entryWith('example.org', { tls: d.tls, maxConcurrency: d.maxConcurrency }));
    for (let i = 0; i < 100; i++) lookup(t, `u${i}@example.org`);
    expect(lookup(t, 'u@example.org')?.tls).toEqual({ value: d.tls, source: 'entry' });
    expect(lookup(t, 'u@a.example.org')?.tls).toEqual({ value: d.tls, source: 'default' });
  });
});
