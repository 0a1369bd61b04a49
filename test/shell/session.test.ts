// The main prompt, the commit model and the exit statuses of a shell session.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN, committedDoc, runShell, script, SEED_NEW_ANSWERS, tempHome } from './run.js';

const NEW_SEED = ['new', 'example.com', ...SEED_NEW_ANSWERS];

describe('main prompt', () => {
  it('prints no help line on a pipe; --hostname names the prompt; commands are case-insensitive', async () => {
    const r = await runShell(script('HELP', 'Quit'), ['--home', tempHome(), '--hostname', 'mail.example.com']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('mail.example.com> HELP\n\nCommands:\n')).toBe(true);
    expect(r.stdout).toContain('  clearchanges  ');
    expect(r.stdout.trimEnd().endsWith('mail.example.com> Quit')).toBe(true);
  });

  it('an unknown command prints a did-you-mean and the prompt again, on a pipe too (issue 2)', async () => {
    const home = tempHome();
    const r = await runShell(script('destconfg', 'frobnicate', 'destconfig', ...NEW_SEED, '', 'commit', '', 'quit'), ['--home', home]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ESA> destconfg\nUnknown command: destconfg. Did you mean "destconfig"?\n\nESA> frobnicate\n');
    expect(r.stdout).toContain('Unknown command: frobnicate\n\nESA> destconfig\n');
    expect(committedDoc(home)).not.toBeNull();
  });

  it('--lenient shows the message and goes on', async () => {
    const r = await runShell(script('destconfg', 'quit'), ['--home', tempHome(), '--lenient']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ESA> destconfg\nUnknown command: destconfg. Did you mean "destconfig"?\n');
  });

  it('tlsverify asks for the domain and host when not given, hands over to the delivery layer, and the session goes on', async () => {
    const r = await runShell(script('tlsverify', 'example.test', '127.0.0.1:1', 'help', 'quit'), ['--home', tempHome()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Enter the TLS domain to verify against:\n[]> example.test\n');
    expect(r.stdout).toContain('Press Return if you do not want to specify one.\n[]> 127.0.0.1:1\n');
    expect(r.stdout).toContain("TLS verification of 'example.test' FAILED: no mail exchanger could be reached.");
    expect(r.stdout).toContain('ESA> help\n');
  });

  for (const verb of ['tlsverify', 'daneverify']) {
    it(`${verb} with an invalid domain or host in a piped session: the run ends at that line with status 2`, async () => {
      for (const [lines, line, message] of [
        [[`${verb} bad..domain`], 1, 'Invalid domain "bad..domain".'],
        [[verb, 'bad..domain'], 2, 'Invalid domain "bad..domain".'],
        [[`${verb} example.test bad..host:25`], 1, 'Invalid host "bad..host:25": expected HOST[:PORT].'],
      ] as const) {
        const r = await runShell(script('help', ...lines, 'help', 'quit'), ['--home', tempHome()]);
        expect(r.code, lines.join(' / ')).toBe(2);
        expect(r.stderr).toContain(`destconfig: line ${line + 1}: ${message}\n`);
        expect(r.stdout.match(/ESA> help\n/g)).toHaveLength(1);
      }
    });

    it(`${verb} with an invalid domain interactively (--lenient): the message, and the session goes on`, async () => {
      const r = await runShell(script(`${verb} bad..domain`, 'quit'), ['--home', tempHome(), '--lenient']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Invalid domain "bad..domain".\n');
      expect(r.stdout).toContain('ESA> quit');
    });
  }

  it('uses $DESTCONFIG_HOME when --home is not given', async () => {
    const home = tempHome();
    const r = await runShell(script('destconfig', ...NEW_SEED, '', 'commit', '', 'quit'), [], { DESTCONFIG_HOME: home });
    expect(r.code).toBe(0);
    expect(committedDoc(home)).not.toBeNull();
  });

  it('writes no escape codes on a pipe, with or without NO_COLOR', async () => {
    for (const env of [{}, { NO_COLOR: '1' }]) {
      const r = await runShell(script('help', 'destconfig', 'list', '', 'quit'), ['--home', tempHome()], env);
      expect(r.stdout).not.toMatch(/\x1b/);
      expect(r.stderr).not.toMatch(/\x1b/);
    }
  });
});

describe('commit, clearchanges and exit statuses', () => {
  it('quit with pending changes warns, writes nothing and exits 3', async () => {
    const home = tempHome();
    const r = await runShell(script('destconfig', ...NEW_SEED, '', 'quit'), ['--home', home]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('were not committed');
    expect(committedDoc(home)).toBeNull();
  });

  it('end of input with pending changes, even mid-dialogue, exits 3', async () => {
    const home = tempHome();
    const r = await runShell(script('destconfig', ...NEW_SEED, 'new', 'b.example', 'N'), ['--home', home]);
    expect(r.code).toBe(3);
    expect(committedDoc(home)).toBeNull();
  });

  it('a reader that goes away (| grep -q) with pending changes ends the session with status 3, not 0', async () => {
    // Issue 2: a session that ends with uncommitted changes says so by its status. `... | grep -q X` closes
    // the pipe at the first match; the shell's next write fails (EPIPE), the session cannot go on, and a
    // script with `set -o pipefail` must not read 0 while its changes were lost.
    for (const [lines, expected] of [[['destconfig', ...NEW_SEED, ''], 3], [['destconfig', 'list', ''], 0]] as const) {
      const home = tempHome();
      const child = spawn(process.execPath, [BIN, '--home', home], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stderr.on('data', (b: Buffer) => (err += b.toString()));
      child.stdin.on('error', () => undefined);
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
      child.stdin.write(script(...lines));
      await new Promise<void>((resolve) => {
        const onData = (b: Buffer) => {
          out += b.toString();
          if (out.endsWith('ESA> ')) {
            child.stdout.off('data', onData);
            resolve();
          }
        };
        child.stdout.on('data', onData);
      });
      child.stdout.destroy(); // the reader goes away
      child.stdin.write(script('help'));
      expect(await closed).toBe(expected);
      if (expected === 3) expect(err).toContain('were not committed');
      expect(committedDoc(home)).toBeNull();
    }
  });

  it('exit and end of input without changes exit 0', async () => {
    expect((await runShell(script('exit'), ['--home', tempHome()])).code).toBe(0);
    expect((await runShell('', ['--home', tempHome()])).code).toBe(0);
    expect((await runShell(script('destconfig', 'list'), ['--home', tempHome()])).code).toBe(0);
  });

  it('end of input in the middle of an operation says the operation was not recorded (status as for quit)', async () => {
    const home = tempHome();
    // A script cut short inside NEW: nothing else pending, so status 0, but not without a word.
    const cut = await runShell(script('destconfig', 'new', 'example.com'), ['--home', home]);
    expect(cut.code).toBe(0);
    expect(cut.stderr).toBe('destconfig: end of input in the middle of NEW: the operation was not completed and nothing of it was kept.\n');
    expect(committedDoc(home)).toBeNull();
    // With an earlier operation pending: the notice, then the quit warning, status 3.
    const pending = await runShell(script('destconfig', ...NEW_SEED, 'edit', 'example.com'), ['--home', home]);
    expect(pending.code).toBe(3);
    expect(pending.stderr).toContain('end of input in the middle of EDIT');
    expect(pending.stderr).toContain('were not committed');
    // End of input at the menu's own prompt is the ordinary end of a script: no notice.
    const atMenu = await runShell(script('destconfig', 'list'), ['--home', tempHome()]);
    expect(atMenu.stderr).toBe('');
  });

  it('commit with nothing pending says so', async () => {
    const r = await runShell(script('commit', 'quit'), ['--home', tempHome()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ESA> commit\n\nThere are no changes to commit.\n');
  });

  it('clearchanges asks for confirmation, then discards the pending changes', async () => {
    const home = tempHome();
    const r = await runShell(script('destconfig', ...NEW_SEED, '', 'clearchanges', 'n', 'clearchanges', '', 'commit', 'quit'), ['--home', home]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Are you sure you want to clear all changes since the last commit? [Y]> n\n');
    expect(r.stdout).toContain('Changes cleared.');
    expect(r.stdout).toContain('There are no changes to commit.');
    expect(committedDoc(home)).toBeNull();
  });

  it('a yes/no answer other than yes or no is refused with the line number (exit 2)', async () => {
    const home = tempHome();
    const r = await runShell(script('destconfig', 'new', 'example.com', 'maybe'), ['--home', home]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('destconfig: line 4: Please answer Yes or No.');
    // Nothing was pending (the unfinished NEW is dropped): no word of uncommitted changes.
    expect(r.stderr).toContain('destconfig: the session was ended.\n');
    expect(r.stderr).not.toContain('not committed');
  });

  it('an out-of-range value ends a piped run with status 2; pending changes are discarded', async () => {
    const home = tempHome();
    const input = script('destconfig', ...NEW_SEED, 'new', 'b.example', 'y', '1001', '', 'commit', '', 'quit');
    const r = await runShell(input, ['--home', home]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('destconfig: line 15: Value must be an integer from 1 to 1,000.');
    expect(r.stderr).toContain('destconfig: the session was ended and its changes were not committed.');
    expect(committedDoc(home)).toBeNull();
  });

  it('--lenient re-asks the question after an invalid answer', async () => {
    const home = tempHome();
    const input = script('destconfig', 'new', 'b.example', 'y', '1001', 'abc', '250', 'N', 'N', '', '', 'N', 'N', 'N', 'N', '', 'commit', '', 'quit');
    const r = await runShell(input, ['--home', home, '--lenient']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[500]> 1001\nValue must be an integer from 1 to 1,000.\n\nEnter the max concurrency limit for "b.example".\n[500]> abc\n');
    expect((committedDoc(home) as { entries: Record<string, unknown>[] }).entries[0]).toMatchObject({ maxConcurrency: 250 });
  });

  it('a commit is refused when another session committed meanwhile; changes stay pending', async () => {
    const home = tempHome();
    // Session A loads the table, then waits with stdin open while session B commits.
    const a = spawn(process.execPath, [BIN, '--home', home], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    a.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const waitFor = async (text: string): Promise<void> => {
      for (let i = 0; i < 600 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain(text);
    };
    a.stdin.write(script('destconfig', 'new', 'a.example', ...SEED_NEW_ANSWERS, ''));
    await waitFor('[]> \n\nESA> ');
    const b = await runShell(script('destconfig', 'new', 'b.example', ...SEED_NEW_ANSWERS, '', 'commit', 'from B', 'quit'), ['--home', home]);
    expect(b.code).toBe(0);
    const closed = new Promise<number | null>((resolve) => a.on('close', resolve));
    a.stdin.end(script('commit', 'from A', 'quit'));
    expect(await closed).toBe(3);
    expect(out).toContain('Commit refused: another session committed the table');
    expect(out).toContain('Use "clearchanges"');
    const doc = committedDoc(home) as { entries: { destination: string }[]; comment: string };
    expect(doc.entries.map((e) => e.destination)).toEqual(['b.example']);
    expect(doc.comment).toBe('from B');
  });
});

describe('a table that cannot be loaded', () => {
  it('ends with status 1 and a message naming the home; the file is left alone', async () => {
    const { writeFileSync, readFileSync } = await import('node:fs');
    const home = tempHome();
    writeFileSync(`${home}/destconfig.json`, '{ not json');
    const r = await runShell(script('quit'), ['--home', home]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`destconfig: cannot load the table in ${home}`);
    expect(r.stderr).not.toContain('internal error');
    expect(readFileSync(`${home}/destconfig.json`, 'utf8')).toBe('{ not json');
  });
});

describe('a line too long to be an answer', () => {
  const TOO_LONG = 'destconfig: line 1: the line is longer than 65,536 bytes; a script answers each question with a short line.';

  it('endless input without a line end (< /dev/zero) ends with status 2 naming the line, not a crash', async () => {
    const { openSync, closeSync } = await import('node:fs');
    const zero = openSync('/dev/zero', 'r');
    const child = spawn(process.execPath, [BIN, '--home', tempHome()], { stdio: [zero, 'pipe', 'pipe'] });
    closeSync(zero);
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdout?.resume();
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('RangeError');
    expect(stderr).toBe(`${TOO_LONG}\ndestconfig: the session was ended.\n`);
    expect(code).toBe(2);
  }, 120_000);

  it.each([['LF', '\n'], ['CR LF', '\r\n']])('answers the lines before it, then ends with status 2 at it, discarding pending changes; nothing of it is echoed (%s)', async (_name, end) => {
    const home = tempHome();
    const long = 'a'.repeat(70_000) + '.example';
    const lines = ['destconfig', 'new', 'a.example', ...SEED_NEW_ANSWERS, 'new', long, 'N', 'N', 'N', 'N', 'N', 'N', 'N', '', 'commit', 'x', 'quit'];
    const r = await runShell(lines.map((l) => l + end).join(''), ['--home', home]);
    expect(r.stderr).toBe(`${TOO_LONG.replace('line 1', 'line 13')}\ndestconfig: the session was ended and its changes were not committed.\n`);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Enter the domain you wish to configure.\n[]> a.example\n');
    expect(r.stdout).not.toContain('aaaaaaaaaa');
    expect(committedDoc(home)).toBeNull();
  });
});
