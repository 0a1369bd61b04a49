// Temporary home folders for the store tests, removed after each file's tests.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

/** A path to a home folder that does not exist yet (its parent does). */
export async function freshHome(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'destconfig-store-'));
  made.push(dir);
  return path.join(dir, 'home');
}

export async function removeHomes(): Promise<void> {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
}
