// QUIT behind the last message's final dot (RFC 2920 §3.1; Postfix does the same when it will not reuse
// the connection): only when the caller says the connection closes after this message and the server
// offers PIPELINING. The message is still reported by its own reply to the final dot, close() reads the
// 221, and a connection whose queue merely ran dry (it could still take a message) sends QUIT on its own.
import { afterEach, describe, expect, it } from 'vitest';
import { deliver, type InputMessage } from '../../src/delivery/deliver.js';
import { MxResolver, createResolver } from '../../src/delivery/dns.js';
import { MemoryLog } from '../../src/delivery/maillog.js';
import { connect } from '../../src/delivery/session.js';
import { DEFAULT_TIMEOUTS, type OutboundMessage } from '../../src/delivery/types.js';
import { blankEntry, emptyTable } from '../../src/table/types.js';
import { startDnsServer } from '../helpers/dns-server.js';
import { startHostileServer, type HostileServer, type ScriptedConnection } from '../helpers/hostile-server.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** What the server saw after each final dot before it answered: the next command already sent, or nothing. */
interface QuitWatch extends HostileServer {
  afterDot: (string | null)[][];
  quits: number[];
}

/**
 * A plain SMTP server (no STARTTLS) that, after each message's final dot, waits a moment before answering:
 * a command that arrives meanwhile was pipelined behind the dot (and is then handled as usual).
 */
async function startWatchServer(pipelining: boolean): Promise<QuitWatch> {
  const afterDot: (string | null)[][] = [];
  const quits: number[] = [];
  const server = await startHostileServer(async (conn: ScriptedConnection) => {
    const index = afterDot.push([]) - 1;
    quits.push(0);
    const seen = afterDot[index] as (string | null)[];
    conn.write('220 mx.example.test ESMTP\r\n');
    let pending: string | null = null;
    for (;;) {
      const line = pending ?? (await conn.readLine());
      pending = null;
      if (line === null) return;
      const verb = line.split(' ')[0]?.toUpperCase();
      if (verb === 'EHLO') conn.write(`250-mx.example.test\r\n${pipelining ? '250-PIPELINING\r\n' : ''}250 8BITMIME\r\n`);
      else if (verb === 'MAIL' || verb === 'RCPT' || verb === 'RSET') conn.write('250 2.1.0 Ok\r\n');
      else if (verb === 'DATA') {
        conn.write('354 go ahead\r\n');
        if ((await conn.readData()) === null) return;
        const early = await Promise.race([conn.readLine(), new Promise<undefined>((r) => setTimeout(r, 300, undefined))]);
        seen.push(early === undefined ? null : early);
        conn.write('250 2.0.0 Ok: queued\r\n');
        if (early !== undefined) pending = early;
      } else if (verb === 'QUIT') {
        quits[index] = (quits[index] ?? 0) + 1;
        conn.write('221 2.0.0 Bye\r\n');
        conn.close();
        return;
      } else conn.write('500 5.5.2 what?\r\n');
    }
  });
  closers.push(() => server.close());
  return { ...server, afterDot, quits };
}

const outbound = (mid: number): OutboundMessage => ({
  mid,
  from: 'alice@sender.test',
  recipients: [{ rid: 0, address: `user${mid}@example.test` }],
  content: Buffer.from(`Subject: ${mid}\r\n\r\nhello\r\n`),
});

async function open(port: number) {
  const result = await connect({
    target: { ip: '127.0.0.1', port, mxHost: 'mx.example.test' },
    policy: { mode: 'no', referenceIds: [], servername: 'mx.example.test' },
    helo: 'client.sender.test',
    timeouts: { ...DEFAULT_TIMEOUTS, greetingMs: 10_000, commandMs: 10_000, dataMs: 10_000 },
    dcid: 1,
  });
  if (!result.ok) throw new Error(`connect failed: ${result.stage} ${result.reason}`);
  return result.connection;
}

describe('QUIT pipelined behind the last final dot', () => {
  it('goes out with the last message when the caller closes after it; the message is reported by its own reply', async () => {
    const server = await startWatchServer(true);
    const connection = await open(server.port);
    const [one, two] = [outbound(1), outbound(2)];
    const first = await connection.send(one, two);
    const last = await connection.send(two, undefined, true);
    expect([first, last].map((r) => r.recipients[0]?.status)).toEqual(['delivered', 'delivered']);
    expect(last.finalReply).toMatchObject({ code: 250, text: 'Ok: queued' });
    expect(connection.usable).toBe(false); // nothing more may go out after QUIT
    await connection.close();
    expect(server.afterDot[0]?.map((l) => l?.split(' ')[0] ?? null)).toEqual(['RSET', 'QUIT']);
    expect(server.quits).toEqual([1]);
  });

  it('waits for the reply to the final dot before QUIT when the server does not offer PIPELINING', async () => {
    const server = await startWatchServer(false);
    const connection = await open(server.port);
    const result = await connection.send(outbound(1), undefined, true);
    expect(result.recipients[0]?.status).toBe('delivered');
    await connection.close();
    expect(server.afterDot[0]).toEqual([null]);
    expect(server.quits).toEqual([1]);
  });

  it('through deliver(): a full connection pipelines its QUIT, one whose queue ran dry sends it alone', async () => {
    const server = await startWatchServer(true);
    const dns = await startDnsServer({ 'example.test': { mx: [{ preference: 10, exchange: 'mx.example.test' }] }, 'mx.example.test': { a: ['127.0.0.1'] } });
    closers.push(() => dns.close());
    const table = emptyTable();
    table.entries.set('example.test', { ...blankEntry('example.test'), maxConcurrency: 1, maxMessagesPerConnection: 3, tls: 'no' });
    const messages: InputMessage[] = Array.from({ length: 5 }, (_, i) => ({
      name: `m${i}.eml`,
      from: 'alice@sender.test',
      to: [`user${i}@example.test`],
      content: Buffer.from(`Subject: ${i}\r\n\r\nhello\r\n`),
    }));
    const { report } = await deliver(messages, {
      table,
      connector: connect,
      mx: new MxResolver({ resolver: createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 }) }),
      log: new MemoryLog(),
      port: server.port,
      helo: 'client.sender.test',
      timeouts: { ...DEFAULT_TIMEOUTS, greetingMs: 10_000, commandMs: 10_000, dataMs: 10_000 },
    });
    expect(report.summary.delivered).toBe(5);
    // First connection: 3 messages, full, QUIT behind the third dot. Second: 2 of 3, QUIT on its own.
    expect(server.afterDot.map((seen) => seen.map((l) => l?.split(' ')[0] ?? null))).toEqual([
      ['RSET', 'RSET', 'QUIT'],
      ['RSET', null],
    ]);
    expect(server.quits).toEqual([1, 1]);
  });
});
