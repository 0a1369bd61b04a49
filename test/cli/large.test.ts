// A 100,000-entry table through the built command: import, export, list and lookup give correct answers
// (no timing is asserted; the work is linear by construction: Map lookups, one sort). Also: a closed
// pipe (`| head -1`) ends quietly, and the progress bar appears on a terminal only.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTable } from '../../src/format/write.js';
import { loadTable } from '../../src/store/index.js';
import { blankEntry, emptyTable, TLS_MODES, type DestTable } from '../../src/table/types.js';
import { BIN, destconfig, requireBundle, tempHome, withoutTime } from './run.js';

const N = 100_000;
let home: string;
let file: string;
let canonical: string;

/** Entries of every kind: exact domains, parent-domain entries, IPv4 literals; varied fields. */
function bigTable(): DestTable {
  const t = emptyTable();
  for (let i = 0; i < N; i++) {
    const kind = i % 10;
    const key = kind === 0 ? `.zone${i}.example` : kind === 1 ? `[10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}]` : `d${i}.example`;
    const e = blankEntry(key);
    e.tls = TLS_MODES[i % TLS_MODES.length] ?? 'no';
    if (i % 3 === 0) {
      e.maxConcurrency = 1 + (i % 1000);
      e.limitType = i % 2 ? 'mxip' : 'domain';
      e.limitApply = 'system';
    }
    t.entries.set(key, e);
  }
  return t;
}

beforeAll(() => {
  requireBundle();
  home = tempHome();
  file = path.join(home, 'big.ini');
  canonical = formatTable(bigTable(), new Date('2026-01-01T00:00:00Z'));
  writeFileSync(file, canonical);
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe(`a table of ${N} entries`, () => {
  it('imports (no progress bar on a pipe), exports the same bytes, lists and looks up', async () => {
    const imp = destconfig(['--home', home, 'import', file]);
    expect(imp.stderr).toBe('');
    expect(imp).toMatchObject({ status: 0, stdout: `Imported ${N} destination entries from ${file} (${N} added, 0 changed, 0 removed); committed as revision 1.\n` });
    expect((await loadTable(home)).table.entries.size).toBe(N);

    const exp = destconfig(['--home', home, 'export']);
    expect(exp.status).toBe(0);
    expect(withoutTime(exp.stdout)).toBe(withoutTime(canonical));

    const list = destconfig(['--home', home, 'list', '--json']);
    expect(list.status).toBe(0);
    const doc = JSON.parse(list.stdout) as { entries: { destination: string; tls: string }[] };
    expect(doc.entries).toHaveLength(N);
    expect(doc.entries.find((e) => e.destination === 'd99999.example')?.tls).toBe(TLS_MODES[99999 % 6]);

    const text = destconfig(['--home', home, 'list']);
    expect(text.status).toBe(0);
    expect(text.stdout.split('\n')).toHaveLength(3 + N + 1 + 1);

    const hit = JSON.parse(destconfig(['--home', home, 'lookup', 'x@mail.zone99990.example', '--json']).stdout) as { matched: string };
    expect(hit.matched).toBe('.zone99990.example');
    const ip = JSON.parse(destconfig(['--home', home, 'lookup', 'x@[10.1.134.151]', '--json']).stdout) as { matched: string };
    expect(ip.matched).toBe('[10.1.134.151]');

    const dry = destconfig(['--home', home, 'import', '--dry-run', file]);
    expect(dry.stdout).toBe(`${file} is valid: ${N} destination entries (0 added, 0 changed, 0 removed). Dry run: nothing was committed.\nNo changes: the file holds the committed table.\n`);
  });

  it('ends quietly when the reader of its output goes away (| head -1)', () => {
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" --home "${home}" list --json | head -1; echo "status=\${PIPESTATUS[0]}" >&2`], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stdout).toBe('{\n');
    expect(r.stderr).toBe('status=0\n');
  });

  it('draws a progress bar on a terminal while a large import is read and checked', () => {
    // script(1) gives the command a pseudo-terminal, as an operator's shell would.
    const cmd = `"${process.execPath}" "${BIN}" --home "${home}" import --dry-run "${file}"`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`\\rImporting ${file.replace(/[.[\]/]/g, '\\$&')}: reading +\\[[#.]{30}\\] +\\d+%`));
    expect(r.stdout).toContain('checking [##############################] 100%');
    expect(r.stdout).toContain('\r\x1b[2K');
    expect(r.stdout).toContain('is valid: 100000 destination entries');
  });
});

describe('generated file', () => {
  it('is what the test claims: every entry, sorted, one key per line', () => {
    const text = readFileSync(file, 'utf8');
    expect(text.match(/^\[/gm)).toHaveLength(N + 1);
  });
});
