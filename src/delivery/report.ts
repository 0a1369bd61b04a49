// The outcome of a `deliver` run: a text report for people, `--json` (the DeliveryReport shape in types.ts,
// documented in docs/delivery.md) for scripts, and the exit status the outcomes give (0 all delivered, 75 some
// deferred and none bounced, 69 any bounced; a run stopped by a signal ends 75 at best: cli-deliver.ts).
import { TLS_LABELS } from '../table/fields.js';
import type { DeliveryReport, RecipientReport } from './types.js';
import { escapeControls } from './maillog.js';

export const DELIVER_EXIT = { OK: 0, BOUNCED: 69, DEFERRED: 75 } as const;

export function exitStatus(report: DeliveryReport): number {
  if (report.summary.bounced > 0) return DELIVER_EXIT.BOUNCED;
  if (report.summary.deferred > 0) return DELIVER_EXIT.DEFERRED;
  return DELIVER_EXIT.OK;
}

/**
 * The report as JSON. A reply always shows code, enhanced and text (enhanced null when the server sent no
 * RFC 3463 code), so scripts can read the same three fields on every recipient.
 */
export function reportJson(report: DeliveryReport): string {
  const recipients = report.recipients.map((r) =>
    r.reply ? { ...r, reply: { code: r.reply.code, enhanced: r.reply.enhanced ?? null, text: r.reply.text } } : r,
  );
  return JSON.stringify({ ...report, recipients }, null, 2) + '\n';
}

function tlsLine(r: RecipientReport): string {
  const t = r.tls;
  const mode = TLS_LABELS[t.mode];
  if (!t.negotiated) return `TLS ${mode}: not negotiated`;
  const cert =
    t.verified === true
      ? `certificate verified${t.matchedIdentity ? ` (${t.matchedIdentity})` : ''}`
      : t.verified === false
        ? `certificate not verified${t.verifyError ? `: ${t.verifyError}` : ''}`
        : 'certificate not checked';
  return `TLS ${mode}: ${t.protocol ?? '?'} ${t.cipher ?? '?'}, ${cert}${t.dane ? `; DANE ${t.dane}` : ''}`;
}

/** Plain text, one block per recipient, grouped under its message. */
export function reportText(report: DeliveryReport): string {
  const out: string[] = [];
  let lastMid = -1;
  for (const r of report.recipients) {
    if (r.mid !== lastMid) {
      out.push(`Message ${r.message} (MID ${r.mid})`);
      lastMid = r.mid;
    }
    const where = r.ip ? ` via ${r.mxHost ? `${r.mxHost} ` : ''}[${r.ip}]` : '';
    out.push(`  ${r.address}: ${r.status}${where}, row ${r.row}, ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}`);
    // Server text is shown with its control characters spelt out (`\r`, `\x1b`), as in the mail log.
    if (r.reply) out.push(`    reply: ${r.reply.code}${r.reply.enhanced ? ` ${r.reply.enhanced}` : ''} ${escapeControls(r.reply.text.replace(/\n/g, ' / '))}`);
    if (r.reason) out.push(`    reason: ${escapeControls(r.reason)}`);
    out.push(`    ${tlsLine(r)}`);
  }
  const s = report.summary;
  out.push(`${s.delivered} delivered, ${s.deferred} deferred, ${s.bounced} bounced`);
  return out.join('\n') + '\n';
}
