// Two process ids for lock tests: one of a process that is alive for the file's tests (a `sleep`), one of a
// process that has exited (so a lock naming it is stale on this host).
import { spawn, type ChildProcess } from 'node:child_process';

export interface TestPids {
  live: number;
  dead: number;
  /** Ends the live process. */
  stop(): void;
}

export async function livingAndDeadPids(): Promise<TestPids> {
  const sleeper: ChildProcess = spawn('sleep', ['600'], { stdio: 'ignore' });
  const done = spawn('true', { stdio: 'ignore' });
  await new Promise((resolve) => done.on('exit', resolve));
  return { live: sleeper.pid ?? 0, dead: done.pid ?? 0, stop: () => sleeper.kill() };
}
