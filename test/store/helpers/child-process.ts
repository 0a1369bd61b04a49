// Builds child.ts into a temp folder with esbuild (tsx is not installed) and runs it as real processes.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll } from 'vitest';

export async function buildChild(): Promise<{ script: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'destconfig-store-child-'));
  const script = path.join(dir, 'child.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./child.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: script,
    logLevel: 'silent',
  });
  return { script, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Builds the child script before the file's tests and removes it after; the getter gives its path. */
export function useChildScript(): () => string {
  let built: Awaited<ReturnType<typeof buildChild>> | null = null;
  beforeAll(async () => {
    built = await buildChild();
  });
  afterAll(async () => {
    await built?.cleanup();
  });
  return () => {
    if (!built) throw new Error('the child script is not built yet');
    return built.script;
  };
}

export interface Child {
  proc: ChildProcessWithoutNullStreams;
  /** Every stdout line so far. */
  lines: string[];
  /** Resolves with the next stdout line (rejects if the process exits first). */
  nextLine(): Promise<string>;
  /** Sends a command line and resolves with the JSON reply. */
  ask(command: string): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function runChild(script: string, args: string[]): Child {
  const proc = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiting: { resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  let unread = 0;
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: proc.stdout }).on('line', (line) => {
    lines.push(line);
    const w = waiting.shift();
    if (w) w.resolve(line);
    else unread++;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // 'close', not 'exit': it comes after stdout has been read to the end, so no line is still pending.
    proc.on('close', (code, signal) => {
      for (const w of waiting.splice(0)) w.reject(new Error(`child exited (${code ?? signal}) ${stderr}`));
      resolve({ code, signal });
    }),
  );
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      if (unread > 0) {
        resolve(lines[lines.length - unread] as string);
        unread--;
      } else if (proc.exitCode !== null || proc.signalCode !== null) reject(new Error(`child exited ${stderr}`));
      else waiting.push({ resolve, reject });
    });
  const ask = async (command: string) => {
    proc.stdin.write(command + '\n');
    return JSON.parse(await nextLine()) as Record<string, unknown>;
  };
  return { proc, lines, nextLine, ask, exited };
}

/** Starts `count` children in serve mode on `home` and waits until each is ready. */
export async function startServers(script: string, home: string, count: number): Promise<Child[]> {
  const children = Array.from({ length: count }, () => runChild(script, ['serve', home]));
  for (const c of children) {
    const first = await c.nextLine();
    if (first !== 'ready') throw new Error(`child said ${JSON.stringify(first)} instead of ready`);
  }
  return children;
}

export function stopAll(children: Child[]): void {
  for (const c of children) c.proc.kill();
}
