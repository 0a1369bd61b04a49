// A live SMTP connection carrying messages: one mail transaction per send() (RFC 5321 §3.3), RSET
// before every transaction but the first, MAIL/RCPT.../DATA in one write when PIPELINING is offered
// (RFC 2920), SIZE honoured before anything is sent, the body CRLF-normalised and dot-stuffed.
// Without SMTPUTF8 offered the envelope is ASCII: A-label domains, non-ASCII local parts bounced 5.6.7.
// With PIPELINING and the caller naming the next message, that message's MAIL/RCPT/DATA go out in the
// same write as this message's data and final dot (RFC 2920 §3.1 restricts only DATA, EHLO, QUIT...
// to the end of a group; its own example sends "." and QUIT together), so a message costs one write and
// one round trip. RSET leads that group too: the final dot already ends the transaction whatever its
// reply (RFC 5321 §4.1.1.4), but issue 4 asks for RSET between messages, and pipelined it costs only a
// reply to read. Nothing is reported delivered unless the server answered 2xx to that message's own
// final dot, and that answer counts only once the message's data has been written (an early reply waits).
// A 3xx anywhere but to DATA puts the session out of step: 4.5.0, connection dropped (RFC 5321 §4.2.1).
import { isAscii } from 'node:buffer';
import { DataEncoder, encodedMessageSize } from './message-data.js';
import { isAsciiAddress, needsSmtputf8, wireAddress } from './envelope-address.js';
import { intermediate, Ledger, statusOf, type Recipient } from './transaction-ledger.js';
import type { SmtpTransport } from './transport.js';
import { TransportError } from './transport-error.js';
import type {
  ConnectOptions,
  ConnectTarget,
  DeliveryConnection,
  MessageResult,
  OutboundMessage,
  SmtpReply,
  Timeouts,
  TlsInfo,
} from './types.js';

const CONTROL = /[\x00-\x1f\x7f<>]/;

/** A message whose envelope went out behind the previous message's data, its payload ready. */
interface Ahead {
  message: OutboundMessage;
  data: Buffer;
  slot: number;
  size: number;
}

/** Replies to the envelope commands of one transaction. */
interface Envelope {
  mailReply: SmtpReply;
  /** One per recipient, in order (empty when MAIL was refused without PIPELINING). */
  rcptReplies: SmtpReply[];
  /** Only when DATA went out in the pipelined group. */
  dataReply?: SmtpReply;
}

/** `RCPT TO:<...>` for each recipient, one command per line (a loop: this runs for every message). */
function rcptCommands(recipients: readonly Recipient[], smtputf8: boolean): string {
  let commands = '';
  for (const r of recipients) commands += `RCPT TO:<${wireAddress(r.address, smtputf8)}>\r\n`;
  return commands;
}

function envelopeIsAscii(message: OutboundMessage): boolean {
  return isAsciiAddress(message.from) && message.recipients.every((r) => isAsciiAddress(r.address));
}

export class SmtpDeliveryConnection implements DeliveryConnection {
  readonly capabilities: ReadonlyMap<string, string>;
  private sent = 0;
  private transactionStarted = false;
  private busy = false;
  /**
   * Two payload buffers used in turn: the next message's data is encoded (its SIZE is in its MAIL
   * command) while this message's data is being written. A buffer whose write has not completed is not
   * reused (a fresh one is taken): a server may answer before the write has drained.
   */
  private readonly encoders = [new DataEncoder(), new DataEncoder()];
  private readonly inFlight = [false, false];
  private readonly written = [(): void => this.settleWrite(0), (): void => this.settleWrite(1)];
  /** Called when the pending write of a payload (in buffer `slot`) completes: a reply to its final dot came before it did. */
  private writeWaiter: { slot: number; resolve: () => void } | null = null;
  private turn = 0;
  /** The envelope already sent for the next message (RFC 2920 across transactions). */
  private ahead: Ahead | null = null;
  /** QUIT went out behind the last message's final dot: the connection carries nothing more. */
  private quitSent = false;
  private readonly timeouts: Timeouts;
  /** SIZE limit of the server (0 = none announced). */
  private readonly maxSize: number;
  /** The server offers SMTPUTF8 (RFC 6531): the envelope may go as given; otherwise it must be ASCII (envelope-address.ts). */
  private readonly smtputf8: boolean;

  constructor(
    private readonly transport: SmtpTransport,
    readonly target: ConnectTarget,
    readonly tls: TlsInfo,
    capabilities: Map<string, string>,
    options: ConnectOptions,
  ) {
    this.capabilities = capabilities;
    this.timeouts = options.timeouts;
    const size = Number(capabilities.get('SIZE') ?? '0');
    this.maxSize = capabilities.has('SIZE') && Number.isFinite(size) && size > 0 ? size : 0;
    this.smtputf8 = capabilities.has('SMTPUTF8');
  }

  get localAddress(): string {
    return this.transport.localAddress;
  }

  get localPort(): number {
    return this.transport.localPort;
  }

  get messagesSent(): number {
    return this.sent;
  }

  get usable(): boolean {
    return this.transport.usable && !this.busy && !this.quitSent;
  }

  async send(message: OutboundMessage, next?: OutboundMessage, last = false): Promise<MessageResult> {
    if (this.busy) throw new Error('send() called while another message is in progress on this connection');
    const ledger = new Ledger(message);
    const ahead = this.ahead;
    this.ahead = null;
    if (ahead && ahead.message !== message) {
      // The server is in the data phase of another message: the only way out is to drop the connection.
      this.transport.destroy();
    }
    if (!this.transport.usable) {
      ledger.decideAll(message.recipients, 'deferred', undefined, `4.4.2 connection no longer usable: ${this.transport.error?.message ?? 'closed'}`);
      return ledger.finish();
    }
    // A message sent ahead passed these checks in prepareAhead, on this connection: they are not made twice.
    const recipients = ahead ? message.recipients : this.sendable(message, ledger);
    if (recipients === null || recipients.length === 0) return ledger.finish();

    const payload = ahead ?? this.encode(message);
    if (this.maxSize > 0 && payload.size > this.maxSize) {
      const reason = `5.3.4 message size ${payload.size} bytes exceeds the server's limit of ${this.maxSize} bytes (SIZE, RFC 1870)`;
      ledger.decideAll(recipients, 'bounced', undefined, reason);
      return ledger.finish();
    }

    this.busy = true;
    const progress = { stage: 'the reply to MAIL FROM' };
    try {
      await this.transaction(message, recipients, payload, ahead !== null, next, last, ledger, progress);
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      // Lost before a reply decided it: deferred, never delivered (the server may or may not have the
      // message; RFC 5321 §6.1 prefers a possible duplicate to a loss).
      // Reasons no reply decided carry an RFC 3463 code like every other (4.4.2 bad connection, as Postfix;
      // 4.5.0 for a reply that broke the protocol, as in the set-up: outcome.ts).
      const reason = error.reply
        ? error.message
        : `${error.kind === 'protocol' ? '4.5.0' : '4.4.2'} ${error.kind === 'timeout' ? error.message : `${error.message} while waiting for ${progress.stage}`}`;
      ledger.decideAll(recipients, 'deferred', error.reply, reason);
    } finally {
      this.busy = false;
    }
    return ledger.finish();
  }

  /**
   * The recipients this connection can send the message to; the others are decided (bounced) in the ledger.
   * Null when the sender cannot be sent (every recipient bounced): control characters, or non-ASCII without
   * SMTPUTF8 offered. prepareAhead makes the same checks for a message sent ahead.
   */
  private sendable(message: OutboundMessage, ledger: Ledger): Recipient[] | null {
    const { smtputf8 } = this;
    const senderRefused = needsSmtputf8(message.from, smtputf8);
    if (senderRefused) {
      ledger.decideAll(message.recipients, 'bounced', undefined, senderRefused);
      return null;
    }
    if (CONTROL.test(message.from)) {
      ledger.decideAll(message.recipients, 'bounced', undefined, `5.1.7 invalid sender address ${JSON.stringify(message.from)}`);
      return null;
    }
    return message.recipients.filter((r) => {
      if (!CONTROL.test(r.address) && r.address.length > 0) {
        const refused = needsSmtputf8(r.address, smtputf8);
        if (refused === null) return true;
        ledger.decide(r, 'bounced', undefined, refused);
        return false;
      }
      ledger.decide(r, 'bounced', undefined, `5.1.3 invalid recipient address ${JSON.stringify(r.address)}`);
      return false;
    });
  }

  /** The DATA payload of a message, encoded into the next of the two buffers. */
  private encode(message: OutboundMessage): { data: Buffer; slot: number; size: number } {
    const slot = this.turn;
    this.turn ^= 1;
    const data = (this.encoders[slot] as DataEncoder).encode(message.content, !this.inFlight[slot]);
    return { data, slot, size: encodedMessageSize(data) };
  }

  /**
   * The next message prepared to go out behind this one's data, or null when it cannot: no PIPELINING,
   * an address send() would refuse, or a size over the server's limit (send() then handles it alone).
   */
  private prepareAhead(next: OutboundMessage | undefined): (Ahead & { envelope: string }) | null {
    if (!next || !this.capabilities.has('PIPELINING') || CONTROL.test(next.from) || next.recipients.length === 0) return null;
    if (next.recipients.some((r) => CONTROL.test(r.address) || r.address.length === 0)) return null;
    const { smtputf8 } = this;
    if (needsSmtputf8(next.from, smtputf8) !== null || next.recipients.some((r) => needsSmtputf8(r.address, smtputf8) !== null)) return null;
    const payload = this.encode(next);
    if (this.maxSize > 0 && payload.size > this.maxSize) return null;
    // RSET first, as before every later transaction on a connection (issue 4: connections are reused with
    // RSET between messages); pipelined, it costs no round trip (RFC 2920 §3.1 allows RSET anywhere in a group).
    const envelope = `RSET\r\n${this.mailCommand(next, payload.size)}${rcptCommands(next.recipients, smtputf8)}DATA\r\n`;
    return { message: next, data: payload.data, slot: payload.slot, size: payload.size, envelope };
  }

  /** One mail transaction: envelope, then (when someone was accepted) the data. Throws TransportError. */
  private async transaction(
    message: OutboundMessage,
    recipients: Recipient[],
    payload: { data: Buffer; slot: number; size: number },
    envelopeSent: boolean,
    next: OutboundMessage | undefined,
    last: boolean,
    ledger: Ledger,
    progress: { stage: string },
  ): Promise<void> {
    // RSET before every transaction but the first; one sent ahead carried its RSET with it (prepareAhead).
    const reset = this.transactionStarted;
    this.transactionStarted = true;
    this.sent++;
    const { commandMs, dataMs } = this.timeouts;
    const { data, size } = payload;
    const pipelining = this.capabilities.has('PIPELINING');
    const envelope = pipelining
      ? await this.pipelinedEnvelope(message, recipients, size, reset, envelopeSent, ledger, progress)
      : await this.lockstepEnvelope(message, recipients, size, reset, progress);
    const { mailReply, rcptReplies } = envelope;
    let dataReply = envelope.dataReply;
    ledger.result.mailReply = mailReply;
    // A 3xx reply to MAIL FROM or RCPT TO: the session is out of step. Dropped, as for a 250 to DATA.
    const odd = intermediate(mailReply) ? mailReply : statusOf(mailReply) === 'accepted' ? rcptReplies.find(intermediate) : undefined;
    if (odd) {
      this.outOfStep(ledger, recipients, odd, odd === mailReply ? 'MAIL FROM' : 'RCPT TO');
      return;
    }

    if (statusOf(mailReply) !== 'accepted') {
      ledger.decideAll(recipients, statusOf(mailReply) === 'bounced' ? 'bounced' : 'deferred', mailReply);
      if (dataReply) await this.abandonData(dataReply);
      return;
    }
    const accepted = recipients.filter((r, i) => {
      const reply = rcptReplies[i] as SmtpReply;
      const status = statusOf(reply);
      if (status !== 'accepted') ledger.decide(r, status, reply);
      return status === 'accepted';
    });
    if (accepted.length === 0) {
      // Every recipient refused: no message data; RSET leaves the server ready for the next one.
      if (dataReply) await this.abandonData(dataReply);
      this.transport.write('RSET\r\n');
      await this.transport.readReply(commandMs, (progress.stage = 'the reply to RSET'));
      this.transactionStarted = false;
      return;
    }

    if (!dataReply) {
      this.transport.write('DATA\r\n');
      dataReply = await this.transport.readReply(commandMs, (progress.stage = 'the reply to DATA'));
    }
    ledger.result.dataReply = dataReply;
    if (dataReply.code !== 354 && dataReply.code < 400) {
      // DATA succeeds only with 354 (RFC 5321 §4.3.2); any other non-failure reply (a 250, say) means the
      // server is not waiting for data and the session is out of step. Writing the message now would have
      // its lines read as commands, so none is sent and, as after any protocol violation, the connection is
      // dropped without QUIT. Deferred (the server has not taken the message), not reported as its reply.
      this.transport.destroy();
      const reason = `4.5.0 protocol error: the server answered DATA with ${dataReply.code} instead of 354; no message data sent`;
      ledger.decideAll(accepted, 'deferred', dataReply, reason);
      return;
    }
    if (dataReply.code !== 354) {
      ledger.decideAll(accepted, statusOf(dataReply) === 'bounced' ? 'bounced' : 'deferred', dataReply);
      return;
    }

    this.inFlight[payload.slot] = true;
    const ahead = this.prepareAhead(next);
    // What follows the final dot in the same write: the next message's envelope, or QUIT when the caller
    // closes the connection after this message (RFC 2920 §3.1: QUIT may end a group; Postfix sends "."
    // and QUIT together when it will not reuse the connection), which saves QUIT its own write and round
    // trip. Nothing follows a DATA payload without PIPELINING.
    // The last message of a connection is the first to take this path, late in a run: it reads only
    // locals and makes the same calls as every other message, so optimized code meets no operation it
    // has no feedback for (which would deoptimize `transaction` once per run).
    const quit = last && ahead === null && pipelining;
    const trailer = ahead ? ahead.envelope : quit ? 'QUIT\r\n' : '';
    // One buffer, one write: the trailer goes into the room the encoder keeps after the data.
    const combined = trailer ? (this.encoders[payload.slot] as DataEncoder).appendText(data, trailer) : data;
    if (combined) this.transport.write(combined, this.written[payload.slot]);
    else this.transport.writeParts([data, trailer], this.written[payload.slot]);
    if (ahead) {
      this.ahead = ahead;
      ledger.result.nextStarted = true;
    }
    this.quitSent = quit;
    const finalReply = await this.transport.readReply(dataMs, (progress.stage = 'the reply to the final dot'));
    // A reply that came before the data (and its final dot) even left the client answers no final dot:
    // it counts only once the data is written, as for Postfix, which writes the whole message before it
    // reads the reply; a server that never takes the data times out. Rare: the data is normally written
    // long before any reply can come.
    if (this.inFlight[payload.slot]) await this.dataWritten(payload.slot, dataMs);
    ledger.result.finalReply = finalReply;
    if (intermediate(finalReply)) {
      this.outOfStep(ledger, accepted, finalReply, 'the final dot');
      return;
    }
    const status = statusOf(finalReply);
    ledger.decideAll(accepted, status === 'accepted' ? 'delivered' : status, finalReply);
  }

  /**
   * PIPELINING: RSET (when due), MAIL, every RCPT and DATA in one write; DATA ends the group (RFC 2920
   * §3.1). `sent`: the group already went out behind the previous message's data; only its replies are read.
   */
  private async pipelinedEnvelope(
    message: OutboundMessage,
    recipients: Recipient[],
    size: number,
    reset: boolean,
    sent: boolean,
    ledger: Ledger,
    progress: { stage: string },
  ): Promise<Envelope> {
    if (!sent) {
      this.transport.write(`${reset ? 'RSET\r\n' : ''}${this.mailCommand(message, size)}${rcptCommands(recipients, this.smtputf8)}DATA\r\n`);
    }
    const first = reset ? 1 : 0;
    const count = first + 2 + recipients.length;
    const replyTo = (index: number): string =>
      index < first
        ? 'the reply to RSET'
        : index === first
          ? 'the reply to MAIL FROM'
          : index === count - 1
            ? 'the reply to DATA'
            : 'the reply to RCPT TO';
    const { replies, error } = await this.transport.readGroup(count, this.timeouts.commandMs, replyTo);
    const mailReply = replies[first];
    if (error) {
      if (mailReply) ledger.result.mailReply = mailReply;
      // Refusals already received still stand (a 550 is a 550); everyone else waits for a retry.
      if (mailReply && statusOf(mailReply) === 'accepted') {
        replies.slice(first + 1, count - 1).forEach((reply, i) => {
          const status = statusOf(reply);
          // A 3xx is no answer to RCPT (the replies are out of step): the failure below decides instead.
          if (status !== 'accepted' && !intermediate(reply)) ledger.decide(recipients[i] as Recipient, status, reply);
        });
      }
      progress.stage = replyTo(replies.length);
      throw error;
    }
    return { mailReply: mailReply as SmtpReply, rcptReplies: replies.slice(first + 1, count - 1), dataReply: replies[count - 1] };
  }

  /** Without PIPELINING: one command, one reply; no RCPT after a refused MAIL, DATA left to the caller. */
  private async lockstepEnvelope(
    message: OutboundMessage,
    recipients: Recipient[],
    size: number,
    reset: boolean,
    progress: { stage: string },
  ): Promise<Envelope> {
    const { commandMs } = this.timeouts;
    if (reset) {
      this.transport.write('RSET\r\n');
      await this.transport.readReply(commandMs, (progress.stage = 'the reply to RSET'));
    }
    this.transport.write(this.mailCommand(message, size));
    const mailReply = await this.transport.readReply(commandMs, (progress.stage = 'the reply to MAIL FROM'));
    const rcptReplies: SmtpReply[] = [];
    if (statusOf(mailReply) === 'accepted') {
      progress.stage = 'the reply to RCPT TO';
      for (const r of recipients) {
        this.transport.write(`RCPT TO:<${wireAddress(r.address, this.smtputf8)}>\r\n`);
        rcptReplies.push(await this.transport.readReply(commandMs, progress.stage));
      }
    }
    return { mailReply, rcptReplies };
  }

  /** A reply the command cannot have (a 3xx): the connection is dropped, the recipients deferred with it. */
  private outOfStep(ledger: Ledger, recipients: readonly Recipient[], reply: SmtpReply, command: string): void {
    this.transport.destroy();
    ledger.decideAll(recipients, 'deferred', reply, `4.5.0 protocol error: the server answered ${command} with ${reply.code}`);
  }

  private settleWrite(slot: number): void {
    this.inFlight[slot] = false;
    const waiter = this.writeWaiter;
    // Only the write of the payload waited for: an earlier one completing first (writes complete in order) is not it.
    if (waiter?.slot !== slot) return;
    this.writeWaiter = null;
    waiter.resolve();
  }

  /** Waits (under the data time-out) until the write of the payload in `slot` has completed. Throws TransportError. */
  private dataWritten(slot: number, dataMs: number): Promise<void> {
    const written = new Promise<void>((resolve) => (this.writeWaiter = { slot, resolve }));
    return this.transport.awaitWrite(written, dataMs, 'the server to take the message data');
  }

  async close(): Promise<void> {
    // A message's envelope sent ahead and never followed by its data: drop the connection, so the
    // transaction is abandoned before its final dot.
    if (this.busy || this.ahead) {
      this.ahead = null;
      this.destroy();
      return;
    }
    await this.transport.quit(this.timeouts.commandMs, this.quitSent);
  }

  destroy(): void {
    this.transport.destroy();
  }

  private mailCommand(message: OutboundMessage, size: number): string {
    let command = `MAIL FROM:<${wireAddress(message.from, this.smtputf8)}>`;
    if (this.maxSize > 0 || this.capabilities.has('SIZE')) command += ` SIZE=${size}`;
    // RFC 6152 / RFC 6531 parameters, only when offered and needed (isAscii is a native SIMD scan).
    if (this.capabilities.has('8BITMIME') && !isAscii(message.content)) command += ' BODY=8BITMIME';
    if (this.smtputf8 && !envelopeIsAscii(message)) command += ' SMTPUTF8';
    return `${command}\r\n`;
  }

  /**
   * A pipelined DATA that the server accepted (354) although MAIL or every RCPT failed: end the empty
   * data phase at once with the lone dot so the session stays in step (RFC 2920 §3.1).
   */
  private async abandonData(dataReply: SmtpReply): Promise<void> {
    if (dataReply.code !== 354) return;
    this.transport.write('.\r\n');
    await this.transport.readReply(this.timeouts.dataMs, 'the reply to an empty DATA');
  }
}
