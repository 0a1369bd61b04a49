// Golden transcripts: each fixtures/transcripts/NAME.input is piped into the shell and the whole output
// compared with NAME.txt; only the commit time stamp is masked. seed-session is the seed transcript's own
// session (NEW example.com with only TLS Required, then LIST, then commit); operations-tour walks every
// operation with DANE enabled, pinning the wording of the dialogues the seed does not show.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { committedDoc, ROOT, runShell, tempHome } from './run.js';

const dir = path.join(ROOT, 'fixtures', 'transcripts');
const STAMP = /^Changes committed: (Sun|Mon|Tue|Wed|Thu|Fri|Sat) [A-Z][a-z]{2} \d{2} \d{2}:\d{2}:\d{2} \d{4} UTC$/m;
const names = readdirSync(dir).filter((f) => f.endsWith('.input')).map((f) => f.slice(0, -'.input'.length));

async function replay(name: string, asSaved: (input: Buffer) => Buffer = (b) => b): Promise<{ home: string; stdout: string }> {
  const home = tempHome();
  const r = await runShell(asSaved(readFileSync(path.join(dir, `${name}.input`))), ['--home', home]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(STAMP);
  expect(r.stdout).not.toMatch(/\x1b/);
  expect(r.stdout.replace(STAMP, 'Changes committed: <UTC TIMESTAMP>')).toBe(readFileSync(path.join(dir, `${name}.txt`), 'utf8'));
  return { home, stdout: r.stdout };
}

describe('golden transcripts', () => {
  it('has the seed session', () => {
    expect(names).toContain('seed-session');
  });

  it.each(names)('%s reads exactly like its golden transcript', async (name) => {
    await replay(name);
  });

  it('a script saved by a Windows editor (UTF-8 byte order mark, CR LF line ends) reads exactly the same', async () => {
    // The mark is not part of the first command: echoed, it put three invisible bytes before `destconfig`.
    const windows = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(b.toString('utf8').replace(/\n/g, '\r\n'))]);
    await replay('seed-session', windows);
  });

  it('the seed session commits example.com with TLS Required and nothing else', async () => {
    const { home } = await replay('seed-session');
    const doc = committedDoc(home) as { entries: Record<string, unknown>[]; comment: string };
    expect(doc.entries).toEqual([expect.objectContaining({ destination: 'example.com', tls: 'required', maxConcurrency: 'default', bounceProfile: 'default' })]);
    expect(doc.comment).toBe('Require TLS for example.com');
  });
});
