// End-to-end: `destconfig list`, `detail` and `lookup` on the built bundle, their JSON shapes
// (docs/cli.md), exit statuses, --help and --version everywhere.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importTableBytes } from '../../src/format/read.js';
import { loadTable } from '../../src/store/index.js';
import { renderDetail, renderList } from '../../src/table/render.js';
import { FIXTURES, REPO, destconfig, requireBundle, tempHome } from './run.js';

let home: string;
beforeAll(() => {
  requireBundle();
  home = tempHome();
  const r = destconfig(['--home', home, 'import', path.join(FIXTURES, 'valid', 'spellings.ini')]);
  if (r.status !== 0) throw new Error(r.stderr);
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

const json = (args: string[]): unknown => {
  const r = destconfig(['--home', home, ...args]);
  if (r.status !== 0 || r.stderr !== '') throw new Error(`${args.join(' ')}: ${r.status} ${r.stderr}`);
  return JSON.parse(r.stdout);
};

// The Default row of spellings.ini as the model holds it (test/format/model.test.ts spells it out).
const imported = importTableBytes(readFileSync(path.join(FIXTURES, 'valid', 'spellings.ini')), 'spellings.ini');
const SPELLINGS_DEFAULT = imported.ok ? imported.table.defaults : null;

describe('destconfig list --json', () => {
  it('prints the Default row and every entry as stored, in LIST order', () => {
    const doc = json(['list', '--json']) as { schemaVersion: number; default: unknown; entries: { destination: string }[] };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.default).toEqual(SPELLINGS_DEFAULT);
    expect(Object.keys(doc.default as object)).toEqual(['ipSortPref', 'maxConcurrency', 'maxMessagesPerConnection', 'recipientLimit', 'limitType', 'limitApply', 'tls', 'dane', 'bounceVerification', 'bounceProfile']);
    // LIST order: domains alphabetically (exact before its .parent entry), then IPv4, then IPv6.
    expect(doc.entries.map((e) => e.destination)).toEqual([
      'empty.example',
      'example.org',
      '.example.org',
      'xn--bcher-kva.example',
      '[192.0.2.25]',
      '[2001:db8::25]',
    ]);
    expect(doc.entries[4]).toEqual({
      destination: '[192.0.2.25]',
      ipSortPref: 'default',
      maxConcurrency: 2,
      maxMessagesPerConnection: 'default',
      recipientLimit: 'default',
      limitType: 'domain',
      limitApply: 'system',
      tls: 'default',
      dane: 'default',
      bounceVerification: 'default',
      bounceProfile: 'default',
    });
  });
});

describe('text output is the shell\'s LIST and DETAIL text', () => {
  it('list prints renderList of the committed table', async () => {
    const r = destconfig(['--home', home, 'list']);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout).toBe(renderList((await loadTable(home)).table));
    expect(r.stdout.split('\n').at(-2)).toMatch(/^\(Default\) +On +On +On +Slow_Retry +Require IPv4$/);
  });

  it.each([
    ['all', 'all'],
    ['Default', 'default'],
    ['.Example.org', '.example.org'],
    ['192.0.2.25', '[192.0.2.25]'],
  ])('detail %s prints renderDetail(table, %j)', async (arg, which) => {
    const r = destconfig(['--home', home, 'detail', arg]);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    expect(r.stdout).toBe(renderDetail((await loadTable(home)).table, which));
  });
});

describe('destconfig detail --json', () => {
  it('shows an entry with each effective value and its source', () => {
    const doc = json(['detail', 'Example.ORG.', '--json']) as { destination: string; fields: Record<string, unknown> };
    expect(doc.destination).toBe('example.org');
    expect(doc.fields.maxConcurrency).toEqual({ value: 1000, source: 'default' });
    expect(doc.fields.recipientLimit).toEqual({ value: { limit: 1e9, minutes: 1 }, source: 'entry' });
    expect(doc.fields.tls).toEqual({ value: 'required_verify_hosted', source: 'entry' });
  });

  it('shows the Default row for "default" and every row for "all"', () => {
    const d = json(['detail', 'DEFAULT', '--json']) as { destination: string; fields: Record<string, { source: string }> };
    expect(d.destination).toBe('default');
    expect(Object.values(d.fields).every((f) => f.source === 'default')).toBe(true);
    const all = json(['detail', 'all', '--json']) as { default: unknown; entries: { destination: string }[] };
    expect(all.entries).toHaveLength(6);
    expect(all.default).toEqual({ destination: 'default', fields: d.fields });
  });

  it.each([
    [['detail', 'nowhere.example'], 'destconfig: detail: The domain "nowhere.example" was not found in the destination control table.\n'],
    [['detail', 'exa mple.com'], 'destconfig: detail: Invalid destination "exa mple.com": it must not contain spaces.\n'],
  ])('refuses %j with exit 2', (args, stderr) => {
    expect(destconfig(['--home', home, ...args, '--json'])).toMatchObject({ status: 2, stdout: '', stderr });
  });
});

describe('destconfig lookup', () => {
  it.each([
    ['user@Example.ORG', 'exact', 'example.org'],
    ['user@a.b.example.org', 'parent', '.example.org'],
    ['user@[192.0.2.25]', 'exact', '[192.0.2.25]'],
    ['192.0.2.25', 'exact', '[192.0.2.25]'],
    ['user@[192.0.2.26]', 'default', null],
    ['user@bücher.example', 'exact', 'xn--bcher-kva.example'],
    ['elsewhere.test', 'default', null],
  ])('%s is governed by the %s row %s', (query, match, matched) => {
    const doc = json(['lookup', query, '--json']) as { query: string; match: string; matched: string | null };
    expect(doc).toMatchObject({ query, match, matched });
  });

  it('prints each effective field with where it came from', () => {
    const r = destconfig(['--home', home, 'lookup', 'user@a.b.example.org']);
    expect(r).toMatchObject({ status: 0, stderr: '' });
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual(['Destination: a.b.example.org', 'Governed by: .example.org (nearest parent-domain entry)', '']);
    expect(lines.find((l) => l.startsWith('TLS Support:'))).toMatch(/^TLS Support: +Required +from \.example\.org$/);
    expect(lines.find((l) => l.startsWith('Maximum Concurrent Connections:'))).toMatch(/ 1,000 +from the Default row$/);
    expect(lines.find((l) => l.startsWith('Recipient Limit:'))).toMatch(/ No Limit +from the Default row$/);
  });

  it.each(['user@', 'user@exa mple.com', 'user@.example.org', 'user@[999.1.1.1]'])('refuses %j with exit 2 naming it', (query) => {
    const r = destconfig(['--home', home, 'lookup', query]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^destconfig: lookup: ${JSON.stringify(query).replace(/[[\].]/g, '\\$&')} is not a valid recipient or domain: .+\\n$`));
  });
});

describe('--help, --version and usage errors', () => {
  const version = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

  it.each(['list', 'detail', 'import', 'export', 'lookup'])('%s --help describes the command and exits 0', (command) => {
    const r = destconfig([command, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Usage: destconfig ${command}`);
    expect(r.stdout).toMatch(/^ +--home <dir> +table home folder/m);
    expect(r.stdout).toContain('Exit status: 0 success, 2 bad input or usage, 1 any other failure.');
    expect(r.stderr).toBe('');
  });

  it('destconfig --help says that no command opens the shell, which options are the shell\'s, and every exit status', () => {
    const r = destconfig(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: destconfig [options] [command]');
    expect(r.stdout).toMatch(/With no command, destconfig opens the ESA-style shell \(ESA> \)/);
    for (const option of ['--hostname <name>', '--lenient', '--ui <mode>']) expect(r.stdout).toMatch(new RegExp(`^ +${option} +shell: `, 'm'));
    expect(r.stdout).toMatch(/^ +--home <dir> +table home folder/m);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('Exit status: 0 success, 2 bad input or usage, 1 any other failure; the shell: 3 when it ends with uncommitted changes');
  });

  it('destconfig help [COMMAND] prints the same help as --help (it used to be an unknown command)', () => {
    const root = destconfig(['help']);
    expect(root).toMatchObject({ status: 0, stderr: '' });
    expect(root.stdout).toBe(destconfig(['--help']).stdout);
    expect(destconfig(['hlep']).stderr).toContain('Did you mean "help"?');
    const list = destconfig(['help', 'list']);
    expect(list).toMatchObject({ status: 0, stderr: '' });
    expect(list.stdout).toBe(destconfig(['list', '--help']).stdout);
  });

  it.each(['deliver', 'tlsverify'])('%s --help lists --home, which names the table it reads', (command) => {
    const r = destconfig([command, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ +--home <dir> +table home folder/m);
  });

  it.each([['--version'], ['-V'], ['list', '--version']])('%j prints the version', (...args) => {
    const r = destconfig(args);
    expect(r).toMatchObject({ status: 0, stdout: `${version}\n` });
  });

  it.each([
    ['list', '--bogus'],
    ['detail'],
    ['lookup'],
    ['export', 'a', 'b'],
  ])('%j is a usage error (exit 2)', (...args) => {
    const r = destconfig(['--home', home, ...args]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/error: /);
  });

  it('an unknown command is named as one, with a did-you-mean, not "too many arguments"', () => {
    const r = destconfig(['--home', home, 'lsit']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`unknown command 'lsit'`);
    expect(r.stderr).toContain('Did you mean "list"?');
    expect(r.stderr).not.toContain('too many arguments');
  });
});
