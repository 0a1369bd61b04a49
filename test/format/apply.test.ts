// applyImport: what an import replaces in the table and what it keeps.
import { describe, expect, it } from 'vitest';
import { applyImport } from '../../src/format/apply.js';
import { blankEntry, emptyTable, factoryDefaults } from '../../src/table/types.js';

describe('applyImport', () => {
  const current = (): ReturnType<typeof emptyTable> => {
    const t = emptyTable();
    t.globals = { certificate: 'Demo', alertOnRequiredTlsFailure: true, daneEnabled: true };
    t.bounceProfiles = ['Partner', 'old_profile'];
    t.entries.set('old.example', blankEntry('old.example'));
    return t;
  };

  it('replaces the Default row and every entry, keeps globals, and adds profiles the file names', () => {
    const entries = new Map([['new.example', { ...blankEntry('new.example'), bounceProfile: 'fresh' }]]);
    const next = applyImport(current(), { defaults: { ...factoryDefaults(), maxConcurrency: 9 }, entries, bounceProfiles: ['fresh'] });
    expect([...next.entries.keys()]).toEqual(['new.example']);
    expect(next.defaults.maxConcurrency).toBe(9);
    expect(next.globals).toEqual({ certificate: 'Demo', alertOnRequiredTlsFailure: true, daneEnabled: true });
    expect(next.bounceProfiles).toEqual(['Partner', 'old_profile', 'fresh']);
  });

  it("uses the table's spelling for a profile it knows under another case", () => {
    const entries = new Map([
      ['a.example', { ...blankEntry('a.example'), bounceProfile: 'PARTNER' }],
      ['b.example', blankEntry('b.example')],
    ]);
    const next = applyImport(current(), { defaults: { ...factoryDefaults(), bounceProfile: 'PARTNER' }, entries, bounceProfiles: ['PARTNER'] });
    expect(next.bounceProfiles).toEqual(['Partner', 'old_profile']);
    expect(next.defaults.bounceProfile).toBe('Partner');
    expect(next.entries.get('a.example')?.bounceProfile).toBe('Partner');
    expect(next.entries.get('b.example')?.bounceProfile).toBe('default');
  });

  it('leaves the current table untouched', () => {
    const before = current();
    applyImport(before, { defaults: factoryDefaults(), entries: new Map(), bounceProfiles: ['x'] });
    expect(before.bounceProfiles).toEqual(['Partner', 'old_profile']);
    expect([...before.entries.keys()]).toEqual(['old.example']);
  });
});
