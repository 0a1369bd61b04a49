// A connection lost (closed or reset by the server) while the session is being set up, before the reply that
// would decide: the reason names what the client was waiting for, the code is 4.4.2 (docs/delivery.md: "time-out,
// or the connection lost before the reply that decides"; 4.4.0 is for a refusing greeting or EHLO), and the
// mail log's Connection Error says "network error". Found in QA pass 5: a reset during EHLO gave
// "4.4.0 connection error: read ECONNRESET" and "reason: unexpected SMTP response".
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../src/delivery/session.js';
import { failureCode } from '../../src/delivery/outcome.js';
import { connectionErrorKind } from '../../src/delivery/open-connection.js';
import { DEFAULT_TIMEOUTS, type ConnectFailure } from '../../src/delivery/types.js';
import type { TlsMode } from '../../src/table/types.js';

const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** Answers `replies` in turn, one per line received (the first before any), then closes or resets instead of the next. */
async function server(replies: string[], end: 'close' | 'reset'): Promise<number> {
  const srv = net.createServer((socket) => {
    socket.on('error', () => undefined);
    const queue = [...replies];
    const next = (): void => {
      const reply = queue.shift();
      if (reply !== undefined) socket.write(reply);
      else if (end === 'reset') socket.resetAndDestroy();
      else socket.end();
    };
    next();
    socket.on('data', () => next());
  });
  servers.push(srv);
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return (srv.address() as net.AddressInfo).port;
}

async function attempt(port: number, mode: TlsMode = 'no'): Promise<ConnectFailure> {
  const result = await connect({
    target: { ip: '127.0.0.1', port, mxHost: 'mx.example.test' },
    policy: { mode, referenceIds: ['example.test'], servername: 'mx.example.test' },
    helo: 'client.test',
    timeouts: { ...DEFAULT_TIMEOUTS, greetingMs: 10_000, commandMs: 10_000 },
    dcid: 1,
  });
  expect(result.ok).toBe(false);
  return result as ConnectFailure;
}

describe('a connection lost during the set-up', () => {
  const cases: { name: string; replies: string[]; mode?: TlsMode; waiting: string }[] = [
    { name: 'before the greeting', replies: [], waiting: 'the greeting' },
    { name: 'in reply to EHLO', replies: ['220 mx ESMTP\r\n'], waiting: 'the reply to EHLO' },
    { name: 'in reply to STARTTLS', replies: ['220 mx ESMTP\r\n', '250-mx\r\n250 STARTTLS\r\n'], mode: 'preferred', waiting: 'the reply to STARTTLS' },
  ];
  for (const c of cases) {
    // A reset at once on accept can reach the client before its connect completes: a connect failure (4.4.1).
    for (const end of c.replies.length === 0 ? (['close'] as const) : (['close', 'reset'] as const)) {
      it(`${end} ${c.name}: the reason names what was awaited${c.mode ? '' : ', 4.4.2, a network error in the log'}`, async () => {
        const failure = await attempt(await server(c.replies, end), c.mode);
        expect(failure.reason).toMatch(new RegExp(`^connection (closed by the server|error: .*) while waiting for ${c.waiting}$`));
        if (c.mode) {
          // Lost in the STARTTLS exchange: a failure of the TLS stage (4.7.5, a TLS failed line), as before.
          expect(failure.stage).toBe('tls');
          return;
        }
        expect(failureCode(failure)).toBe('4.4.2');
        expect(connectionErrorKind(failure)).toBe('network error');
      });
    }
  }

  it('a refusing EHLO keeps 4.4.0 and its reply', async () => {
    const failure = await attempt(await server(['220 mx ESMTP\r\n', '421 4.3.2 busy\r\n'], 'close'));
    expect(failure.reply?.code).toBe(421);
    expect(failureCode(failure)).toBe('4.3.2');
    const refused = await attempt(await server(['220 mx ESMTP\r\n', '554 no thanks\r\n', '554 no\r\n'], 'close'));
    expect(failureCode(refused)).toBe('4.4.0');
    expect(connectionErrorKind(refused)).toBe('unexpected SMTP response');
  });
});
