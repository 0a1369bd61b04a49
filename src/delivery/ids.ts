// Message and connection ids (MID, DCID) keep counting across runs, as on the appliance, so that lines of
// different runs in one mail log never share an id. The next free values live in `<home>/delivery-ids.json`.
// Two runs started at the same instant may overlap; the ids are for reading logs, not for locking.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface DeliveryIds {
  mid: number;
  dcid: number;
}

function idsFile(home: string): string {
  return path.join(home, 'delivery-ids.json');
}

export async function nextIds(home: string): Promise<DeliveryIds> {
  try {
    const doc = JSON.parse(await readFile(idsFile(home), 'utf8')) as Partial<DeliveryIds>;
    const ok = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 1;
    return { mid: ok(doc.mid) ? doc.mid : 1, dcid: ok(doc.dcid) ? doc.dcid : 1 };
  } catch {
    return { mid: 1, dcid: 1 };
  }
}

export async function saveIds(home: string, ids: DeliveryIds): Promise<void> {
  await mkdir(home, { recursive: true });
  const tmp = `${idsFile(home)}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(ids) + '\n');
  await rename(tmp, idsFile(home));
}
