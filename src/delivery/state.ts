// What `deliver` keeps between runs in `<home>/delivery-state.json`, as the appliance keeps it while it runs:
// the next message and connection ids (MID, DCID), so lines of different runs in one mail log never share an
// id, and the recipient-limit windows, so "N recipients per M minutes" holds across runs started by cron or
// a script. The file is read at the start of a run and replaced at the end, both under the run lock
// (`<home>/deliver.lock`, run-lock.ts): runs on one home take turns, as the appliance has one delivery engine,
// so overlapping runs (`xargs -P`, two cron jobs) neither reuse ids nor each start from the same window.
// A run killed outright (SIGKILL) saves nothing: the next run reuses its ids and does not count what it sent.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../store/write.js';
import { makeFolders } from '../store/folders.js';
import type { WindowSnapshot } from './limits.js';

export interface DeliveryState {
  mid: number;
  dcid: number;
  recipientWindows: WindowSnapshot;
}

export function stateFile(home: string): string {
  return path.join(home, 'delivery-state.json');
}

export async function loadState(home: string): Promise<DeliveryState> {
  const fresh: DeliveryState = { mid: 1, dcid: 1, recipientWindows: {} };
  let doc: Partial<DeliveryState>;
  try {
    doc = JSON.parse(await readFile(stateFile(home), 'utf8')) as Partial<DeliveryState>;
  } catch {
    return fresh; // missing or damaged: start counting again rather than refuse to deliver
  }
  const id = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 1;
  return {
    mid: id(doc.mid) ? doc.mid : 1,
    dcid: id(doc.dcid) ? doc.dcid : 1,
    recipientWindows: doc.recipientWindows && typeof doc.recipientWindows === 'object' ? doc.recipientWindows : {},
  };
}

/** Replaces the state file atomically (temp file and rename). */
export async function saveState(home: string, state: DeliveryState): Promise<void> {
  await makeFolders(home);
  await writeFileAtomic(stateFile(home), JSON.stringify(state) + '\n');
}
