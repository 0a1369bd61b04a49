// commit and clearchanges (src/shell/commit.ts) against a committed table that changes under the session:
// a live piped session (real process, stdin kept open) and files changed between its commands.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, requireBuild, SEED_NEW_ANSWERS, script, tempHome } from './run.js';

/** A shell whose stdin the test writes to as it goes, and whose output it waits for. */
function liveShell(home: string): { child: ChildProcessWithoutNullStreams; out: () => string; err: () => string; waitFor: (text: string) => Promise<void>; closed: Promise<number | null> } {
  requireBuild();
  const child = spawn(process.execPath, [BIN, '--home', home], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: undefined, DESTCONFIG_HOME: undefined } });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  const waitFor = async (text: string): Promise<void> => {
    for (let i = 0; i < 600 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain(text);
  };
  return { child, out: () => out, err: () => err, waitFor, closed };
}

/** A session with a NEW pending, whose committed table someone then damages. */
async function pendingThenDamaged(): Promise<{ home: string; s: ReturnType<typeof liveShell> }> {
  const home = tempHome();
  const s = liveShell(home);
  s.child.stdin.write(script('destconfig', 'new', 'a.example', ...SEED_NEW_ANSWERS, ''));
  await s.waitFor('[]> \n\nESA> ');
  writeFileSync(`${home}/destconfig.json`, '{ not json');
  return { home, s };
}

describe('clearchanges when the committed table cannot be read', () => {
  it('says so and keeps the session and its pending changes (no internal error)', async () => {
    const { home, s } = await pendingThenDamaged();
    s.child.stdin.end(script('clearchanges', 'Y', 'destconfig', 'list', '', 'quit'));
    expect(await s.closed).toBe(3);
    expect(s.err()).not.toContain('internal error');
    expect(s.out()).toContain('the file is not valid JSON');
    // The session went on, its change still pending: LIST shows it and quit warns.
    expect(s.out()).toMatch(/\na\.example +Default/);
    expect(s.err()).toContain('the changes made in this session were not committed');
    expect(readFileSync(`${home}/destconfig.json`, 'utf8')).toBe('{ not json');
  });
});

describe('commit when the committed table cannot be read', () => {
  it('says why in one sentence each, nothing written, the changes still pending', async () => {
    const { home, s } = await pendingThenDamaged();
    s.child.stdin.end(script('commit', 'from A', 'quit'));
    expect(await s.closed).toBe(3);
    expect(s.out()).toContain('Commit failed: ');
    expect(s.out()).toContain('move it aside to start from factory defaults. Nothing was written; your changes are still pending.');
    expect(readFileSync(`${home}/destconfig.json`, 'utf8')).toBe('{ not json');
  });
});
