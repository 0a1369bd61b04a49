// No input can crash the shell: random lines (drawn from the dialogue's own words and from arbitrary text)
// and random byte sequences are piped into real processes. Every run must end cleanly (status 0, 2 or 3,
// no stack trace, no escape code) and leave a committed table that loads; unless the run itself committed, that table is
// exactly the one committed before it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commitTable, loadTable } from '../../src/store/index.js';
import { blankEntry, emptyTable } from '../../src/table/types.js';
import { fingerprint } from '../../src/table/fingerprint.js';
import { runShell, tempHome } from './run.js';

const WORDS = [
  'destconfig', 'new', 'edit', 'delete', 'default', 'list', 'detail', 'clear', 'setup', 'import', 'export',
  'commit', 'clearchanges', 'help', 'quit', 'exit', 'DESTCONFIG', 'NEW', 'y', 'n', 'Y', 'N', 'yes', 'no', '',
  '', '', '1', '2', '3', '4', '6', '7', '0', '60', '500', '1001', '-1', '1,000', 'all', 'example.com',
  'Example.COM.', '.example.com', '[192.0.2.1]', '2001:db8::1', 'b\u00fccher.example', 'New Profile', 'slow_profile',
];

const line = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);
const linesInput = fc.array(line, { maxLength: 60 }).map((ls) => Buffer.from(ls.map((l) => l + '\n').join(''), 'utf8'));
const bytesInput = fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b));

async function seededHome(): Promise<{ home: string; before: string }> {
  const home = tempHome();
  const t = emptyTable();
  t.entries.set('seed.example', { ...blankEntry('seed.example'), tls: 'required', maxConcurrency: 42 });
  await commitTable(home, t, { baseRevision: 0, comment: 'seed' });
  return { home, before: fingerprint((await loadTable(home)).table) };
}

async function checkRun(input: Buffer, lenient: boolean): Promise<void> {
  const { home, before } = await seededHome();
  const r = await runShell(input, ['--home', home, ...(lenient ? ['--lenient'] : [])]);
  expect([0, 2, 3]).toContain(r.code);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
  // Echoed or quoted input never becomes a terminal escape sequence.
  expect(r.stdout + r.stderr).not.toMatch(/[\x1b\x9b]/);
  const after = await loadTable(home);
  if (!r.stdout.includes('Changes committed:')) expect(fingerprint(after.table)).toBe(before);
}

describe('random input never crashes the shell', () => {
  it('random dialogue lines', async () => {
    await fc.assert(fc.asyncProperty(linesInput, fc.boolean(), checkRun), { numRuns: 60 });
  }, 120_000);

  it('random byte sequences', async () => {
    await fc.assert(fc.asyncProperty(bytesInput, fc.boolean(), checkRun), { numRuns: 25 });
  }, 120_000);
});
