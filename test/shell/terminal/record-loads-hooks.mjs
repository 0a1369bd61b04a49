// Loader hook of record-loads.mjs: appends each loaded module's URL to $LOAD_LOG.
import { appendFileSync } from 'node:fs';

export async function load(url, context, nextLoad) {
  if (process.env.LOAD_LOG) appendFileSync(process.env.LOAD_LOG, `${url}\n`);
  return nextLoad(url, context);
}
