// A plain SMTP server (no STARTTLS) on the scripted raw socket of hostile-server.ts, whose reply to the
// message data a test decides: accept it at a moment the test chooses, or drop the connection. Used by the
// delivery tests for shutdown (a transaction held open) and a drop in the middle of DATA.
import { startHostileServer, type HostileServer } from './hostile-server.js';

export interface PlainMx extends HostileServer {
  /** MAIL FROM commands received. */
  mails: number;
}

/**
 * `afterData` runs once the client sent the data (up to the final dot, or the first data line with
 * 'drop'); it resolves to 'accept' (250) or 'drop' (connection destroyed, no reply).
 */
export async function startPlainMx(afterData: () => Promise<'accept' | 'drop'>, dropAtFirstLine = false): Promise<PlainMx> {
  const mx = { mails: 0 } as PlainMx;
  const server = await startHostileServer(async (conn) => {
    conn.write('220 mx.example.test ESMTP\r\n');
    for (;;) {
      const line = await conn.readLine();
      if (line === null) return;
      const verb = line.split(/[ :]/)[0]?.toUpperCase();
      if (verb === 'EHLO') conn.write('250-mx.example.test\r\n250 8BITMIME\r\n');
      else if (verb === 'DATA') {
        conn.write('354 go ahead\r\n');
        if (dropAtFirstLine) await conn.readLine();
        else while ((await conn.readLine()) !== '.');
        if ((await afterData()) === 'drop') {
          conn.destroy();
          return;
        }
        conn.write('250 2.0.0 Ok: queued\r\n');
      } else if (verb === 'QUIT') {
        conn.write('221 2.0.0 Bye\r\n');
        conn.close();
        return;
      } else {
        if (verb === 'MAIL') mx.mails++;
        conn.write('250 2.0.0 Ok\r\n');
      }
    }
  });
  return Object.assign(mx, server);
}
