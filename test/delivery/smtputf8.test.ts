// Internationalised addresses on a connection (RFC 6531 §3.2, RFC 5890): a server that offers SMTPUTF8
// gets the envelope as given with the SMTPUTF8 parameter; one that does not must never see a non-ASCII
// byte in the envelope. A non-ASCII domain then goes out in its A-label form (what DNS routing already
// used); a non-ASCII local part has no ASCII form, so that recipient (or, for the sender, the message)
// is bounced 5.6.7, as Postfix does ("SMTPUTF8 is required, but was not offered by host").
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/delivery/session.js';
import { DEFAULT_TIMEOUTS, type DeliveryConnection, type OutboundMessage } from '../../src/delivery/types.js';
import { startScriptedSmtpServer, type ScriptedSmtpServer } from '../helpers/hostile-server.js';
import { testPki } from '../helpers/test-ca.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function server(extensions: string[]): Promise<ScriptedSmtpServer> {
  const s = await startScriptedSmtpServer({ starttls: 'not-offered', cert: testPki().valid, extensions });
  closers.push(() => s.close());
  return s;
}

async function open(port: number): Promise<DeliveryConnection> {
  const result = await connect({
    target: { ip: '127.0.0.1', port, mxHost: 'mx.example.test' },
    policy: { mode: 'no', referenceIds: ['example.test'], servername: 'mx.example.test' },
    helo: 'client.sender.test',
    timeouts: { ...DEFAULT_TIMEOUTS, greetingMs: 10_000, commandMs: 10_000, dataMs: 10_000 },
    dcid: 1,
  });
  if (!result.ok) throw new Error(`connect failed: ${result.stage} ${result.reason}`);
  return result.connection;
}

const message = (mid: number, from: string, to: string[]): OutboundMessage => ({
  mid,
  from,
  recipients: to.map((address, rid) => ({ rid, address })),
  content: Buffer.from(`Subject: ${mid}\r\n\r\nbody\r\n`),
});

/** The envelope commands the server received, in order. */
const commands = (s: ScriptedSmtpServer): string[] =>
  Buffer.from(s.connections[0]?.clearText ?? '', 'latin1')
    .toString('utf8')
    .split('\r\n')
    .filter((line) => /^(MAIL|RCPT) /.test(line));

describe('SMTPUTF8 not offered', () => {
  it('sends non-ASCII domains of the sender and the recipients as A-labels, also in a pipelined envelope', async () => {
    const s = await server(['PIPELINING']);
    const connection = await open(s.port);
    const first = message(1, 'alice@bücher.test', ['b@bücher.test', 'c@example.test']);
    const second = message(2, 'alice@sender.test', ['d@MÜNCHEN.test']);
    const r1 = await connection.send(first, second);
    const r2 = await connection.send(second);
    await connection.close();
    expect(r1.recipients.map((r) => r.status)).toEqual(['delivered', 'delivered']);
    expect(r2.recipients.map((r) => r.status)).toEqual(['delivered']);
    // The report keeps each address as it was given.
    expect(r1.recipients.map((r) => r.address)).toEqual(['b@bücher.test', 'c@example.test']);
    expect(commands(s)).toEqual([
      'MAIL FROM:<alice@xn--bcher-kva.test>',
      'RCPT TO:<b@xn--bcher-kva.test>',
      'RCPT TO:<c@example.test>',
      'MAIL FROM:<alice@sender.test>',
      'RCPT TO:<d@xn--mnchen-3ya.test>',
    ]);
    expect(s.connections[0]?.clearText).not.toMatch(/[^\x00-\x7f]/);
  });

  it('bounces a recipient whose local part is not ASCII (5.6.7) and delivers to the others', async () => {
    const s = await server(['PIPELINING']);
    const connection = await open(s.port);
    const result = await connection.send(message(1, 'alice@sender.test', ['jörg@example.test', 'c@example.test']));
    await connection.close();
    expect(result.recipients[0]).toMatchObject({ status: 'bounced', reason: expect.stringMatching(/^5\.6\.7 .*SMTPUTF8/) });
    expect(result.recipients[1]).toMatchObject({ status: 'delivered' });
    expect(commands(s)).toEqual(['MAIL FROM:<alice@sender.test>', 'RCPT TO:<c@example.test>']);
  });

  it('bounces every recipient when the sender local part is not ASCII, sending nothing', async () => {
    const s = await server(['PIPELINING']);
    const connection = await open(s.port);
    const result = await connection.send(message(1, 'jörg@sender.test', ['c@example.test']));
    await connection.close();
    expect(result.recipients[0]).toMatchObject({ status: 'bounced', reason: expect.stringMatching(/^5\.6\.7 .*SMTPUTF8/) });
    expect(commands(s)).toEqual([]);
    expect(s.accepted).toHaveLength(0);
  });
});

describe('SMTPUTF8 offered', () => {
  it('sends the envelope as given, with the SMTPUTF8 parameter', async () => {
    const s = await server(['PIPELINING', 'SMTPUTF8']);
    const connection = await open(s.port);
    const result = await connection.send(message(1, 'jörg@bücher.test', ['b@bücher.test']));
    await connection.close();
    expect(result.recipients[0]).toMatchObject({ status: 'delivered' });
    expect(commands(s)).toEqual(['MAIL FROM:<jörg@bücher.test> SMTPUTF8', 'RCPT TO:<b@bücher.test>']);
  });
});
