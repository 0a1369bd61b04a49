// The start-up fast paths of src/cli/main.ts: `--version` and a plain `list` are answered without commander,
// with the same output and exit status as the commander program gives, and without loading it.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { plainList } from '../../src/cli/plain-list.js';
import { BIN, FIXTURES, REPO, destconfig, requireBundle, tempHome } from './run.js';

beforeAll(requireBundle);

/** The bundle files (under dist/) a run loads, by path from dist/ (a module loader hook records them). */
function loadedFiles(args: string[]): string[] {
  const log = path.join(mkdtempSync(path.join(os.tmpdir(), 'destconfig-loads-')), 'loads.txt');
  const hook = path.join(REPO, 'test', 'shell', 'terminal', 'record-loads.mjs');
  const r = spawnSync(process.execPath, [`--import=${hook}`, BIN, ...args], { encoding: 'utf8', env: { ...process.env, LOAD_LOG: log } });
  expect(r.status).toBe(0);
  const dist = path.join(REPO, 'dist') + path.sep;
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((u) => u.startsWith('file:'))
    .map((u) => new URL(u).pathname)
    .filter((p) => p.startsWith(dist))
    .map((p) => p.slice(dist.length));
}

describe('plainList', () => {
  it('accepts list with --json, --home DIR, --home=DIR and --no-color in any order', () => {
    expect(plainList(['list'])).toEqual({ home: undefined, json: false });
    expect(plainList(['--home', '/h', 'list', '--json'])).toEqual({ home: '/h', json: true });
    expect(plainList(['--no-color', 'list', '--home=/h'])).toEqual({ home: '/h', json: false });
  });

  it('leaves every other command line to commander', () => {
    for (const args of [[], ['list', '-h'], ['list', '--help'], ['list', 'x'], ['--json', 'list'], ['list', '--home'], ['list', '--home', '--json'], ['list', '--home='], ['list', '--home', 'a', '--home', 'b'], ['list', 'list'], ['list', '--json', '--json'], ['detail', 'all'], ['list', '--']]) {
      expect(plainList(args), args.join(' ')).toBeNull();
    }
  });
});

describe('--version', () => {
  it('prints the package version, as commander does, and loads no command code', () => {
    const version = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version as string;
    for (const flag of ['--version', '-V']) expect(destconfig([flag])).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
    expect(destconfig(['--home', tempHome(), '--version'])).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
    // The entry bundle alone: no chunk, not the commander program.
    expect(loadedFiles(['--version'])).toEqual(['destconfig.mjs']);
  });
});

describe('list without commander', () => {
  it('prints what the commander program prints, as text and as JSON, and loads no commander', () => {
    const home = tempHome();
    expect(destconfig(['import', path.join(FIXTURES, 'valid', 'spellings.ini'), '--home', home]).status).toBe(0);
    for (const extra of [[], ['--json']]) {
      const fast = destconfig(['list', ...extra, '--home', home]);
      // A repeated --home is not a plain command line: commander runs it (the last --home wins).
      const viaCommander = destconfig(['list', ...extra, '--home', '/nonexistent', '--home', home]);
      expect(fast.status).toBe(0);
      expect(fast.stdout).toContain(extra.length ? '"schemaVersion"' : 'example.org');
      expect(fast).toEqual(viaCommander);
    }
    // One module file for the whole list path (scripts/build.mjs): the entry bundle, no chunk, no program.
    for (const extra of [[], ['--json']]) expect(loadedFiles(['list', ...extra, '--home', home])).toEqual(['destconfig.mjs']);
    expect(loadedFiles(['detail', 'all', '--home', home])).toContain('program.mjs');
  });

  it('a table that cannot be read ends with status 1 and the same message', () => {
    const home = tempHome();
    writeFileSync(path.join(home, 'destconfig.json'), '{');
    const fast = destconfig(['list', '--home', home]);
    expect(fast.status).toBe(1);
    expect(fast.stderr).toMatch(/^destconfig: cannot read the table in .*not valid JSON/);
    expect(fast).toEqual(destconfig(['list', '--home', '/nonexistent', '--home', home]));
  });
});

describe('output that cannot be written', () => {
  /** Runs bin/destconfig with its standard output on /dev/full (every write fails with ENOSPC). */
  function toFullDevice(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const full = openSync('/dev/full', 'w');
    try {
      const r = spawnSync(process.execPath, [BIN, ...args], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      return { status: r.status, stdout: '', stderr: r.stderr };
    } finally {
      closeSync(full);
    }
  }

  it('ends with status 1 and one line naming the failure, on the fast paths and through commander alike', () => {
    const home = tempHome();
    expect(destconfig(['import', path.join(FIXTURES, 'valid', 'spellings.ini'), '--home', home]).status).toBe(0);
    const expected = { status: 1, stdout: '', stderr: 'destconfig: cannot write the output: ENOSPC: no space left on device, write\n' };
    for (const args of [['--version'], ['list', '--home', home], ['list', '--json', '--home', home]]) {
      expect(toFullDevice(args), args.join(' ')).toEqual(expected);
      // The same command line through commander (a global option the fast paths leave to it).
      expect(toFullDevice(['--hostname', 'ESA', ...args]), `commander: ${args.join(' ')}`).toEqual(expected);
    }
  });
});
