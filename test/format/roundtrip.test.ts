// Round-trip properties on generated tables (fast-check): export -> import gives the same table, and
// export -> import -> export gives the same bytes apart from the time in the header. A second property
// re-spells an exported file the ways the format allows (case, number forms, the tls alias, order,
// comments, blanks) and checks that it still means the same table.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EntryMap } from '../../src/table/entry-map.js';
import { importTableBytes } from '../../src/format/read.js';
import { formatTable } from '../../src/format/write.js';
import { normaliseDestination } from '../../src/table/domain.js';
import {
  DANE_MODES,
  DEFAULT,
  IP_SORT_PREFS,
  TLS_MODES,
  type DefaultRow,
  type DestEntry,
  type DestTable,
} from '../../src/table/types.js';
import type { ImportedTable } from '../../src/format/build.js';

type FileTable = Pick<DestTable, 'defaults' | 'entries'>;

const PROFILES = ['partner_profile', 'Slow.Retry', '_x-1', 'Default'];
const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/).filter((l) => !/^[0-9]+$/.test(l));
const domain = fc.tuple(fc.array(label, { minLength: 1, maxLength: 3 }), fc.constantFrom('com', 'example', 'org', 'xn--bcher-kva'), fc.boolean()).map(
  ([labels, tld, parent]) => `${parent ? '.' : ''}${[...labels, tld].join('.')}`,
);
const destination = fc.oneof(domain, domain, fc.ipV4(), fc.ipV6()).map((raw) => {
  const r = normaliseDestination(raw);
  if (!r.ok) throw new Error(`generator made an invalid destination ${raw}: ${r.error}`);
  return r.value;
});
const orDefault = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | typeof DEFAULT> => fc.oneof(fc.constant(DEFAULT), arb);
const concurrency = fc.integer({ min: 1, max: 1000 });
const recipientLimit = fc.record({ limit: fc.integer({ min: 0, max: 1_000_000_000 }), minutes: fc.integer({ min: 1, max: 60 }) });
const limitType = fc.constantFrom('domain' as const, 'mxip' as const);
const limitApply = fc.constantFrom('system' as const, 'vg' as const);

const defaultRow: fc.Arbitrary<DefaultRow> = fc.record({
  ipSortPref: fc.constantFrom(...IP_SORT_PREFS),
  maxConcurrency: concurrency,
  maxMessagesPerConnection: concurrency,
  recipientLimit: fc.option(recipientLimit, { nil: null }),
  limitType,
  limitApply,
  tls: fc.constantFrom(...TLS_MODES),
  dane: fc.constantFrom(...DANE_MODES),
  bounceVerification: fc.boolean(),
  bounceProfile: fc.constantFrom(...PROFILES),
});

const entryFields = fc
  .record({
    ipSortPref: orDefault(fc.constantFrom(...IP_SORT_PREFS)),
    maxConcurrency: orDefault(concurrency),
    maxMessagesPerConnection: orDefault(concurrency),
    recipientLimit: orDefault(recipientLimit),
    limitType,
    limitApply,
    tls: orDefault(fc.constantFrom(...TLS_MODES)),
    dane: orDefault(fc.constantFrom(...DANE_MODES)),
    bounceVerification: orDefault(fc.boolean()),
    bounceProfile: orDefault(fc.constantFrom(...PROFILES)),
  })
  // The model's contract: how limits apply is set only with a concurrency or recipient limit.
  .map((f) => {
    const limited = f.maxConcurrency !== DEFAULT || f.recipientLimit !== DEFAULT;
    return { ...f, limitType: limited ? f.limitType : DEFAULT, limitApply: limited ? f.limitApply : DEFAULT };
  });

const table: fc.Arbitrary<FileTable> = fc
  .tuple(defaultRow, fc.uniqueArray(fc.tuple(destination, entryFields), { selector: ([d]) => d, maxLength: 25 }))
  .map(([defaults, rows]) => ({
    defaults,
    entries: new EntryMap(rows.map(([d, f]): [string, DestEntry] => [d, { destination: d, ...f }])),
  }));

function imported(text: string): ImportedTable {
  const r = importTableBytes(Buffer.from(text), 'generated.ini');
  if (!r.ok) throw new Error(`${r.errors.join('\n')}\n--- file:\n${text}`);
  return r.table;
}

const T1 = new Date('2026-03-01T10:00:00Z');
const T2 = new Date('2027-07-04T23:59:59Z');

describe('round trip', () => {
  it('export -> import gives back the same Default row and entries', () => {
    fc.assert(
      fc.property(table, (t) => {
        const back = imported(formatTable(t, T1));
        expect(back.defaults).toEqual(t.defaults);
        expect(back.entries).toEqual(t.entries);
      }),
      { numRuns: 300 },
    );
  });

  it('export -> import -> export gives the same bytes apart from the header time', () => {
    fc.assert(
      fc.property(table, (t) => {
        const first = formatTable(t, T1);
        const second = formatTable(imported(first), T2);
        const [head1, ...body1] = first.split('\n');
        const [head2, ...body2] = second.split('\n');
        expect(body2).toEqual(body1);
        expect(head1).toBe('# Destination controls exported by destconfig at 2026-03-01T10:00:00Z');
        expect(head2).toBe('# Destination controls exported by destconfig at 2027-07-04T23:59:59Z');
      }),
      { numRuns: 300 },
    );
  });
});

// Independent oracle of the number forms (reference §8.1, §8.2), not taken from the implementation.
const NUMBER_FORMS: Record<string, Record<string, string>> = {
  table_tls: { off: '0', on: '1', require: '2', on_verify: '3', require_verify: '4', require_verify_hosted: '5' },
  limit_type: { host: '0', mxip: '1' },
  limit_apply: { system: '0', vg: '1' },
  bounce_validation: { off: '0', on: '1' },
};
const CASE_FREE = new Set(['ip_sort_pref', 'table_tls', 'limit_type', 'limit_apply', 'dane_option', 'bounce_validation']);

/** Re-spells one exported file with choices drawn from `pick`. */
function respell(text: string, pick: () => number): string {
  const mixCase = (s: string): string => [...s].map((c) => (pick() % 2 ? c.toUpperCase() : c.toLowerCase())).join('');
  const sections: string[][] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue;
    if (line.startsWith('[')) {
      sections.push([]);
      const name = line.slice(1, -1);
      const isDomain = /[a-z]/.test(name) && !name.includes(':');
      const spelled = isDomain ? mixCase(name) + (pick() % 3 === 0 ? '.' : '') : name;
      sections[sections.length - 1]?.push(`${' '.repeat(pick() % 3)}[${spelled}]`);
      continue;
    }
    const [key = '', value = ''] = line.split(' = ');
    let k = mixCase(key);
    if (key === 'table_tls' && pick() % 2) k = mixCase('tls');
    let v = value;
    const numberForm = NUMBER_FORMS[key]?.[value.toLowerCase()];
    if (numberForm !== undefined && pick() % 2) v = numberForm;
    else if (CASE_FREE.has(key)) v = mixCase(value);
    else if (/^\d{4,}$/.test(value) && pick() % 2) v = value.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    const eq = ['=', ' = ', '\t=  '][pick() % 3];
    sections[sections.length - 1]?.push(`${k}${eq}${v}${pick() % 4 === 0 ? '  ' : ''}`);
  }
  // Shuffle the key lines within each section and the sections themselves; comments and blanks between.
  const shuffle = <T>(a: T[]): T[] => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = pick() % (i + 1);
      [a[i], a[j]] = [a[j] as T, a[i] as T];
    }
    return a;
  };
  const blocks = sections.map(([head = '', ...keys]) => [head, ...shuffle(keys)].join(pick() % 2 ? '\n# a comment\n' : '\n'));
  const out = shuffle(blocks).join('\n\n') + '\n';
  return pick() % 2 ? out.replace(/\n/g, '\r\n') : out;
}

describe('the spellings the format allows', () => {
  it('a re-spelled, re-ordered export still imports to the same table', () => {
    fc.assert(
      fc.property(table, fc.infiniteStream(fc.nat()), (t, stream) => {
        const it = stream[Symbol.iterator]();
        const pick = (): number => it.next().value as number;
        const canonical = formatTable(t, T1);
        const variant = respell(canonical, pick);
        const back = imported(variant);
        expect(back.entries).toEqual(t.entries);
        expect(back.defaults).toEqual(t.defaults);
        expect(formatTable(back, T1)).toBe(canonical);
      }),
      { numRuns: 300 },
    );
  });
});
