// Drives the built bin/destconfig as a user would: a real process, piped stdin, a temporary --home.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(ROOT, 'bin', 'destconfig');

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export function requireBuild(): void {
  if (!existsSync(path.join(ROOT, 'dist', 'destconfig.mjs'))) {
    throw new Error('dist/destconfig.mjs is missing: run `npm run build` (npm test does) before these tests');
  }
}

export function tempHome(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'destconfig-shell-'));
}

/** Runs the shell with `input` piped on stdin (a string of lines or raw bytes) and waits for it to end. */
export function runShell(input: string | Buffer, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  requireBuild();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, NO_COLOR: undefined, DESTCONFIG_HOME: undefined, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    // The shell may end (exit 2) before it has read everything; a closed pipe is expected then.
    child.stdin.on('error', () => undefined);
    child.on('close', (code) => resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), code }));
    child.stdin.end(input);
  });
}

/** Lines joined into a piped script. */
export function script(...lines: string[]): string {
  return lines.map((l) => l + '\n').join('');
}

/** The committed table document in a home, or null when nothing was committed. */
export function committedDoc(home: string): Record<string, unknown> | null {
  const file = path.join(home, 'destconfig.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : null;
}

/** The seed's NEW answers after the domain: N, N, N, Y, 3, N, N, N (TLS Required, everything else Default). */
export const SEED_NEW_ANSWERS = ['N', 'N', 'N', 'Y', '3', 'N', 'N', 'N'];
