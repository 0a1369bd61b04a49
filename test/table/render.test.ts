import { describe, expect, it } from 'vitest';
import { compareDestinations, EntryNotFoundError, renderDetail, renderList } from '../../src/table/render.js';
import { blankEntry, emptyTable, type DestEntry, type DestTable } from '../../src/table/types.js';

function withEntries(...entries: DestEntry[]): DestTable {
  const t = emptyTable();
  for (const e of entries) t.entries.set(e.destination, e);
  return t;
}

/** Cells of a LIST line, split on the two-space column gap. */
const cells = (line: string): string[] => line.trim().split(/\s{2,}/);

describe('renderList', () => {
  it('factory table: the seed header and the factory Default row', () => {
    const lines = renderList(emptyTable()).split('\n');
    expect(lines[1]).toMatch(/^Domain\s+Limiting\s+TLS\s+Verification\s+Profile\s+Preference$/);
    expect(lines[2]).toMatch(/^-+( {2}-+){5}$/);
    expect(cells(lines[3] ?? '')).toEqual(['(Default)', 'On', 'Off', 'Off', '(Default)', 'Prefer IPv6']);
    expect(lines[4]).toBe('');
    expect(lines).toHaveLength(5);
  });

  it('places Rate, Bounce, Bounce and IP Version over their columns', () => {
    const [top = '', head = ''] = renderList(emptyTable()).split('\n');
    expect(top.indexOf('Rate')).toBe(head.indexOf('Limiting'));
    expect(top.indexOf('Bounce')).toBe(head.indexOf('Verification'));
    expect(top.lastIndexOf('Bounce')).toBe(head.indexOf('Profile'));
    expect(top.indexOf('IP Version')).toBe(head.indexOf('Preference'));
  });

  it("the seed's rows: a Required entry lists TLS On, everything else Default; columns aligned", () => {
    const text = renderList(withEntries({ ...blankEntry('example.com'), tls: 'required' }, { ...blankEntry('a-very-long-name.example.org'), maxMessagesPerConnection: 5, tls: 'no', bounceVerification: true, bounceProfile: 'slow', ipSortPref: 'REQUIRE_V4' }));
    const lines = text.trimEnd().split('\n');
    expect(cells(lines[3] ?? '')).toEqual(['a-very-long-name.example.org', 'On', 'Off', 'On', 'slow', 'Require IPv4']);
    expect(cells(lines[4] ?? '')).toEqual(['example.com', 'Default', 'On', 'Default', 'Default', 'Default']);
    expect(cells(lines[5] ?? '')[0]).toBe('(Default)');
    // Every column starts at the same offset on every line.
    const head = lines[1] ?? '';
    for (const row of lines.slice(3)) {
      expect(row.indexOf(cells(row)[1] ?? '', head.indexOf('Limiting'))).toBe(head.indexOf('Limiting'));
    }
  });

  it('orders entries: domains alphabetically (exact before .subdomain), then IPv4, then IPv6; Default last', () => {
    const keys = ['[2001:db8::1]', '[192.0.2.1]', '.example.com', 'b.example', 'example.com', 'a.example'];
    const text = renderList(withEntries(...keys.map((k) => blankEntry(k))));
    const order = text.trimEnd().split('\n').slice(3).map((l) => cells(l)[0]);
    expect(order).toEqual(['a.example', 'b.example', 'example.com', '.example.com', '[192.0.2.1]', '[2001:db8::1]', '(Default)']);
    expect([...keys].sort(compareDestinations)).toEqual(order.slice(0, -1));
  });
});

describe('renderDetail', () => {
  it('marks inherited values as Default (value) and shows full TLS names', () => {
    const t = withEntries({ ...blankEntry('example.com'), maxConcurrency: 100, recipientLimit: { limit: 1000, minutes: 60 }, limitType: 'mxip', limitApply: 'vg' });
    t.defaults.tls = 'required';
    const text = renderDetail(t, 'example.com');
    expect(text).toContain('example.com\n');
    expect(text).toContain('    TLS Support: Default (Required)\n');
    expect(text).toContain('    Maximum Concurrent Connections: 100\n');
    expect(text).toContain('    Maximum Messages Per Connection: Default (50)\n');
    expect(text).toContain('    Recipient Limit: 1,000 per 60 minutes\n');
    expect(text).toContain('    Apply Limits Per Destination: Each mail exchanger IP address\n');
    expect(text).toContain('    Apply Limits Per ESA Hostname: Per Virtual Gateway\n');
    expect(text).toContain('    IP Address Preference: Default (IPv6 Preferred)\n');
    expect(text).toContain('    Bounce Profile: Default\n');
  });

  it('the Default row shows concrete values; "all" lists entries then the Default row', () => {
    const t = withEntries({ ...blankEntry('b.example'), tls: 'required_verify_hosted' }, blankEntry('a.example'));
    expect(renderDetail(t, 'default')).toContain('(Default)\n    IP Address Preference: IPv6 Preferred\n');
    expect(renderDetail(t, 'default')).toContain('    Recipient Limit: No Limit\n');
    const all = renderDetail(t, 'all');
    expect(all.indexOf('a.example\n')).toBeLessThan(all.indexOf('b.example\n'));
    expect(all.indexOf('b.example\n')).toBeLessThan(all.indexOf('(Default)\n'));
    expect(all).toContain('    TLS Support: Required - Verify Hosted Domains\n');
  });

  it('refuses a destination without an entry with the appliance wording', () => {
    expect(() => renderDetail(emptyTable(), 'x.com')).toThrow(EntryNotFoundError);
    expect(() => renderDetail(emptyTable(), 'x.com')).toThrow('The domain "x.com" was not found in the destination control table.');
  });
});

describe('renderList on a very large table', () => {
  it('renders 200,000 entries without overflowing the call stack', () => {
    const big = emptyTable();
    for (let i = 0; i < 200_000; i++) big.entries.set(`d${i}.example.com`, blankEntry(`d${i}.example.com`));
    const text = renderList(big);
    const lines = text.trimEnd().split('\n');
    expect(lines.at(-1)).toMatch(/^\(Default\)\s+On\s+Off\s+Off\s+\(Default\)\s+Prefer IPv6$/);
    expect(lines.filter((l) => l.startsWith('d')).length).toBe(200_000);
  });
});
