// The seed transcript's session (NEW example.com with only TLS Required, LIST, commit) replayed through a
// pipe and compared whole with the golden transcript; only the commit time stamp is masked.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { committedDoc, ROOT, runShell, tempHome } from './run.js';

const dir = path.join(ROOT, 'fixtures', 'transcripts');
const STAMP = /^Changes committed: (Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} \d{4} UTC$/m;

describe('golden transcript of the seed session', () => {
  it('reads exactly like fixtures/transcripts/seed-session.txt', async () => {
    const home = tempHome();
    const input = readFileSync(path.join(dir, 'seed-session.input'));
    const golden = readFileSync(path.join(dir, 'seed-session.txt'), 'utf8');
    const r = await runShell(input, ['--home', home]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(STAMP);
    expect(r.stdout.replace(STAMP, 'Changes committed: <UTC TIMESTAMP>')).toBe(golden);
    expect(r.stdout).not.toMatch(/\x1b/);
    const doc = committedDoc(home) as { entries: { destination: string; tls: string }[]; comment: string };
    expect(doc.entries).toEqual([expect.objectContaining({ destination: 'example.com', tls: 'required' })]);
    expect(doc.comment).toBe('Require TLS for example.com');
  });
});
