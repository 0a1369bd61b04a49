import { describe, expect, it } from 'vitest';
import { blankEntry, emptyTable, type DestTable } from '../../src/table/types.js';
import { candidateKeys, lookup } from '../../src/table/lookup.js';
import { normaliseDestination, recipientDestination } from '../../src/table/domain.js';

function tableWith(...keys: string[]): DestTable {
  const t = emptyTable();
  for (const k of keys) t.entries.set(k, { ...blankEntry(k), tls: 'required' });
  return t;
}

describe('normaliseDestination', () => {
  it.each([
    ['Example.COM.', 'example.com'],
    ['.Example.com', '.example.com'],
    ['192.0.2.1', '[192.0.2.1]'],
    ['[192.0.2.1]', '[192.0.2.1]'],
    ['2001:DB8::1', '[2001:db8::1]'],
    ['[IPv6:2001:db8::1]', '[2001:db8::1]'],
    // One address, one key: RFC 5952 canonical text, whatever the spelling.
    ['2001:DB8:0:0::1', '[2001:db8::1]'],
    ['[IPv6:2001:0db8:0000:0000:0000:0000:0000:0001]', '[2001:db8::1]'],
    ['bücher.example', 'xn--bcher-kva.example'],
  ])('%s -> %s', (input, expected) => {
    expect(normaliseDestination(input)).toEqual({ ok: true, value: expected });
  });

  it.each(['', 'exa mple.com', '-bad.com', 'a..b', '[example.com]', '999.1.1.1', 'default', 'x'.repeat(64) + '.com'])(
    'refuses %j',
    (input) => {
      const r = normaliseDestination(input);
      expect(r.ok).toBe(false);
    },
  );
});

describe('lookup', () => {
  it('lists candidate keys from the exact name up through parent suffixes', () => {
    expect(candidateKeys('a.b.example.com')).toEqual(['a.b.example.com', '.b.example.com', '.example.com', '.com']);
    expect(candidateKeys('[192.0.2.1]')).toEqual(['[192.0.2.1]']);
  });

  it('prefers the exact entry, then the nearest .parent, then Default', () => {
    const t = tableWith('example.com', '.example.com', '.b.example.com');
    expect(lookup(t, 'user@example.com')?.matched).toBe('example.com');
    expect(lookup(t, 'user@a.b.example.com')?.matched).toBe('.b.example.com');
    expect(lookup(t, 'user@c.example.com')?.matched).toBe('.example.com');
    expect(lookup(t, 'user@example.org')?.matched).toBeNull();
  });

  it('does not let .example.com govern example.com itself', () => {
    const t = tableWith('.example.com');
    expect(lookup(t, 'example.com')?.matched).toBeNull();
  });

  it('matches an IP-literal recipient to its bracketed entry only', () => {
    const t = tableWith('[192.0.2.1]');
    expect(recipientDestination('u@[192.0.2.1]')).toBe('[192.0.2.1]');
    expect(lookup(t, 'u@[192.0.2.1]')?.matched).toBe('[192.0.2.1]');
    expect(lookup(t, 'u@[192.0.2.2]')?.matched).toBeNull();
  });

  it('reports each effective value with its source', () => {
    const t = tableWith('example.com');
    const row = lookup(t, 'example.com');
    expect(row?.tls).toEqual({ value: 'required', source: 'entry' });
    expect(row?.maxConcurrency).toEqual({ value: 500, source: 'default' });
  });
});
