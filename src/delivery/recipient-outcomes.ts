// Writing a recipient's outcome into its report entry and the mail log: from a server's answer in a
// transaction (recordAnswer), or when no server decided it (settleJob: DNS, every address failed, shutdown).
import type { RecipientReport, RecipientResult, SmtpReply } from './types.js';
import type { RouteTarget } from './route.js';
import { lines, type MailLogSink } from './maillog.js';
import type { Group, Job } from './plan.js';
import { replyPhrase, reportTls, tlsRequired, type AttemptFailure } from './outcome.js';
import type { DeliveryRun } from './run-context.js';

/** `tls`: the connection's TLS facts as reportTls gives them (one object, shared by its recipients' entries). */
export function recordAnswer(e: RecipientReport, r: RecipientResult, target: RouteTarget, tls: RecipientReport['tls']): void {
  e.status = r.status;
  e.mxHost = target.mxHost || null;
  e.ip = target.ip;
  e.reply = r.reply ?? null;
  e.reason = r.reason ?? null;
  e.tls = tls;
}

/** Settles every recipient of a job that no server decided (DNS, all addresses failed, shutdown). */
export function settleJob(
  log: MailLogSink,
  job: Job,
  status: 'bounced' | 'deferred',
  failure: AttemptFailure | null,
  reason: string,
): void {
  for (const r of job.recipients) {
    const e = job.entries.get(r.rid);
    if (!e) continue;
    e.status = status;
    e.reason = reason;
    if (failure) {
      e.mxHost = failure.mxHost || null;
      e.ip = failure.ip;
      // The server's last word when the attempt ended on one: a refusing greeting or EHLO, a refusal of
      // STARTTLS under a Required mode, an odd reply to STARTTLS (issue 4: "the last SMTP reply").
      e.reply = failure.failure.reply ?? null;
      e.tls = reportTls(e.tls.mode, failure.failure.tls);
    }
    log.write(status === 'bounced' ? lines.bounced(null, job.mid, r.rid, reason) : lines.delayed(null, job.mid, r.rid, reason));
  }
}

/**
 * Defers jobs no target of their destination could take (`failure` decided the reason; decidingFailure).
 * The SETUP alert is for destinations that require TLS: the Required family and DANE Mandatory (reference
 * destconfig-reference.md §7.2), never Preferred; one alert for the jobs deferred together.
 */
export function deferUnreached(run: DeliveryRun, group: Group, jobs: Job[], failure: AttemptFailure | null, reason: string): void {
  const requiresTls = tlsRequired(group.row.tls.value) || group.row.dane.value === 'mandatory';
  if (failure?.tlsPolicy && requiresTls && run.o.table.globals.alertOnRequiredTlsFailure) run.o.alerts?.requiredTlsFailed(group.destination, reason);
  for (const job of jobs) settleJob(run.o.log, job, 'deferred', failure, reason);
}

/**
 * `Delayed:` / `Bounced:` reason words for a recipient the server decided: the phrase of its 4xx/5xx reply,
 * or the connection layer's reason when the last reply was no refusal (a 250 to DATA is a protocol error,
 * not a "2.0.0 - Temporary failure").
 */
export function reasonFor(r: RecipientResult): string {
  if (r.reply && r.reply.code >= 400) return replyPhrase(r.reply as SmtpReply);
  return r.reason ?? (r.reply ? replyPhrase(r.reply as SmtpReply) : 'unknown');
}
