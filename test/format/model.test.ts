// What an imported file means in the table model (src/table/types.ts).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importTableBytes, type ImportOutcome } from '../../src/format/read.js';
import { blankEntry, type DestEntry } from '../../src/table/types.js';
import type { ImportedTable } from '../../src/format/build.js';

const fixture = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`../../fixtures/tables/valid/${name}`, import.meta.url)));

function imported(r: ImportOutcome): ImportedTable {
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.table;
}

const DEFAULT_SECTION = [
  '[DEFAULT]',
  'ip_sort_pref = PREFER_V6',
  'max_host_concurrency = 500',
  'max_messages_per_connection = 50',
  'limit_type = host',
  'limit_apply = system',
  'table_tls = off',
  'bounce_validation = off',
];
const file = (...lines: string[]): Buffer => Buffer.from([...DEFAULT_SECTION, ...lines].join('\n') + '\n');

describe('import maps the file to the table model', () => {
  it('reads every spelling of spellings.ini', () => {
    const t = imported(importTableBytes(fixture('spellings.ini'), 'spellings.ini'));
    expect(t.defaults).toEqual({
      ipSortPref: 'REQUIRE_V4',
      maxConcurrency: 1000,
      maxMessagesPerConnection: 7,
      recipientLimit: null,
      limitType: 'mxip',
      limitApply: 'vg',
      tls: 'preferred_verify',
      dane: 'opportunistic',
      bounceVerification: true,
      bounceProfile: 'Slow_Retry',
    });
    expect(t.bounceProfiles).toEqual(['Slow_Retry']);
    const e = (k: string): DestEntry | undefined => t.entries.get(k);
    expect(e('example.org')).toEqual({
      destination: 'example.org',
      ipSortPref: 'PREFER_V4',
      maxConcurrency: 'default',
      maxMessagesPerConnection: 'default',
      recipientLimit: { limit: 1_000_000_000, minutes: 1 },
      limitType: 'mxip',
      limitApply: 'vg',
      tls: 'required_verify_hosted',
      dane: 'mandatory',
      bounceVerification: false,
      // `slow_retry` names the profile [DEFAULT] spelled `Slow_Retry`: one profile, one spelling.
      bounceProfile: 'Slow_Retry',
    });
    expect(e('.example.org')).toMatchObject({ tls: 'required', maxMessagesPerConnection: 1, bounceProfile: 'Default' });
    expect(e('[192.0.2.25]')).toMatchObject({ maxConcurrency: 2, limitType: 'domain', limitApply: 'system' });
    expect(e('[2001:db8::25]')).toMatchObject({ tls: 'no', dane: 'no' });
    expect(e('xn--bcher-kva.example')).toMatchObject({ tls: 'preferred_verify' });
    expect(e('empty.example')).toEqual(blankEntry('empty.example'));
    expect([...t.entries.keys()].sort()).toEqual(['.example.org', '[192.0.2.25]', '[2001:db8::25]', 'empty.example', 'example.org', 'xn--bcher-kva.example']);
  });

  it('takes the absent optional [DEFAULT] keys as none, no recipient limit and the system bounce profile', () => {
    const t = imported(importTableBytes(file(), 'f'));
    expect(t.defaults).toMatchObject({ dane: 'no', recipientLimit: null, bounceProfile: 'Default' });
    expect(t.bounceProfiles).toEqual([]);
  });

  it.each([
    ['0', 'no'],
    ['off', 'no'],
    ['1', 'preferred'],
    ['ON', 'preferred'],
    ['2', 'required'],
    ['require', 'required'],
    ['3', 'preferred_verify'],
    ['on_verify', 'preferred_verify'],
    ['4', 'required_verify'],
    ['Require_Verify', 'required_verify'],
    ['5', 'required_verify_hosted'],
    ['require_verify_hosted', 'required_verify_hosted'],
  ])('table_tls = %s is %s', (token, mode) => {
    expect(imported(importTableBytes(file('[x.example]', `table_tls = ${token}`), 'f')).entries.get('x.example')?.tls).toBe(mode);
  });

  it.each([
    ['0', 'domain'],
    ['host', 'domain'],
    ['1', 'mxip'],
    ['MxIp', 'mxip'],
  ])('limit_type = %s is %s', (token, type) => {
    const t = imported(importTableBytes(file('[x.example]', 'max_host_concurrency = 5', `limit_type = ${token}`, 'limit_apply = 1'), 'f'));
    expect(t.entries.get('x.example')).toMatchObject({ maxConcurrency: 5, limitType: type, limitApply: 'vg' });
  });

  it('accepts CR LF line endings, a UTF-8 byte-order mark, tabs and blanks around keys', () => {
    const text = '\ufeff' + [...DEFAULT_SECTION, '[x.example]', '\tbounce_validation\t=\ton  '].join('\r\n') + '\r\n';
    const t = imported(importTableBytes(Buffer.from(text), 'f'));
    expect(t.entries.get('x.example')?.bounceVerification).toBe(true);
  });

  it('leaves every field of a key-less destination section to Default', () => {
    const t = imported(importTableBytes(file('[Example.COM.]'), 'f'));
    expect(t.entries.get('example.com')).toEqual(blankEntry('example.com'));
  });

  it('names the file, line, section as written and key as written in each error', () => {
    const r = importTableBytes(file('', '[Example.COM.]', 'TLS = maybe'), 'my table.txt');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors).toEqual([
      'my table.txt:11: [Example.COM.] TLS: "maybe" is not valid; expected off, on, require, on_verify, require_verify, require_verify_hosted, or 0 to 5.',
    ]);
  });

  it('refuses an empty file for want of [DEFAULT]', () => {
    const r = importTableBytes(Buffer.alloc(0), 'empty.ini');
    expect(!r.ok && r.errors).toEqual(['empty.ini:1: no [DEFAULT] section; a table file needs one, with every required key.']);
  });

  it('refuses bounce profile names the shell would refuse', () => {
    const r = importTableBytes(file('[x.example]', 'bounce_profile = -x'), 'f');
    expect(!r.ok && r.errors[0]).toMatch(/^f:10: \[x\.example\] bounce_profile: The bounce profile name must start with a letter/);
  });
});

describe('a section header too long to read', () => {
  it('ends the section before it: the settings under it are not reported as that section\'s duplicates', () => {
    const header = `[${'a'.repeat(5000)}.example]`;
    const r = importTableBytes(file('', header, 'table_tls = on', 'max_host_concurrency = 5'), 't.ini');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toBe('t.ini:10: line is longer than 4096 bytes.');
    expect(r.errors.join('\n')).not.toContain('[DEFAULT]');
    expect(r.errors.join('\n')).not.toContain('duplicate key');
  });
});
