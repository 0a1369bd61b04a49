import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitTable } from '../../src/store/index.js';
import { emptyTable } from '../../src/table/types.js';
import { batvTag, batvValid, isTagged, loadBatvKey } from '../../src/delivery/batv.js';

const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const now = new Date(Date.UTC(2026, 10, 28, 12));

describe('BATV prvs tagging', () => {
  it('tags local@domain as prvs=KDDDSSSSSS=local@domain, reproducibly', () => {
    const tagged = batvTag('joe@example.com', key, now);
    expect(tagged).toMatch(/^prvs=0\d{3}[0-9A-F]{6}=joe@example\.com$/);
    expect(batvTag('joe@example.com', key, now)).toBe(tagged);
    expect(batvValid(tagged, key, now)).toBe(true);
  });

  it('a different key or address gives a tag that does not validate', () => {
    const tagged = batvTag('joe@example.com', key, now);
    expect(batvValid(tagged, Buffer.alloc(16, 1), now)).toBe(false);
    expect(batvValid(tagged.replace('joe@', 'bob@'), key, now)).toBe(false);
  });

  it('tags expire after seven days', () => {
    const tagged = batvTag('joe@example.com', key, now);
    expect(batvValid(tagged, key, new Date(now.getTime() + 6 * 86_400_000))).toBe(true);
    expect(batvValid(tagged, key, new Date(now.getTime() + 9 * 86_400_000))).toBe(false);
  });

  it('a tag made just before midnight UTC verifies after it, up to seven days on, across the mod-1000 wrap', () => {
    const late = new Date(Date.UTC(2026, 10, 28, 23, 59, 59));
    const tagged = batvTag('joe@example.com', key, late);
    expect(batvValid(tagged, key, new Date(late.getTime() + 2000))).toBe(true);
    expect(batvValid(tagged, key, new Date(late.getTime() + 1000 + 7 * 86_400_000 - 2000))).toBe(true);
    expect(batvValid(tagged, key, new Date(late.getTime() + 1000 + 7 * 86_400_000))).toBe(false);
    // Day 999 + 7 wraps to 006.
    const wrap = new Date(999 * 86_400_000);
    const wrapped = batvTag('joe@example.com', key, wrap);
    expect(wrapped).toMatch(/^prvs=0006/);
    expect(batvValid(wrapped, key, new Date(wrap.getTime() + 3 * 86_400_000))).toBe(true);
  });

  it('leaves tagged addresses and the null sender alone', () => {
    expect(isTagged('prvs=0123ABCDEF=joe@example.com')).toBe(true);
    expect(batvTag('PRVS=0123ABCDEF=joe@example.com', key, now)).toBe('PRVS=0123ABCDEF=joe@example.com');
    expect(batvTag('', key, now)).toBe('');
  });
});

describe('BATV key', () => {
  it('is generated once in the store secrets, reused, and never written into the table', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'batv-'));
    try {
      await commitTable(home, emptyTable(), { baseRevision: 0, comment: 'before' });
      const a = await loadBatvKey(home);
      const b = await loadBatvKey(home);
      expect(a.length).toBe(32);
      expect(b.equals(a)).toBe(true);
      await commitTable(home, emptyTable(), { baseRevision: 1, comment: 'after' });
      const files = await readdir(home);
      expect(files).toContain('secrets.json');
      for (const f of files.filter((n) => n !== 'secrets.json')) {
        const text = await readFile(path.join(home, f), 'utf8').catch(() => '');
        expect(text).not.toContain(a.toString('base64'));
        expect(text).not.toContain(a.toString('hex'));
      }
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
