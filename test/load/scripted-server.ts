// Scripted SMTP servers on raw sockets for the load and fault tests: each connection runs an async
// script (stall, reset, over-long replies, endless multi-line replies, or a plain dialogue with hooks),
// and the server records what it saw, so tests judge the client by the server's account.
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** One accepted connection, read line by line (or up to the end-of-data dot) by the script. */
export class ScriptConn {
  private buf: Buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  closed = false;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  private async waitFor<T>(take: () => T | null): Promise<T | null> {
    for (;;) {
      const got = take();
      if (got !== null) return got;
      if (this.closed || this.socket.destroyed) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }

  /** The next command line without CRLF; null when the client closed. */
  readLine(): Promise<string | null> {
    return this.waitFor(() => {
      const eol = this.buf.indexOf('\r\n');
      if (eol < 0) return null;
      const line = this.buf.subarray(0, eol).toString('latin1');
      this.buf = this.buf.subarray(eol + 2);
      return line;
    });
  }

  /** Message data up to (not including) the CRLF.CRLF terminator; null when the client closed first. */
  readData(onProgress?: (received: number) => void): Promise<Buffer | null> {
    return this.waitFor(() => {
      onProgress?.(this.buf.length);
      if (this.socket.destroyed) return null; // the script reset the connection: what came is not accepted
      const probe = Buffer.concat([Buffer.from('\r\n'), this.buf]);
      const end = probe.indexOf('\r\n.\r\n');
      if (end < 0) return null;
      const data = probe.subarray(2, end + 2);
      this.buf = probe.subarray(end + 5);
      return data;
    });
  }

  /** Bytes received that the script has not read yet (commands a client pipelined). */
  get unread(): Buffer {
    return this.buf;
  }

  write(text: string): boolean {
    if (this.closed || this.socket.destroyed) return false;
    return this.socket.write(text);
  }

  /** Resolves when the socket can take more (backpressure for the endless writer). */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      const done = (): void => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }

  untilClosed(): Promise<void> {
    return new Promise((resolve) => (this.closed ? resolve() : this.socket.once('close', () => resolve())));
  }
}

export interface ServerRecord {
  connections: number;
  /** MAIL FROM commands received (performance.now() of each). */
  mails: number[];
  /** Recipients of transactions this server ended with 250 after DATA. */
  accepted: string[];
  /** Connections that ended with QUIT, and that the client closed without QUIT. */
  quits: number;
  closedWithoutQuit: number;
}

export type Script = (conn: ScriptConn, record: ServerRecord) => Promise<void>;

export interface ScriptedServer {
  port: number;
  record: ServerRecord;
  close(): Promise<void>;
}

export async function startScripted(script: Script, host = '127.0.0.1', port = 0): Promise<ScriptedServer> {
  const record: ServerRecord = { connections: 0, mails: [], accepted: [], quits: 0, closedWithoutQuit: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    record.connections++;
    script(new ScriptConn(socket), record).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    record,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface DialogueHooks {
  /** Pads every reply line (greeting, EHLO, ...) to this many bytes: the over-long-line server. */
  padTo?: number;
  /** Called with the bytes received so far while message data arrives (reset mid-DATA). */
  onDataProgress?: (conn: ScriptConn, received: number) => void;
  /** The reply to the final dot; null never replies (stall after DATA). Default `250 2.0.0 Ok: queued`. */
  onDot?: (conn: ScriptConn) => Promise<string | null>;
}

/** A plain ESMTP dialogue (PIPELINING offered; one reply per command, in order), with hooks. */
export function dialogue(hooks: DialogueHooks = {}): Script {
  return async (conn, record) => {
    const reply = (line: string): void => {
      conn.write((hooks.padTo ? `${line} `.padEnd(hooks.padTo - 2, 'x') : line) + '\r\n');
    };
    reply('220 scripted.test ESMTP');
    let rcpts: string[] = [];
    for (;;) {
      const line = await conn.readLine();
      if (line === null) {
        record.closedWithoutQuit++;
        return;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') {
        if (hooks.padTo) reply('250 scripted.test');
        else conn.write('250-scripted.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n');
      } else if (verb === 'HELO') reply('250 scripted.test');
      else if (verb === 'MAIL') {
        record.mails.push(performance.now());
        rcpts = [];
        reply('250 2.1.0 Ok');
      } else if (verb === 'RCPT') {
        rcpts.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
        reply('250 2.1.5 Ok');
      } else if (verb === 'DATA') {
        reply('354 End data with <CR><LF>.<CR><LF>');
        const onProgress = hooks.onDataProgress;
        const data = await conn.readData(onProgress ? (n) => onProgress(conn, n) : undefined);
        if (data === null) {
          record.closedWithoutQuit++;
          return;
        }
        const answer = hooks.onDot ? await hooks.onDot(conn) : '250 2.0.0 Ok: queued';
        if (answer === null) {
          await conn.untilClosed();
          record.closedWithoutQuit++;
          return;
        }
        if (answer.startsWith('250')) record.accepted.push(...rcpts);
        reply(answer);
        rcpts = [];
      } else if (verb === 'RSET' || verb === 'NOOP') reply('250 2.0.0 Ok');
      else if (verb === 'QUIT') {
        record.quits++;
        reply('221 2.0.0 Bye');
        conn.socket.end();
        return;
      } else reply('502 5.5.2 Command not recognized');
    }
  };
}

/** Accepts and never says a word. */
export const stall: Script = async (conn) => conn.untilClosed();

/** Resets the connection (TCP RST) as soon as it is accepted. */
export const resetAtOnce: Script = async (conn) => {
  conn.socket.resetAndDestroy();
};

/** A greeting that never ends: `220-` continuation lines, forever, as fast as the client reads them. */
export const endlessMultiline: Script = async (conn) => {
  const chunk = '220-and more of the same greeting, line after line, never a final line\r\n'.repeat(1000);
  while (!conn.closed) {
    if (!conn.write(chunk)) await conn.drained();
  }
};
