// Message content read at send time through the module API (deliver() with MessageSource content beside
// Buffer content), against a real smtp-server peer on 127.0.0.1 and the in-process DNS server: a source is
// read once per transaction, one that fails defers only its own recipients (no crash, no unhandled
// rejection), also on rows with bounce verification, where the BATV key is loaded beside the content.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { batvValid } from '../../src/delivery/batv.js';
import { deliver, type InputMessage, type MessageSource } from '../../src/delivery/deliver.js';
import { MxResolver, createResolver } from '../../src/delivery/dns.js';
import { MemoryLog } from '../../src/delivery/maillog.js';
import { connect } from '../../src/delivery/session.js';
import { DEFAULT_TIMEOUTS } from '../../src/delivery/types.js';
import { blankEntry, emptyTable } from '../../src/table/types.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';

let dns: TestDnsServer;
let peer: SmtpPeer | undefined;

beforeAll(async () => {
  dns = await startDnsServer({
    'one.test': { mx: [{ preference: 10, exchange: 'mx.one.test' }] },
    'two.test': { mx: [{ preference: 10, exchange: 'mx.one.test' }] },
    'mx.one.test': { a: ['127.0.0.1'] },
  });
});
afterEach(async () => {
  await peer?.close();
  peer = undefined;
});
afterAll(() => dns.close());

/** A source that counts its reads, failing with `failure` when given. */
function counted(file: string, text: string, failure?: Error): MessageSource & { reads: number } {
  const source = {
    file,
    reads: 0,
    load: async () => {
      source.reads++;
      if (failure) throw failure;
      return Buffer.from(text);
    },
  };
  return source;
}

describe('deliver() with content read at send time', () => {
  it('reads a source once per transaction, defers only the message that cannot be read, and tags BATV senders as before', async () => {
    peer = await startSmtpPeer({ starttls: 'disabled' });
    const table = emptyTable();
    for (const d of ['one.test', 'two.test']) table.entries.set(d, { ...blankEntry(d), maxConcurrency: 1, bounceVerification: d === 'two.test' });
    const both = counted('both.eml', 'Subject: both\r\n\r\nto two domains\r\n');
    const broken = counted('broken.eml', '', new Error('the disk is on fire'));
    const empty = counted('empty.eml', '');
    const messages: InputMessage[] = [
      { name: 'buffer.eml', from: 'a@sender.test', to: ['b@one.test'], content: Buffer.from('Subject: buffer\r\n\r\nbytes given\r\n') },
      { name: 'both.eml', from: 'a@sender.test', to: ['c@one.test', 'd@two.test'], content: both },
      { name: 'broken.eml', from: 'a@sender.test', to: ['e@one.test', 'f@two.test'], content: broken },
      { name: 'empty.eml', from: 'a@sender.test', to: ['g@two.test'], content: empty },
      { name: 'after.eml', from: 'a@sender.test', to: ['h@two.test'], content: Buffer.from('Subject: after\r\n\r\nstill sent\r\n') },
    ];
    const log = new MemoryLog();
    const key = Buffer.alloc(32, 7);
    const now = Date.now();
    const { report } = await deliver(messages, {
      table,
      connector: connect,
      mx: new MxResolver({ resolver: createResolver({ servers: [dns.address], timeoutMs: 1000, tries: 1 }) }),
      log,
      port: peer.port,
      helo: 'client.sender.test',
      timeouts: { ...DEFAULT_TIMEOUTS, connectMs: 5000, greetingMs: 10_000, commandMs: 10_000 },
      batvKey: async () => key,
      now: () => now,
    });
    expect(report.recipients.map((r) => `${r.address} ${r.status} ${r.reason ?? ''}`.trim())).toEqual([
      'b@one.test delivered',
      'c@one.test delivered',
      'd@two.test delivered',
      'e@one.test deferred 4.3.0 cannot read message broken.eml: the disk is on fire',
      'f@two.test deferred 4.3.0 cannot read message broken.eml: the disk is on fire',
      'g@two.test deferred 4.3.0 cannot read message empty.eml: it is empty',
      'h@two.test delivered',
    ]);
    // One read per transaction (one per destination); a failed one may be tried again only as its own job.
    expect(both.reads).toBe(2);
    expect(empty.reads).toBeGreaterThanOrEqual(1);
    const got = new Map(peer.messages.map((m) => [m.to.join(','), m]));
    expect([...got.keys()].sort()).toEqual(['b@one.test', 'c@one.test', 'd@two.test', 'h@two.test']);
    expect(got.get('d@two.test')?.data.toString()).toBe('Subject: both\r\n\r\nto two domains\r\n');
    expect(batvValid(got.get('d@two.test')?.from ?? '', key, new Date(now))).toBe(true);
    expect(got.get('c@one.test')?.from).toBe('a@sender.test');
    expect(log.lines).toContain('Info: Delayed: MID 3 to RID 0 - 4.3.0 cannot read message broken.eml: the disk is on fire');
    expect(log.lines).toContain('Info: Delayed: MID 4 to RID 0 - 4.3.0 cannot read message empty.eml: it is empty');
  });
});
