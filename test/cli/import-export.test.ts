// End-to-end: `destconfig import` and `destconfig export` on the built bundle with a temporary --home.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { commitTable, loadTable } from '../../src/store/index.js';
import { withLock } from '../../src/store/lock.js';
import { BIN, FIXTURES, destconfig, destconfigAsync, requireBundle, tempHome, withoutTime, type Run } from './run.js';

let home: string;
beforeAll(requireBundle);
beforeEach(() => {
  home = tempHome();
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

const valid = (name: string): string => path.join(FIXTURES, 'valid', name);
const golden = (name: string): string => readFileSync(valid(name.replace(/\.ini$/, '.export.ini')), 'utf8');

describe('destconfig import', () => {
  it('commits a valid file at once and export gives back the golden file', async () => {
    const r = destconfig(['--home', home, 'import', valid('spellings.ini')]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout).toBe(`Imported 6 destination entries from ${valid('spellings.ini')} (6 added, 0 changed, 0 removed); committed as revision 1.\n`);
    const committed = await loadTable(home);
    expect(committed.revision).toBe(1);
    expect(committed.table.entries.get('example.org')).toMatchObject({ tls: 'required_verify_hosted', recipientLimit: { limit: 1e9, minutes: 1 } });
    expect(committed.table.bounceProfiles).toEqual(['Slow_Retry']);

    const e = destconfig(['export', '--home', home]);
    expect(e).toMatchObject({ status: 0, stderr: '' });
    expect(withoutTime(e.stdout)).toBe(withoutTime(golden('spellings.ini')));
    expect(e.stdout.split('\n')[0]).toMatch(/^# Destination controls exported by destconfig at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it.each(readdirSync(path.join(FIXTURES, 'invalid')).filter((f) => f.endsWith('.ini')))(
    'refuses invalid/%s with exit 2, its exact error lines, and the table unchanged',
    async (name) => {
      expect(destconfig(['--home', home, 'import', valid('minimal.ini')]).status).toBe(0);
      const r = destconfig(['--home', home, 'import', name], { cwd: path.join(FIXTURES, 'invalid') });
      const expected = readFileSync(path.join(FIXTURES, 'invalid', name.replace(/\.ini$/, '.errors')), 'utf8');
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(`${expected}destconfig: import: ${name} is not a valid table file; nothing was imported.\n`);
      expect((await loadTable(home)).revision).toBe(1);
    },
  );

  it('--dry-run prints added, changed field by field and removed entries, and commits nothing', async () => {
    expect(destconfig(['--home', home, 'import', valid('reference-example.ini')]).status).toBe(0);
    const next = path.join(home, 'next.ini');
    writeFileSync(
      next,
      readFileSync(valid('reference-example.ini'), 'utf8')
        .replace('max_host_concurrency = 500', 'max_host_concurrency = 400')
        .replace('[partner.example.net]\ntable_tls = on', '[partner.example.net]\ntable_tls = require')
        .replace('[example.com]', '[new.example]\n[old-copy.example]\n[example.com]')
        .replace(/\[example\.com\][^[]*/, ''),
    );
    const r = destconfig(['--home', home, 'import', '--dry-run', next]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout).toBe(
      [
        `${next} is valid: 3 destination entries (2 added, 1 changed, 1 removed). Dry run: nothing was committed.`,
        '[DEFAULT] changed:',
        '    max_host_concurrency: 500 -> 400',
        'Added (2):',
        '  + [new.example]',
        '  + [old-copy.example]',
        'Changed (1):',
        '  ~ [partner.example.net]',
        '      table_tls: on -> require',
        'Removed (1):',
        '  - [example.com]',
        '',
      ].join('\n'),
    );
    expect((await loadTable(home)).revision).toBe(1);
    expect((await loadTable(home)).table.entries.has('example.com')).toBe(true);
  });

  it('--dry-run of the committed table says there is nothing to change', () => {
    expect(destconfig(['--home', home, 'import', valid('minimal.ini')]).status).toBe(0);
    const r = destconfig(['--home', home, 'import', valid('minimal.ini'), '--dry-run']);
    expect(r.stdout).toContain('No changes: the file holds the committed table.');
  });

  it('--dry-run and the import count no change for a bounce profile written in another case (the import keeps the table\'s spelling)', () => {
    const file = (profile: string, tls: string): string => {
      const f = path.join(home, `t-${profile}-${tls}.ini`);
      const head = readFileSync(valid('minimal.ini'), 'utf8');
      writeFileSync(f, `${head}\n[a.example]\nbounce_profile = ${profile}\n\n[b.example]\ntable_tls = ${tls}\n`);
      return f;
    };
    expect(destconfig(['--home', home, 'import', file('prof', 'on')]).status).toBe(0);
    const dry = destconfig(['--home', home, 'import', file('PROF', 'require'), '--dry-run']);
    expect(dry).toMatchObject({ status: 0, stderr: '' });
    expect(dry.stdout).toContain('(0 added, 1 changed, 0 removed)');
    expect(dry.stdout).not.toContain('bounce_profile');
    expect(dry.stdout).toContain('table_tls: on -> require');
    const real = destconfig(['--home', home, 'import', file('PROF', 'require')]);
    expect(real.stdout).toContain('(0 added, 1 changed, 0 removed); committed as revision 2.');
    // Only the case differs: the import keeps the table's spelling, so nothing changes at all.
    const same = destconfig(['--home', home, 'import', file('Prof', 'require'), '--dry-run']);
    expect(same.stdout).toContain('No changes: the file holds the committed table.');
  });

  it('commits nothing when the file holds the committed table: same revision, and a shell session opened before can still commit', async () => {
    expect(destconfig(['--home', home, 'import', valid('reference-example.ini')]).status).toBe(0);
    const before = readFileSync(path.join(home, 'destconfig.json'), 'utf8');
    const again = destconfig(['--home', home, 'import', valid('reference-example.ini')]);
    expect(again).toMatchObject({ status: 0, stderr: '' });
    expect(again.stdout).toBe(`No changes: ${valid('reference-example.ini')} holds the committed table (2 destination entries); nothing was committed, the table stays at revision 1.\n`);
    expect(readFileSync(path.join(home, 'destconfig.json'), 'utf8')).toBe(before);
    // What the extra revision broke: an operator's session that loaded revision 1 had its commit refused.
    const session = spawn(process.execPath, [BIN, '--home', home], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let output = '';
    session.stdout.on('data', (b: Buffer) => (output += b.toString()));
    const ended = new Promise<number | null>((resolve) => session.on('close', resolve));
    session.stdin.write('destconfig\n');
    await vi.waitFor(() => expect(output).toContain('[]> '), { timeout: 30_000 });
    expect(destconfig(['--home', home, 'import', '-'], { input: readFileSync(valid('reference-example.ini')) }).status).toBe(0);
    session.stdin.end('clear\n\ncommit\nafter an idempotent import\nquit\n');
    expect(await ended).toBe(0);
    expect(output).toContain('Changes committed:');
  });

  it('is refused with status 1 in words for the command line (not the shell\'s advice) when another session committed meanwhile', async () => {
    expect(destconfig(['--home', home, 'import', valid('spellings.ini')]).status).toBe(0);
    const table = path.join(home, 'destconfig.json');
    const revision1 = readFileSync(table, 'utf8');
    const revision2 = revision1.replace('"revision": 1,', '"revision": 2,');
    // While this test holds the commit lock, the import loads revision 1 and then waits for the lock (its
    // attempt shows as a `destconfig.lock.PID.*.tmp` file); the table then moves on to revision 2, as after
    // another session's commit, and the lock is released.
    const { run } = await withLock(home, async () => {
      const watcher = watch(home);
      const attempting = new Promise<void>((resolve) =>
        watcher.on('change', (_event, name) => {
          if (String(name).startsWith('destconfig.lock.') && !String(name).startsWith(`destconfig.lock.${process.pid}.`)) resolve();
        }),
      );
      const pending = destconfigAsync(['--home', home, 'import', valid('reference-example.ini')]);
      try {
        await Promise.race([attempting, pending.then((r) => Promise.reject(new Error(`the import ended before it asked for the lock: ${JSON.stringify(r)}`)))]);
      } finally {
        watcher.close();
      }
      writeFileSync(path.join(home, 'next'), revision2);
      renameSync(path.join(home, 'next'), table);
      return { run: pending };
    });
    const r = await run;
    expect(r).toEqual({
      status: 1,
      stdout: '',
      stderr: 'destconfig: import: another session committed the table while the file was being imported (the table is now at revision 2; the import started from revision 1); nothing was imported. Run the import again.\n',
    });
    expect(readFileSync(table, 'utf8')).toBe(revision2);
  });

  it('reads standard input for "-", and records the import in the commit comment', () => {
    const r = destconfig(['--home', home, 'import', '-'], { input: readFileSync(valid('reference-example.ini')) });
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout).toContain('from <stdin>');
    expect(readFileSync(path.join(home, 'destconfig.json'), 'utf8')).toContain('import of <stdin>');
  });

  it('keeps global settings and known bounce profiles, replacing every row', async () => {
    expect(destconfig(['--home', home, 'import', valid('spellings.ini')]).status).toBe(0);
    const before = await loadTable(home);
    before.table.globals = { certificate: 'Demo', alertOnRequiredTlsFailure: true, daneEnabled: true };
    await commitTable(home, before.table, { baseRevision: before.revision, comment: 'setup' });
    expect(destconfig(['--home', home, 'import', valid('reference-example.ini')]).status).toBe(0);
    const { table } = await loadTable(home);
    expect([...table.entries.keys()].sort()).toEqual(['example.com', 'partner.example.net']);
    expect(table.bounceProfiles).toEqual(['Slow_Retry', 'partner_profile']);
    expect(table.defaults.recipientLimit).toEqual({ limit: 1000, minutes: 60 });
    expect(table.globals).toEqual({ certificate: 'Demo', alertOnRequiredTlsFailure: true, daneEnabled: true });
  });

  it.each([
    [['import', 'no-such-file.ini'], 'destconfig: import: no-such-file.ini: cannot read: no such file.\n'],
    [['import', '.'], 'destconfig: import: .: cannot read: it is a folder, not a file.\n'],
  ])('names the input that cannot be read, exit 2: %j', (args, stderr) => {
    const r = destconfig(['--home', home, ...args]);
    expect(r).toMatchObject({ status: 2, stdout: '', stderr });
  });

  it('fails with exit 1 when the committed table cannot be read, and leaves it as it was', () => {
    writeFileSync(path.join(home, 'destconfig.json'), 'garbage');
    for (const args of [['import', valid('minimal.ini')], ['list'], ['export'], ['lookup', 'example.com']]) {
      const r = destconfig(['--home', home, ...args]);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^destconfig: cannot read the table in ${home.replace(/[.]/g, '\\.')}: `));
    }
    expect(readFileSync(path.join(home, 'destconfig.json'), 'utf8')).toBe('garbage');
  });

  it('reads a file that is a pipe, as `import <(generate)` and `cat t.ini | import /dev/stdin` hand it over', () => {
    // Through bash, so that the file is a real pipe (spawnSync's input is a socket, which /dev/stdin cannot open).
    const bash = (script: string): Run => {
      const r = spawnSync('bash', ['-c', script, 'bash', process.execPath, BIN, home, valid('reference-example.ini')], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    const substituted = bash('"$1" "$2" --home "$3" import <(cat "$4")');
    expect(substituted).toMatchObject({ status: 0, stderr: '' });
    expect(substituted.stdout).toMatch(/^Imported 2 destination entries from \/dev\/fd\/\d+ \(2 added, 0 changed, 0 removed\); committed as revision 1\.\n$/);
    const piped = bash('cat "$4" | "$1" "$2" --home "$3" import /dev/stdin --dry-run');
    expect(piped).toMatchObject({ status: 0, stderr: '' });
    expect(piped.stdout).toContain('No changes: the file holds the committed table.');
  });

  it('reads a named pipe given as the file, and its errors still name the pipe', async () => {
    const fifo = path.join(home, 'in.ini');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', 'printf "[DEFAULT]\\nbogus = 1\\n" > "$1"', 'sh', fifo], { stdio: 'ignore' });
    const written = new Promise((resolve) => writer.on('close', resolve));
    const r = await destconfigAsync(['--home', home, 'import', fifo]);
    await written;
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${fifo}:2: [DEFAULT] bogus:`);
    expect(r.stderr).toContain(`destconfig: import: ${fifo} is not a valid table file; nothing was imported.`);
  });

  it('is a usage error without a file', () => {
    const r = destconfig(['--home', home, 'import']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("missing required argument 'file'");
  });
});

describe('destconfig export', () => {
  it('writes to stdout for "-" and without an argument, the factory table before any commit', () => {
    for (const args of [['export'], ['export', '-']]) {
      const r = destconfig(['--home', home, ...args]);
      expect(r).toMatchObject({ status: 0, stderr: '' });
      expect(withoutTime(r.stdout)).toBe(withoutTime(golden('minimal.ini')));
    }
  });

  it('writes a file atomically, replacing an older one, and says so', () => {
    expect(destconfig(['--home', home, 'import', valid('reference-example.ini')]).status).toBe(0);
    const out = path.join(home, 'out');
    mkdirSync(out);
    writeFileSync(path.join(out, 't.ini'), 'old content');
    const r = destconfig(['--home', home, 'export', path.join(out, 't.ini')]);
    expect(r).toMatchObject({ status: 0, stderr: '', stdout: `Exported 2 destination entries to ${path.join(out, 't.ini')}.\n` });
    expect(withoutTime(readFileSync(path.join(out, 't.ini'), 'utf8'))).toBe(withoutTime(golden('reference-example.ini')));
    expect(readdirSync(out)).toEqual(['t.ini']);
  });

  it('writes through a named pipe or device (/dev/null, /dev/stdout) instead of renaming a file over it', async () => {
    // An atomic rename over /dev/null, run as root, would replace the device with a regular file. A FIFO in a
    // temporary folder shows the same thing safely: it must still be a FIFO, and its reader gets the table.
    const fifo = path.join(home, 'pipe.ini');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'inherit'] });
    let read = '';
    reader.stdout.on('data', (b: Buffer) => (read += b.toString()));
    const done = new Promise((resolve) => reader.on('close', resolve));
    const r = destconfig(['--home', home, 'export', fifo]);
    const stillFifo = lstatSync(fifo).isFIFO();
    if (!stillFifo) reader.kill(); // nothing will ever write to the pipe it opened
    await done;
    expect(stillFifo).toBe(true);
    expect(r).toMatchObject({ status: 0, stderr: '', stdout: `Exported 0 destination entries to ${fifo}.\n` });
    expect(withoutTime(read)).toBe(withoutTime(golden('minimal.ini')));
    expect(readdirSync(home).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('export /dev/stdout gives a file that imports: the confirmation goes to stderr when the file is standard output', () => {
    expect(destconfig(['--home', home, 'import', valid('reference-example.ini')]).status).toBe(0);
    // Through a real pipe (`| cat`): the test runner's own stdio pipes are sockets, which /dev/stdout cannot open.
    const r = spawnSync('sh', ['-c', '"$0" "$1" --home "$2" export /dev/stdout | cat', process.execPath, BIN, home], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    expect(withoutTime(r.stdout)).toBe(withoutTime(destconfig(['--home', home, 'export', '-']).stdout));
    expect(r.stderr).toBe('Exported 2 destination entries to /dev/stdout.\n');
    const other = tempHome();
    try {
      expect(destconfig(['--home', other, 'import', '-'], { input: r.stdout })).toMatchObject({ status: 0, stderr: '' });
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('keeps the mode of a file it replaces, and writes through a symbolic link (the file it names is replaced)', () => {
    const out = path.join(home, 'out');
    mkdirSync(out);
    const real = path.join(out, 'tables-v1.ini');
    writeFileSync(real, 'old content', { mode: 0o600 });
    chmodSync(real, 0o600);
    symlinkSync('tables-v1.ini', path.join(out, 'current.ini'));
    const r = destconfig(['--home', home, 'export', path.join(out, 'current.ini')]);
    expect(r.status).toBe(0);
    expect(lstatSync(path.join(out, 'current.ini')).isSymbolicLink()).toBe(true);
    expect(withoutTime(readFileSync(real, 'utf8'))).toBe(withoutTime(golden('minimal.ini')));
    expect(statSync(real).mode & 0o777).toBe(0o600);
    expect(readdirSync(out).sort()).toEqual(['current.ini', 'tables-v1.ini']);
  });

  it('fails with exit 1 naming the file and the missing folder when it cannot write', () => {
    const r = destconfig(['--home', home, 'export', path.join(home, 'missing-folder', 't.ini')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`destconfig: export: cannot write ${path.join(home, 'missing-folder', 't.ini')}: the folder ${path.join(home, 'missing-folder')} does not exist.\n`);
  });
});
