// One TCP connection to one SMTP server: connect, write, read replies under a timeout, and the STARTTLS
// upgrade with the buffer discipline RFC 3207 §4.2 and Poddebniak et al. (USENIX Security 2021) demand.
// Everything the server sends goes through one bounded ReplyParser; nothing received in the clear ever
// survives the upgrade.
import net from 'node:net';
import tls from 'node:tls';
import { formatReply, ReplyParser, SmtpProtocolError } from './reply.js';
import { TransportError, type TransportErrorKind } from './transport-error.js';
import type { SmtpReply } from './types.js';

export { TransportError, type TransportErrorKind } from './transport-error.js';

/** A pending read of `count` replies (1, or a pipelined group's). */
interface Waiter {
  count: number;
  replies: SmtpReply[];
  /** Called once: with null when all replies are in, with the error that cut the read short otherwise. */
  done: (error: TransportError | null) => void;
  timeoutMs: number;
  /** What the read waits for, given how many replies are already in (for the timeout message). */
  awaiting: (received: number) => string;
}

/** The replies of a group read, and the error that cut it short (null when all arrived). */
export interface GroupRead {
  replies: SmtpReply[];
  error: TransportError | null;
}

export class SmtpTransport {
  private socket: net.Socket;
  private readonly parser = new ReplyParser();
  private waiter: Waiter | null = null;
  private failure: TransportError | null = null;
  private encrypted = false;
  /** Set while the reply to STARTTLS is awaited: bytes after it are injection, not replies (RFC 3207 §4.2). */
  private awaitingStartTls = false;
  /** Bytes that were no reply arrived behind the reply to STARTTLS: nothing more is parsed or sent. */
  private injected = false;
  /** A 421 the server sent: it is closing the channel, so nothing more will come (RFC 5321 §3.8). */
  private closingReply: SmtpReply | null = null;
  /** Called once when the connection fails or is closed, whatever the cause. */
  onTerminated: (() => void) | null = null;
  private readonly onData = (chunk: Buffer): void => this.receive(chunk);
  private readonly onError = (error: Error): void => this.failWith('closed', `connection error: ${error.message}`);
  private readonly onClose = (): void => this.failWith('closed', 'connection closed by the server');

  /** Over a connected socket (transport-connect.ts opens one). */
  constructor(socket: net.Socket) {
    this.socket = socket;
    this.attach(socket);
  }

  get secure(): boolean {
    return this.encrypted;
  }

  /** The TLS socket once STARTTLS succeeded (for cipher, protocol and certificate). */
  get tlsSocket(): tls.TLSSocket | null {
    return this.encrypted ? (this.socket as tls.TLSSocket) : null;
  }

  get localAddress(): string {
    return this.socket.localAddress ?? '';
  }

  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  /** False once the connection failed or was closed, or the server announced it is closing (421). */
  get usable(): boolean {
    return this.failure === null && this.closingReply === null;
  }

  /** Why the transport failed, when it did. */
  get error(): TransportError | null {
    return this.failure;
  }

  /**
   * Writes a command group or message data. A reply waiting unread at this point answers nothing we
   * asked: the two sides are out of step (or the server is injecting), so the connection is dropped and
   * the reply with it (no read returns it).
   */
  write(data: string | Buffer, onWritten?: () => void): void {
    if (this.failure) return; // the next read reports the failure
    if (this.closingReply) {
      this.failClosing();
      return;
    }
    if (this.injected) {
      this.failWith('protocol', 'protocol violation: data received after the reply to STARTTLS');
      return;
    }
    if (this.parser.queued > 0) {
      // The unasked reply is dropped with the connection: left queued, the next read took it for the reply
      // to this command, which never went out (a line behind the greeting read as the reply to EHLO). A 421
      // is the exception: a server shutting down may send it unasked, "on the assumption that the client
      // will receive it after the next command is issued" (RFC 5321 §3.8), so it answers this command.
      if (this.parser.nextCode !== 421) this.parser.reset();
      this.failWith('protocol', 'protocol violation: reply received before any command asked for it');
      return;
    }
    this.socket.write(data, onWritten);
  }

  /**
   * Writes several parts as one: corked, so they leave in one TLS record and one system call where the
   * socket allows (message data followed by the next message's envelope).
   */
  writeParts(parts: (string | Buffer)[], onWritten?: () => void): void {
    if (this.failure || this.closingReply || this.parser.queued > 0) {
      this.write(parts[0] ?? '', onWritten); // reports the failure or the violation as write() does
      return;
    }
    this.socket.cork();
    parts.forEach((part, i) => this.socket.write(part, i === parts.length - 1 ? onWritten : undefined));
    this.socket.uncork();
  }

  /**
   * Reads the reply to STARTTLS. Bytes arriving behind it that do not parse as a reply are not reported
   * as a malformed reply (which would hide the reply itself): the reply is returned and the bytes count
   * as data received after it, which startTls() and every later write refuse (Poddebniak et al. 2021).
   */
  async readStartTlsReply(timeoutMs: number): Promise<SmtpReply> {
    this.awaitingStartTls = true;
    let reply: SmtpReply;
    try {
      reply = await this.readReply(timeoutMs, 'the reply to STARTTLS');
    } finally {
      this.awaitingStartTls = false;
    }
    // Behind a refusal (454) the bytes are simply a broken reply: the connection ends here.
    if (this.injected && reply.code !== 220) {
      const error = new TransportError('protocol', 'protocol violation: data received after the reply to STARTTLS');
      this.fail(error);
      throw error;
    }
    return reply;
  }

  /** Reads the next complete reply; rejects with a TransportError on timeout, close or a protocol violation. */
  readReply(timeoutMs: number, awaiting: string): Promise<SmtpReply> {
    // Replies that arrived before a close are still the server's word (e.g. 421 then close).
    const ready = this.take();
    if (ready) return Promise.resolve(ready);
    if (this.closingReply) this.failClosing();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const replies: SmtpReply[] = [];
      const done = (error: TransportError | null): void => (error ? reject(error) : resolve(replies[0] as SmtpReply));
      this.wait({ count: 1, replies, done, timeoutMs, awaiting: () => awaiting });
    });
  }

  /**
   * Reads the `count` replies of a pipelined group with one pending read (RFC 2920: replies come in
   * command order, in any segmentation). The timeout runs from the last reply received. Never rejects:
   * a failure comes back with the replies received before it.
   */
  readGroup(count: number, timeoutMs: number, awaiting: (received: number) => string): Promise<GroupRead> {
    const replies: SmtpReply[] = [];
    for (let reply = replies.length < count ? this.take() : undefined; reply; reply = replies.length < count ? this.take() : undefined) {
      replies.push(reply);
    }
    if (replies.length === count) return Promise.resolve({ replies, error: null });
    if (this.closingReply) this.failClosing();
    if (this.failure) return Promise.resolve({ replies, error: this.failure });
    return new Promise((resolve) => {
      this.wait({ count, replies, done: (error) => resolve({ replies, error }), timeoutMs, awaiting });
    });
  }

  /**
   * Waits for `written` (a write's completion), at most `timeoutMs`; on time-out the connection fails as a
   * read's would. Rejects with the connection's failure when it failed meanwhile (a destroyed socket ends
   * its pending writes, so `written` settles then too).
   */
  async awaitWrite(written: Promise<void>, timeoutMs: number, awaiting: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.failWith('timeout', `timed out after ${timeoutMs} ms waiting for ${awaiting}`);
        resolve();
      }, timeoutMs);
    });
    const socket = this.socket;
    let onClose: (() => void) | undefined;
    const closed = new Promise<void>((resolve) => socket.once('close', (onClose = resolve)));
    try {
      await Promise.race([written, timedOut, closed]);
    } finally {
      clearTimeout(timer);
      if (onClose) socket.removeListener('close', onClose);
    }
    if (this.failure) throw this.failure;
  }

  private wait(waiter: Waiter): void {
    this.waiter = waiter;
    this.armTimer(waiter.timeoutMs);
  }

  /**
   * One timer per timeout length (a command's and the final dot's), each re-armed with refresh() for
   * every read instead of a new setTimeout per reply: a message's reads alternate between the two
   * lengths, and a timer per read would be created and cleared twice per message. A timer that fires
   * does something only when the pending read is one of its length; timers are unref'd, so an idle
   * connection's never keeps the process alive.
   */
  private readonly timers = new Map<number, NodeJS.Timeout>();

  private armTimer(timeoutMs: number): void {
    const timer = this.timers.get(timeoutMs);
    if (timer) {
      timer.refresh();
      return;
    }
    const fresh = setTimeout(() => this.onTimer(timeoutMs), timeoutMs);
    fresh.unref();
    this.timers.set(timeoutMs, fresh);
  }

  private onTimer(timeoutMs: number): void {
    const waiter = this.waiter;
    if (!waiter || waiter.timeoutMs !== timeoutMs) return;
    const what = waiter.awaiting(waiter.replies.length);
    this.failWith('timeout', `timed out after ${waiter.timeoutMs} ms waiting for ${what}`);
  }

  /**
   * Upgrades to TLS right after the server's 220 reply to STARTTLS. Any byte already received beyond
   * that reply is a protocol violation (response injection): the connection is dropped, the bytes are
   * never parsed. After the handshake the parser starts empty, so no pre-TLS state can leak through.
   */
  async startTls(
    options: tls.ConnectionOptions,
    timeoutMs: number,
    onSession?: (session: Buffer, socket: tls.TLSSocket) => void,
  ): Promise<tls.TLSSocket> {
    if (this.failure) throw this.failure;
    if (this.injected || this.parser.pendingBytes > 0 || this.parser.queued > 0) {
      const error = new TransportError(
        'protocol',
        'protocol violation: data received after the 220 reply to STARTTLS, before the TLS handshake',
      );
      this.parser.reset(); // never read as replies
      this.fail(error);
      throw error;
    }
    const plain = this.socket;
    this.detach(plain);
    plain.on('error', () => undefined); // errors now surface on the TLS socket
    this.parser.reset();
    const secured = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const socket = tls.connect({ ...options, socket: plain });
      if (onSession) socket.on('session', (session: Buffer) => onSession(session, socket));
      const settle = (error: TransportError | null): void => {
        clearTimeout(timer);
        socket.removeListener('secureConnect', onSecure);
        socket.removeListener('error', onError);
        socket.removeListener('close', onClose);
        if (error) {
          socket.on('error', () => undefined);
          socket.destroy();
          plain.destroy();
          reject(error);
        } else resolve(socket);
      };
      const onSecure = (): void => settle(null);
      // OpenSSL errors carry their reason words ("wrong version number") beside a stack dump with source paths.
      const onError = (error: Error & { reason?: string }): void =>
        settle(new TransportError('tls', `TLS handshake failed: ${error.reason ?? error.message}`));
      const onClose = (): void => settle(new TransportError('tls', 'TLS handshake failed: connection closed by the server'));
      const timer = setTimeout(
        () => settle(new TransportError('tls', `TLS handshake timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
      socket.once('secureConnect', onSecure);
      socket.once('error', onError);
      socket.once('close', onClose);
    }).catch((error: TransportError) => {
      this.fail(error);
      throw error;
    });
    this.socket = secured;
    this.encrypted = true;
    this.attach(secured);
    return secured;
  }

  /**
   * Polite end: QUIT, wait briefly for the reply, close. Never throws; destroys a failed connection.
   * `sent`: the QUIT already went out, pipelined behind the last message's final dot; only its reply is read.
   */
  async quit(commandMs: number, sent = false): Promise<void> {
    if (!this.usable) {
      this.destroy();
      return;
    }
    const waitMs = Math.min(commandMs, 10_000);
    if (!sent) this.write('QUIT\r\n');
    try {
      await this.readReply(waitMs, 'the reply to QUIT');
    } catch {
      // The server may close without answering; the connection is finished either way.
    }
    this.end();
    await this.closed(waitMs);
  }

  /** Half-closes after pending writes (used after QUIT). */
  end(): void {
    this.socket.end();
    this.failWith('closed', 'connection closed');
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.failWith('closed', 'connection closed');
    this.socket.destroy();
  }

  /** Resolves once the socket is fully closed (bounded: a peer that never closes is destroyed). */
  closed(timeoutMs: number): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.socket.destroy();
      }, timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private attach(socket: net.Socket): void {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
  }

  private detach(socket: net.Socket): void {
    socket.removeListener('data', this.onData);
    socket.removeListener('error', this.onError);
    socket.removeListener('close', this.onClose);
  }

  private receive(chunk: Buffer): void {
    if (this.failure || this.injected) return;
    try {
      this.parser.push(chunk);
    } catch (error) {
      // The reply to STARTTLS, then bytes that are no reply: the reply still goes to its reader; the
      // bytes are never parsed further and are refused when the session acts next (startTls, write).
      if (this.awaitingStartTls && this.parser.queued > 0) this.injected = true;
      else {
        this.failParse(error);
        return;
      }
    }
    this.deliver();
  }

  private failParse(error: unknown): void {
    const message = error instanceof SmtpProtocolError ? error.message : String(error);
    this.failWith('protocol', `protocol violation: ${message}`);
    this.socket.destroy();
  }

  /** Hands complete replies to the pending read. */
  private deliver(): void {
    const waiter = this.waiter;
    if (!waiter || this.parser.queued === 0) return;
    this.waiter = null;
    while (waiter.replies.length < waiter.count) {
      const reply = this.take();
      if (!reply) break;
      waiter.replies.push(reply);
    }
    if (waiter.replies.length === waiter.count) {
      waiter.done(null);
      return;
    }
    if (this.closingReply) this.failClosing();
    if (this.failure) waiter.done(this.failure);
    else {
      this.waiter = waiter;
      this.armTimer(waiter.timeoutMs); // progress: the group's timeout runs from the last reply
    }
  }

  /** Takes the next reply, noting a 421 (the server is closing the channel). */
  private take(): SmtpReply | undefined {
    const reply = this.parser.take();
    if (reply?.code === 421) this.closingReply = reply;
    return reply;
  }

  /** After a 421 nothing more will come: any further read or write fails at once, naming the reply. */
  private failClosing(): void {
    const reply = this.closingReply as SmtpReply;
    this.failWith('closed', `the server is closing the connection: ${formatReply(reply)}`, reply);
  }

  /**
   * fail() with an error made only when the transport has not failed yet: an Error captures a stack trace
   * when made (tens of microseconds), and every connection's transport has failed or been closed by the
   * time its socket closes.
   */
  private failWith(kind: TransportErrorKind, message: string, reply?: SmtpReply): void {
    if (!this.failure) this.fail(new TransportError(kind, message, reply));
  }

  private fail(error: TransportError): void {
    if (this.failure) return;
    this.failure = error;
    if (error.kind === 'timeout' || error.kind === 'protocol') this.socket.destroy();
    const terminated = this.onTerminated;
    this.onTerminated = null;
    terminated?.();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = null;
      waiter.done(error);
    }
  }
}
