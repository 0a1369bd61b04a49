// Generated destination-control tables for the table bench: the same N entries as an in-memory DestTable
// and as an ESA table file (issue 3's format). A mix of exact and `.parent` entries, some with
// limits or TLS settings, and recipients that hit exact entries, parent entries and the Default row.
import { blankEntry, emptyTable, type DestEntry, type DestTable, type TlsMode } from '../../src/table/types.js';
import { formatTable } from '../../src/format/write.js';

const TLS_CYCLE: TlsMode[] = ['preferred', 'required', 'required_verify', 'no'];

function entryFor(i: number): DestEntry {
  // Every fifth entry covers every subdomain of its domain (`.tN.example`), the rest one exact domain.
  const dest = i % 5 === 4 ? `.t${i}.example` : `t${i}.example`;
  const e = blankEntry(dest);
  if (i % 2 === 0) e.tls = TLS_CYCLE[(i / 2) % TLS_CYCLE.length]!;
  if (i % 3 === 0) {
    e.maxConcurrency = 1 + (i % 100);
    e.limitType = i % 6 === 0 ? 'mxip' : 'domain';
    e.limitApply = 'system';
  }
  if (i % 7 === 0) {
    e.recipientLimit = { limit: 1000 + i, minutes: 1 + (i % 60) };
    e.limitType = 'domain';
    e.limitApply = 'system';
  }
  if (i % 11 === 0) e.maxMessagesPerConnection = 1 + (i % 1000);
  return e;
}

export function generatedTable(n: number): DestTable {
  const t = emptyTable();
  for (let i = 0; i < n; i++) {
    const e = entryFor(i);
    t.entries.set(e.destination, e);
  }
  return t;
}

/** The same table as an ESA table file, as the product's export writes it (the file an operator moves). */
export function tableFileText(n: number): string {
  return formatTable(generatedTable(n), new Date());
}

/** Recipients for lookups: a third hit exact entries, a third subdomains of `.parent` entries, a third nothing. */
export function lookupRecipients(n: number, count: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const i = (k * 7919) % n;
    if (k % 3 === 0) out.push(`user${k}@t${i - (i % 5 === 4 ? 1 : 0)}.example`);
    else if (k % 3 === 1) out.push(`user${k}@mail.t${i - (i % 5) + 4}.example`);
    else out.push(`user${k}@unknown${k}.example.org`);
  }
  return out;
}
