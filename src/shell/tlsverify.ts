// `tlsverify DOMAIN [HOST[:PORT]]` at the main prompt (reference §12.1). The verification itself belongs to
// the delivery work (src/delivery/tlsverify.ts), loaded only when used so the shell starts light.
import { askText } from './ask.js';
import type { Session } from './session.js';

/** Splits `HOST[:PORT]`; a bracketed or bare IPv6 address keeps its colons. */
export function parseHostPort(text: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1] ?? '', ...(bracketed[2] ? { port: Number(bracketed[2]) } : {}) };
  const m = /^([^:]+):(\d+)$/.exec(text);
  if (m) return { host: m[1] ?? '', port: Number(m[2]) };
  return { host: text };
}

export async function tlsVerify(s: Session, args: string[]): Promise<void> {
  const { p } = s;
  const domain = args[0] ?? (await askText(p, 'Enter the TLS domain to verify against:', (a) => (a.trim() ? { ok: true, value: a.trim() } : { ok: false, error: 'You must enter a domain.' })));
  const hostArg =
    args.length > 0
      ? args[1]
      : await askText(p, 'Enter the destination host to connect to. Press Return if you do not want to specify one.', (a) => ({ ok: true, value: a.trim() }));
  const target = hostArg ? parseHostPort(hostArg) : null;
  if (target?.port !== undefined && (target.port < 1 || target.port > 65535)) {
    p.reject('Value must be an integer from 1 to 65,535.');
    return;
  }
  p.print();
  const { runTlsVerify } = await import('../delivery/tlsverify.js');
  await runTlsVerify({
    domain,
    home: s.opts.home,
    print: (line) => p.print(line, p.paint.verdict),
    ...(target ? { host: target.host } : {}),
    ...(target?.port !== undefined ? { port: target.port } : {}),
  });
}
