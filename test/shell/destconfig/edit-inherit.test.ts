// EDIT of an entry whose stored table leaves "how limits apply" at Default while it sets a limit (the store
// accepts such a table, e.g. one edited by hand). The scope lists have no "apply a specific ..." gate, so
// their bracketed default is the Default row's value; accepting it must keep the entry inheriting, as every
// other accepted default of EDIT does, not pin the Default row's current value into the entry.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { committedDoc, runShell, script, tempHome } from '../run.js';

/** NEW example.com with a concurrency limit of 100 and nothing else, committed. */
const NEW_CONCURRENCY = ['new', 'example.com', '', '100', 'n', 'n', '', '', 'n', 'n', 'n', 'n'];

async function homeWithInheritedScope(): Promise<string> {
  const home = tempHome();
  const r = await runShell(script('destconfig', ...NEW_CONCURRENCY, '', 'commit', '', 'quit'), ['--home', home]);
  expect(r.code).toBe(0);
  const file = path.join(home, 'destconfig.json');
  const text = readFileSync(file, 'utf8');
  const edited = text.replace('"limitType":"domain","limitApply":"system"', '"limitType":"default","limitApply":"default"');
  expect(edited).not.toBe(text);
  writeFileSync(file, edited);
  return home;
}

describe('EDIT of an entry that inherits how its limits apply', () => {
  it('accepting every bracketed default leaves the scope inheriting', async () => {
    const home = await homeWithInheritedScope();
    const edit = ['edit', 'example.com', ...Array<string>(10).fill('')];
    const r = await runShell(script('destconfig', ...edit, '', 'commit', '', 'quit'), ['--home', home]);
    expect(r.code).toBe(0);
    const doc = committedDoc(home) as { entries: Record<string, unknown>[] };
    expect(doc.entries[0]).toMatchObject({ maxConcurrency: 100, limitType: 'default', limitApply: 'default' });
  });

  it('choosing a scope other than the Default row pins it', async () => {
    const home = await homeWithInheritedScope();
    const edit = ['edit', 'example.com', '', '', '', '', '2', '2', '', '', '', ''];
    const r = await runShell(script('destconfig', ...edit, '', 'commit', '', 'quit'), ['--home', home]);
    expect(r.code).toBe(0);
    const doc = committedDoc(home) as { entries: Record<string, unknown>[] };
    expect(doc.entries[0]).toMatchObject({ maxConcurrency: 100, limitType: 'mxip', limitApply: 'vg' });
  });
});
