// Measured child processes: wall time around spawnSync, and for node children the child's own CPU time
// and peak RSS through rusage-preload.mjs (no external timing tool needed).
import { spawn, spawnSync, type ChildProcess, type SpawnSyncOptions } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The bench runs bundled outside the tree (bench/run.mjs sets BENCH_REPO); the load tests run this file
// from source, two levels below the repository.
export const REPO = process.env.BENCH_REPO ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = path.join(REPO, 'bin', 'destconfig');
const PRELOAD = path.join(REPO, 'bench', 'lib', 'rusage-preload.mjs');

export interface Timed {
  wallMs: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

export function timeSpawn(cmd: string, args: string[], opts: SpawnSyncOptions = {}): Timed {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return { wallMs, status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
}

export interface Measured extends Timed {
  cpuMs: number;
  maxRssMb: number;
}

/**
 * Runs `node ARGS` with the rusage preload. `stdinFile` feeds a file on stdin; `stdoutToNull` sends
 * output to /dev/null (as `list > /dev/null` would) instead of collecting it.
 */
export function measureNode(args: string[], opts: { stdinFile?: string; stdoutToNull?: boolean; env?: NodeJS.ProcessEnv } = {}): Measured {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-rusage-'));
  const file = path.join(dir, 'rusage.json');
  const stdinFd = opts.stdinFile ? openSync(opts.stdinFile, 'r') : undefined;
  try {
    const r = timeSpawn(process.execPath, ['--import', PRELOAD, ...args], {
      env: { ...process.env, ...opts.env, BENCH_RUSAGE_FILE: file, NO_COLOR: '1' },
      stdio: [stdinFd ?? 'ignore', opts.stdoutToNull ? 'ignore' : 'pipe', 'pipe'],
    });
    let usage = { userMs: NaN, systemMs: NaN, maxRssKb: NaN };
    try {
      usage = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      // the child died before its exit hook ran; the NaNs say so in the report
    }
    return { ...r, cpuMs: usage.userMs + usage.systemMs, maxRssMb: usage.maxRssKb / 1024 };
  } finally {
    if (stdinFd !== undefined) closeSync(stdinFd);
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface MeasuredChild {
  child: ChildProcess;
  done: Promise<Measured>;
}

/**
 * Async form of measureNode, for runs whose peers live in this process (spawnSync would block them):
 * `node --import rusage-preload ARGS`, output collected, resource usage read after exit.
 */
export function spawnMeasured(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): MeasuredChild {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-rusage-'));
  const file = path.join(dir, 'rusage.json');
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--import', PRELOAD, ...args], {
    env: { ...process.env, ...opts.env, BENCH_RUSAGE_FILE: file, NO_COLOR: '1' },
    cwd: opts.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  const done = new Promise<Measured>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      let usage = { userMs: NaN, systemMs: NaN, maxRssKb: NaN };
      try {
        usage = JSON.parse(readFileSync(file, 'utf8'));
      } catch {
        // no exit hook ran (killed by a signal); NaNs say so
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({
        wallMs,
        status,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        cpuMs: usage.userMs + usage.systemMs,
        maxRssMb: usage.maxRssKb / 1024,
      });
    });
  });
  return { child, done };
}

/** A one-line reason from a failed child run, for the report. */
export function failure(r: Timed): string {
  const err = (r.stderr || r.stdout).trim().split('\n').slice(-1)[0] ?? '';
  return `exit ${r.status}: ${err.slice(0, 160)}`;
}
