// Golden files: every valid fixture imports and exports to its `.export.ini`; every invalid one is
// refused with exactly the lines of its `.errors` file.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importTableBytes } from '../../src/format/read.js';
import { formatTable } from '../../src/format/write.js';

const root = fileURLToPath(new URL('../../fixtures/tables', import.meta.url));
const sources = (kind: string): string[] => readdirSync(path.join(root, kind)).filter((f) => f.endsWith('.ini') && !f.endsWith('.export.ini'));
const EXPORT_TIME = new Date('2026-01-01T00:00:00Z');

describe('valid table files', () => {
  it.each(sources('valid'))('%s imports and exports to its golden file', (name) => {
    const r = importTableBytes(readFileSync(path.join(root, 'valid', name)), name);
    if (!r.ok) throw new Error(r.errors.join('\n'));
    const golden = readFileSync(path.join(root, 'valid', name.replace(/\.ini$/, '.export.ini')), 'utf8');
    expect(formatTable(r.table, EXPORT_TIME)).toBe(golden);
    // The golden file is itself a valid table file that exports to itself.
    const again = importTableBytes(Buffer.from(golden), 'golden');
    if (!again.ok) throw new Error(again.errors.join('\n'));
    expect(formatTable(again.table, EXPORT_TIME)).toBe(golden);
  });
});

describe('invalid table files', () => {
  it.each(sources('invalid'))('%s is refused with exactly its expected errors', (name) => {
    const r = importTableBytes(readFileSync(path.join(root, 'invalid', name)), name);
    expect(r.ok).toBe(false);
    const expected = readFileSync(path.join(root, 'invalid', name.replace(/\.ini$/, '.errors')), 'utf8').trimEnd().split('\n');
    expect(r.ok ? [] : r.errors).toEqual(expected);
  });

  it('has a fixture for every kind of error the issue names', () => {
    const all = sources('invalid')
      .map((n) => readFileSync(path.join(root, 'invalid', n.replace(/\.ini$/, '.errors')), 'utf8'))
      .join('');
    for (const needle of [
      'duplicate section',
      'duplicate key',
      'unknown key',
      'is not valid',
      'Value must be an integer',
      'no [DEFAULT] section',
      'binary content',
      'not valid UTF-8',
      'longer than 4096 bytes',
      'expected "key = value"',
      'required in [DEFAULT]',
      'needs limit_apply',
      'more errors not shown',
    ]) {
      expect(all).toContain(needle);
    }
  });
});
