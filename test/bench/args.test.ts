// The bench's command line: --help prints usage, a mistyped option or case is refused (status 2 from
// bench/main.ts) instead of starting minutes of measurements nobody asked for.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CASES, parseBenchArgs, USAGE } from '../../bench/lib/args.js';

describe('bench arguments', () => {
  it('takes --quick and --only in both forms', () => {
    expect(parseBenchArgs([])).toEqual({ help: false, quick: false, only: null });
    expect(parseBenchArgs(['--quick', '--only', 'startup,tables'])).toEqual({ help: false, quick: true, only: ['startup', 'tables'] });
    expect(parseBenchArgs(['--only=delivery'])).toEqual({ help: false, quick: false, only: ['delivery'] });
  });

  it('answers --help and -h', () => {
    expect(parseBenchArgs(['--help'])).toEqual({ help: true });
    expect(parseBenchArgs(['-h', '--quick'])).toEqual({ help: true });
    for (const name of CASES) expect(USAGE).toContain(name);
  });

  it('refuses a mistyped option, an unknown case and a stray argument, naming it', () => {
    expect(() => parseBenchArgs(['--qiuck'])).toThrow(/--qiuck/);
    expect(() => parseBenchArgs(['--only', 'tabels'])).toThrow("unknown case 'tabels' in --only");
    expect(() => parseBenchArgs(['--only', ','])).toThrow('--only needs a case name');
    expect(() => parseBenchArgs(['delivery'])).toThrow("unexpected argument 'delivery'");
  });
});

describe('npm run bench -- --help (bench/run.mjs)', () => {
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, [path.join(__dirname, '../../bench/run.mjs'), ...args], { timeout: 60_000 }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('prints the usage and runs nothing', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: npm run bench');
    expect(r.stderr).not.toContain('bench: startup');
  });

  it('ends with status 2 on a mistyped option, before measuring anything', async () => {
    const r = await run(['--only', 'tabels']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("bench: unknown case 'tabels' in --only");
    expect(r.stderr).not.toContain('bench: startup');
  });
});
