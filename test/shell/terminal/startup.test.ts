// The form mode costs the normal shell nothing at start-up: inquirer and the forms sit in their own bundle
// chunks, loaded with `await import()` only when a form opens. Proved on the built bundle by recording every
// module a piped session loads (a loader hook, record-loads.mjs).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runShell, script, tempHome } from '../run.js';

const chunks = path.join(ROOT, 'dist', 'chunks');

/** The bundle chunk that holds inquirer's core (found by one of its messages). */
function inquirerChunk(): string {
  const found = readdirSync(chunks).filter((f) => readFileSync(path.join(chunks, f), 'utf8').includes('User force closed the prompt'));
  expect(found).toHaveLength(1);
  return found[0] ?? '';
}

describe('start-up of the shell', () => {
  it('loads neither inquirer nor the forms in a session without forms', async () => {
    const log = path.join(mkdtempSync(path.join(os.tmpdir(), 'destconfig-loads-')), 'loads.txt');
    const hook = path.join(ROOT, 'test', 'shell', 'terminal', 'record-loads.mjs');
    const r = await runShell(script('help', 'destconfig', 'list', '', 'quit'), ['--home', tempHome()], {
      NODE_OPTIONS: `--import=${hook}`,
      LOAD_LOG: log,
    });
    expect(r.code).toBe(0);
    const loaded = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((u) => path.basename(new URL(u).pathname));
    expect(loaded).toContain('destconfig.mjs');
    expect(loaded.some((f) => f.startsWith('main-'))).toBe(true);
    expect(loaded).not.toContain(inquirerChunk());
    expect(loaded.filter((f) => /^(widgets|entry-form|default-form|setup-form)-/.test(f))).toEqual([]);
  });
});
