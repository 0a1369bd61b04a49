// scripts/peers.sh, dane-rig.sh and test-deps.sh --help: the commands and every environment variable the
// script reads (docs/interop.md, docs/dane.md), status 0; a wrong command is status 2 with the usage.
// Needs no root and starts nothing.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const scripts = fileURLToPath(new URL('../../scripts', import.meta.url));
const run = (script: string, args: string[]) => spawnSync('bash', [path.join(scripts, script), ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
/** Upper-case variables the script reads with a default or a test (`${NAME:-...}`, `${NAME:?}`), its own settings. */
const settings = (script: string): string[] =>
  [...new Set([...readFileSync(path.join(scripts, script), 'utf8').matchAll(/\$\{([A-Z][A-Z0-9_]+):[-?]/g)].map((m) => m[1] ?? ''))].filter((v) => v !== 'TMPDIR');

describe.each([
  ['peers.sh', ['start', 'stop', 'status']],
  ['dane-rig.sh', ['start', 'stop']],
])('%s', (script, commands) => {
  it('--help names every command and every setting it reads from the environment, status 0', () => {
    const r = run(script, ['--help']);
    expect(r.status).toBe(0);
    for (const c of commands) expect(r.stdout).toContain(c);
    const vars = settings(script);
    expect(vars).toContain('BASE');
    for (const v of vars) expect(r.stdout, v).toContain(v);
  });

  it('an unknown command is status 2 with the usage on stderr', () => {
    const r = run(script, ['bogus']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage');
  });
});

describe('test-deps.sh (the README test command installs the Debian packages with it)', () => {
  it('--help says what it installs and its exit statuses, status 0', () => {
    const r = run('test-deps.sh', ['--help']);
    expect(r.status).toBe(0);
    for (const p of ['postfix', 'dnsmasq', 'unbound', 'tmux', '--check', 'Exit status']) expect(r.stdout).toContain(p);
  });

  it('--check installs nothing and names what is missing or says all is there, status 0', () => {
    const r = run('test-deps.sh', ['--check']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^test-deps: (all test packages are installed|missing \S)/);
  });

  it('an unknown argument is status 2 naming it', () => {
    const r = run('test-deps.sh', ['--bogus']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("'--bogus'");
  });
});
