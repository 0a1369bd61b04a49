// Runs the built bin/destconfig as a user would: a real process with a temporary --home.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = path.join(REPO, 'bin', 'destconfig');
export const FIXTURES = path.join(REPO, 'fixtures', 'tables');

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function requireBundle(): void {
  if (!existsSync(path.join(REPO, 'dist', 'destconfig.mjs'))) throw new Error('dist/destconfig.mjs is missing: run `npm run build` (npm test does).');
}

export function tempHome(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'destconfig-cli-'));
}

export function destconfig(args: string[], opts: { cwd?: string; input?: string | Buffer } = {}): Run {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? REPO,
    input: opts.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', DESTCONFIG_HOME: '/nonexistent/destconfig-home-not-used' },
    maxBuffer: 512 * 1024 * 1024,
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * As destconfig(), but without blocking this process: for tests whose peers (SMTP, DNS) run in the test
 * process itself and must answer while the command runs.
 */
export function destconfigAsync(args: string[], opts: { input?: string } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1', DESTCONFIG_HOME: '/nonexistent/destconfig-home-not-used' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** The file's text without its first line (the header comment with the export time). */
export function withoutTime(text: string): string {
  return text.slice(text.indexOf('\n') + 1);
}
