// A live SMTP connection carrying messages: one mail transaction per send() (RFC 5321 §3.3), RSET
// before every transaction but the first, MAIL/RCPT.../DATA in one write when PIPELINING is offered
// (RFC 2920), SIZE honoured before anything is sent, the body CRLF-normalised and dot-stuffed.
// Nothing is reported delivered unless the server answered 2xx to the final dot.
import { isAscii } from 'node:buffer';
import { encodeData, encodedMessageSize } from './message-data.js';
import type { SmtpTransport } from './transport.js';
import { TransportError } from './transport.js';
import type {
  ConnectOptions,
  ConnectTarget,
  DeliveryConnection,
  MessageResult,
  OutboundMessage,
  RecipientResult,
  SmtpReply,
  Timeouts,
  TlsInfo,
} from './types.js';

const CONTROL = /[\x00-\x1f\x7f<>]/;

/** Outcome of one reply for the recipients it concerns: 2xx accepted, 5xx permanent, anything else temporary. */
function statusOf(reply: SmtpReply): 'accepted' | 'bounced' | 'deferred' {
  if (reply.code >= 200 && reply.code < 300) return 'accepted';
  return reply.code >= 500 && reply.code < 600 ? 'bounced' : 'deferred';
}

function envelopeIsAscii(message: OutboundMessage): boolean {
  const ascii = (text: string): boolean => !/[^\x00-\x7f]/.test(text);
  return ascii(message.from) && message.recipients.every((r) => ascii(r.address));
}

export class SmtpDeliveryConnection implements DeliveryConnection {
  readonly capabilities: ReadonlyMap<string, string>;
  private sent = 0;
  private transactionStarted = false;
  private busy = false;
  private readonly timeouts: Timeouts;
  /** SIZE limit of the server (0 = none announced). */
  private readonly maxSize: number;

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
    return this.transport.usable && !this.busy;
  }

  async send(message: OutboundMessage): Promise<MessageResult> {
    if (this.busy) throw new Error('send() called while another message is in progress on this connection');
    const result: MessageResult = { mid: message.mid, recipients: [] };
    const decided = new Map<number, RecipientResult>();
    const decide = (rid: number, address: string, status: RecipientResult['status'], reply?: SmtpReply, reason?: string): void => {
      if (decided.has(rid)) return;
      const entry: RecipientResult = { rid, address, status };
      if (reply) entry.reply = reply;
      if (reason) entry.reason = reason;
      decided.set(rid, entry);
    };
    const finish = (): MessageResult => {
      result.recipients = message.recipients.map(
        (r) => decided.get(r.rid) ?? { rid: r.rid, address: r.address, status: 'deferred', reason: 'not attempted' },
      );
      return result;
    };

    if (!this.transport.usable) {
      const reason = `connection no longer usable: ${this.transport.error?.message ?? 'closed'}`;
      for (const r of message.recipients) decide(r.rid, r.address, 'deferred', undefined, reason);
      return finish();
    }
    if (CONTROL.test(message.from)) {
      for (const r of message.recipients) decide(r.rid, r.address, 'bounced', undefined, `invalid sender address ${JSON.stringify(message.from)}`);
      return finish();
    }
    const recipients = message.recipients.filter((r) => {
      if (!CONTROL.test(r.address) && r.address.length > 0) return true;
      decide(r.rid, r.address, 'bounced', undefined, `invalid recipient address ${JSON.stringify(r.address)}`);
      return false;
    });
    if (recipients.length === 0) return finish();

    const data = encodeData(message.content);
    const size = encodedMessageSize(data);
    if (this.maxSize > 0 && size > this.maxSize) {
      const reason = `message size ${size} bytes exceeds the server's limit of ${this.maxSize} bytes (SIZE, RFC 1870)`;
      for (const r of recipients) decide(r.rid, r.address, 'bounced', undefined, reason);
      return finish();
    }

    this.busy = true;
    let stage = 'the reply to MAIL FROM';
    try {
      const mail = this.mailCommand(message, size);
      const rcpts = recipients.map((r) => `RCPT TO:<${r.address}>\r\n`);
      const reset = this.transactionStarted;
      this.transactionStarted = true;
      this.sent++;
      const { commandMs, dataMs } = this.timeouts;
      let mailReply: SmtpReply;
      const rcptReplies: SmtpReply[] = [];
      let dataReply: SmtpReply | undefined;

      if (this.capabilities.has('PIPELINING')) {
        // One write per group; RSET may sit anywhere in a group, DATA must end it (RFC 2920 §3.1).
        this.transport.write(`${reset ? 'RSET\r\n' : ''}${mail}${rcpts.join('')}DATA\r\n`);
        if (reset) await this.transport.readReply(commandMs, (stage = 'the reply to RSET'));
        mailReply = await this.transport.readReply(commandMs, (stage = 'the reply to MAIL FROM'));
        stage = 'the reply to RCPT TO';
        for (let i = 0; i < rcpts.length; i++) rcptReplies.push(await this.transport.readReply(commandMs, stage));
        dataReply = await this.transport.readReply(commandMs, (stage = 'the reply to DATA'));
      } else {
        if (reset) {
          this.transport.write('RSET\r\n');
          await this.transport.readReply(commandMs, (stage = 'the reply to RSET'));
        }
        this.transport.write(mail);
        mailReply = await this.transport.readReply(commandMs, (stage = 'the reply to MAIL FROM'));
        if (statusOf(mailReply) === 'accepted') {
          stage = 'the reply to RCPT TO';
          for (const rcpt of rcpts) {
            this.transport.write(rcpt);
            rcptReplies.push(await this.transport.readReply(commandMs, stage));
          }
        }
      }
      result.mailReply = mailReply;

      if (statusOf(mailReply) !== 'accepted') {
        const status = statusOf(mailReply) === 'bounced' ? 'bounced' : 'deferred';
        for (const r of recipients) decide(r.rid, r.address, status, mailReply);
        if (dataReply) await this.abandonData(dataReply);
        return finish();
      }
      const accepted = recipients.filter((r, i) => {
        const reply = rcptReplies[i] as SmtpReply;
        const status = statusOf(reply);
        if (status !== 'accepted') decide(r.rid, r.address, status, reply);
        return status === 'accepted';
      });
      if (accepted.length === 0) {
        // Every recipient refused: no message data; RSET leaves the server ready for the next one.
        if (dataReply) await this.abandonData(dataReply);
        this.transport.write('RSET\r\n');
        await this.transport.readReply(commandMs, (stage = 'the reply to RSET'));
        this.transactionStarted = false;
        return finish();
      }

      if (!dataReply) {
        this.transport.write('DATA\r\n');
        dataReply = await this.transport.readReply(commandMs, (stage = 'the reply to DATA'));
      }
      result.dataReply = dataReply;
      if (dataReply.code !== 354) {
        const status = statusOf(dataReply) === 'bounced' ? 'bounced' : 'deferred';
        for (const r of accepted) decide(r.rid, r.address, status, dataReply);
        return finish();
      }

      this.transport.write(data);
      stage = 'the reply to the final dot';
      const finalReply = await this.transport.readReply(dataMs, stage);
      result.finalReply = finalReply;
      const status = statusOf(finalReply);
      for (const r of accepted) decide(r.rid, r.address, status === 'accepted' ? 'delivered' : status, finalReply);
      return finish();
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      // Lost before a reply decided it: deferred, never delivered (the server may or may not have the
      // message; RFC 5321 §6.1 prefers a possible duplicate to a loss).
      const reason = error.kind === 'timeout' || error.reply ? error.message : `${error.message} while waiting for ${stage}`;
      for (const r of recipients) decide(r.rid, r.address, 'deferred', error.reply, reason);
      return finish();
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    if (this.busy) {
      this.destroy();
      return;
    }
    await this.transport.quit(this.timeouts.commandMs);
  }

  destroy(): void {
    this.transport.destroy();
  }

  private mailCommand(message: OutboundMessage, size: number): string {
    let command = `MAIL FROM:<${message.from}>`;
    if (this.maxSize > 0 || this.capabilities.has('SIZE')) command += ` SIZE=${size}`;
    // RFC 6152 / RFC 6531 parameters, only when offered and needed (isAscii is a native SIMD scan).
    if (this.capabilities.has('8BITMIME') && !isAscii(message.content)) command += ' BODY=8BITMIME';
    if (this.capabilities.has('SMTPUTF8') && !envelopeIsAscii(message)) command += ' SMTPUTF8';
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
