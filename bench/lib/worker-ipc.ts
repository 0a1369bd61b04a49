// Runs a bench worker (a bundled .mjs under the bench build folder) in its own process, so the sink's CPU
// never counts as the client's and each client is measured alone. One request, one reply, over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface Worker {
  request<T>(message: unknown): Promise<T>;
  stop(): Promise<void>;
}

/** The folder holding the bundled workers (set by bench/run.mjs). */
export function workerPath(name: string): string {
  const dir = process.env.BENCH_BUILD_DIR;
  if (!dir) throw new Error('BENCH_BUILD_DIR is not set: run the bench through `npm run bench`');
  return path.join(dir, `${name}.mjs`);
}

export function startWorker(name: string, execArgv: string[] = []): Worker {
  const child: ChildProcess = fork(workerPath(name), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
    execArgv,
  });
  let exited: Error | null = null;
  const waiters: { resolve: (v: unknown) => void; reject: (e: Error) => void }[] = [];
  child.on('message', (m: unknown) => {
    const w = waiters.shift();
    if (!w) return;
    const msg = m as { error?: string };
    if (msg && typeof msg === 'object' && typeof msg.error === 'string') w.reject(new Error(`${name}: ${msg.error}`));
    else w.resolve(m);
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`${name} worker exited (${signal ?? code})`);
    for (const w of waiters.splice(0)) w.reject(exited);
  });
  return {
    request<T>(message: unknown): Promise<T> {
      if (exited) return Promise.reject(exited);
      return new Promise<T>((resolve, reject) => {
        waiters.push({ resolve: resolve as (v: unknown) => void, reject });
        child.send(message as object);
      });
    },
    // Workers exit by themselves after their last reply (so a --cpu-prof profile gets written); a
    // worker still running after a few seconds is ended.
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        const timer = setTimeout(() => child.kill('SIGTERM'), 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/** Worker side: answer each request with the handler's result (or its error message). */
export function serveRequests(handler: (message: unknown) => Promise<unknown>): void {
  process.on('message', (m) => {
    handler(m).then(
      (reply) => process.send?.(reply as object),
      (err: unknown) => process.send?.({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
    );
  });
}
