// What `deliver` keeps between runs in `<home>/delivery-state.json`, as the appliance keeps it while it runs:
// the next message and connection ids (MID, DCID), so lines of different runs in one mail log never share an
// id, and the recipient-limit windows, so "N recipients per M minutes" holds across runs started by cron or
// a script. Two runs started at the same instant may overlap (the file is read at start and replaced at the
// end); this is bookkeeping for logs and limits, not a lock.
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
