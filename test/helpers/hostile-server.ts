// Raw-socket SMTP servers scripted line by line, for what smtp-server will not do: STARTTLS not
// offered or refused with 454, replies injected after the 220 to STARTTLS, a failed handshake after
// the 220, a drop in the middle of DATA, silence, endless multi-line replies, 100,000-byte lines.
// Every server records the exact bytes it received in the clear and, separately, over TLS.
import net, { type AddressInfo } from 'node:net';
import tls from 'node:tls';
import type { IssuedCert } from './test-ca.js';

/** Server side of one connection: line reads, writes, the STARTTLS upgrade, and what was received. */
export class ScriptedConnection {
  private socket: net.Socket;
  private buffer = '';
  private waiting: ((line: string | null) => void) | null = null;
  private ended = false;
  /** Bytes received before TLS, as latin1 text. */
  clearText = '';
  /** Bytes received over TLS, as latin1 text. */
  tlsText = '';
  secure = false;
  servername: string | false = false;

  constructor(socket: net.Socket) {
    this.socket = socket;
    this.listen(socket);
  }

  private listen(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      if (this.secure) this.tlsText += text;
      else this.clearText += text;
      this.buffer += text;
      this.deliver();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.ended = true;
      this.deliver();
    });
  }

  private deliver(): void {
    if (!this.waiting) return;
    const index = this.buffer.indexOf('\r\n');
    if (index >= 0) {
      const line = this.buffer.slice(0, index);
      this.buffer = this.buffer.slice(index + 2);
      const waiting = this.waiting;
      this.waiting = null;
      waiting(line);
    } else if (this.ended) {
      const waiting = this.waiting;
      this.waiting = null;
      waiting(null);
    }
  }

  /** Next CRLF-terminated line from the client, or null when it closed. */
  readLine(): Promise<string | null> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.deliver();
    });
  }

  /** Reads message data up to the lone dot; returns the lines as received (still dot-stuffed), or null on close. */
  async readData(): Promise<string[] | null> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.readLine();
      if (line === null) return null;
      if (line === '.') return lines;
      lines.push(line);
    }
  }

  /** Resolves once any bytes at all arrive (e.g. the ClientHello after a 220). */
  waitForBytes(): Promise<void> {
    return new Promise((resolve) => {
      if (this.buffer.length > 0) resolve();
      else this.socket.once('data', () => resolve());
    });
  }

  write(text: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(text);
  }

  close(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Server side of the TLS handshake; resolves false when it fails. */
  upgrade(cert: IssuedCert, requestCert = false): Promise<boolean> {
    this.socket.removeAllListeners('data');
    this.socket.removeAllListeners('close');
    this.buffer = '';
    const secured = new tls.TLSSocket(this.socket, {
      isServer: true,
      secureContext: tls.createSecureContext({ cert: cert.cert, key: cert.key }),
      requestCert,
      rejectUnauthorized: false,
      SNICallback: (name, cb) => {
        this.servername = name;
        cb(null, tls.createSecureContext({ cert: cert.cert, key: cert.key }));
      },
    });
    return new Promise((resolve) => {
      secured.once('secure', () => {
        this.socket = secured;
        this.secure = true;
        this.listen(secured);
        resolve(true);
      });
      secured.once('error', () => resolve(false));
      secured.once('close', () => resolve(false));
    });
  }
}

export interface HostileServer {
  port: number;
  /** One entry per accepted connection, in order. */
  connections: ScriptedConnection[];
  close(): Promise<void>;
}

/**
 * A raw server running `script` for every connection, on 127.0.0.1 and a free port unless `at` names
 * others (e.g. a second MX on 127.0.0.2 at the port of a peer on 127.0.0.1: `deliver --port` is one port).
 */
export async function startHostileServer(
  script: (conn: ScriptedConnection) => Promise<void>,
  at: { host: string; port: number } = { host: '127.0.0.1', port: 0 },
): Promise<HostileServer> {
  const connections: ScriptedConnection[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const conn = new ScriptedConnection(socket);
    connections.push(conn);
    script(conn).catch(() => conn.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** How a scripted SMTP server answers STARTTLS. */
export type StartTlsBehaviour =
  /** Advertised; 220 then a normal handshake with `cert`. */
  | 'offered'
  /** Not in the EHLO reply; the command gets 502. */
  | 'not-offered'
  /** Advertised; the command gets 454 4.7.0. */
  | 'refused-454'
  /** Advertised; 220 followed in the same write by a fake EHLO reply (response injection, EAST B_1). */
  | 'injected'
  /** Advertised; 220, then plain text instead of a ServerHello once the ClientHello arrives. */
  | 'handshake-failure';

export interface ScriptedSmtpOptions {
  starttls: StartTlsBehaviour;
  cert?: IssuedCert;
  requestClientCert?: boolean;
  /** Extra EHLO keywords, e.g. ['PIPELINING', 'SIZE 1000']. */
  extensions?: string[];
  /** Extra EHLO keywords announced only before TLS (to check they are forgotten after it). */
  clearOnlyExtensions?: string[];
}

export interface ScriptedSmtpServer extends HostileServer {
  /** Messages accepted with 250 after the final dot: raw data as received (dot-stuffed), and whether over TLS. */
  accepted: { data: string; secure: boolean }[];
}

/**
 * A small but complete SMTP server (EHLO, STARTTLS per behaviour, MAIL, RCPT, DATA, RSET, NOOP, QUIT)
 * whose STARTTLS misbehaves on purpose. It accepts every command, so what it received is exactly what
 * the client chose to send.
 */
export async function startScriptedSmtpServer(options: ScriptedSmtpOptions): Promise<ScriptedSmtpServer> {
  const accepted: { data: string; secure: boolean }[] = [];
  const server = await startHostileServer(async (conn) => {
    conn.write('220 mx.example.test ESMTP scripted\r\n');
    for (;;) {
      const line = await conn.readLine();
      if (line === null) return;
      const verb = line.split(' ')[0]?.toUpperCase() ?? '';
      if (verb === 'EHLO') {
        const keywords = [...(options.extensions ?? [])];
        if (!conn.secure) keywords.push(...(options.clearOnlyExtensions ?? []));
        if (!conn.secure && options.starttls !== 'not-offered') keywords.push('STARTTLS');
        const lines = ['mx.example.test greets you', ...keywords];
        conn.write(lines.map((text, i) => `250${i === lines.length - 1 ? ' ' : '-'}${text}\r\n`).join(''));
      } else if (verb === 'HELO') {
        conn.write('250 mx.example.test\r\n');
      } else if (verb === 'STARTTLS' && !conn.secure) {
        if (options.starttls === 'not-offered') conn.write('502 5.5.1 Error: command not implemented\r\n');
        else if (options.starttls === 'refused-454') conn.write('454 4.7.0 TLS not available due to temporary reason\r\n');
        else if (options.starttls === 'injected') {
          conn.write('220 2.0.0 Ready to start TLS\r\n250-injected.example\r\n250 AUTH PLAIN\r\n');
          if (!(await conn.upgrade(options.cert as IssuedCert))) return;
        } else if (options.starttls === 'handshake-failure') {
          conn.write('220 2.0.0 Ready to start TLS\r\n');
          await conn.waitForBytes();
          conn.write('250 this is not a TLS ServerHello\r\n');
          conn.close();
          return;
        } else {
          conn.write('220 2.0.0 Ready to start TLS\r\n');
          if (!(await conn.upgrade(options.cert as IssuedCert, options.requestClientCert))) return;
        }
      } else if (verb === 'MAIL' || verb === 'RCPT' || verb === 'RSET' || verb === 'NOOP') {
        conn.write('250 2.1.0 Ok\r\n');
      } else if (verb === 'DATA') {
        conn.write('354 End data with <CR><LF>.<CR><LF>\r\n');
        const lines = await conn.readData();
        if (lines === null) return;
        accepted.push({ data: lines.map((l) => `${l}\r\n`).join(''), secure: conn.secure });
        conn.write('250 2.0.0 Ok: queued\r\n');
      } else if (verb === 'QUIT') {
        conn.write('221 2.0.0 Bye\r\n');
        conn.close();
        return;
      } else {
        conn.write('500 5.5.2 Error: command not recognized\r\n');
      }
    }
  });
  return { ...server, accepted };
}
