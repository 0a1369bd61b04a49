// `tlsverify DOMAIN [HOST[:PORT]]` at the main prompt (reference §12.1). The verification itself, including
// the parsing of HOST[:PORT], belongs to the delivery work (src/delivery/tlsverify.ts), loaded only when
// used so the shell starts light. A bad domain or host ends a piped run with status 2 (verify-args.ts).
import { askText } from './ask.js';
import type { Session } from './session.js';
import { askVerifyDomain, checkArgCount, checkVerifyArgs } from './verify-args.js';

export async function tlsVerify(s: Session, args: string[]): Promise<void> {
  const { p } = s;
  if (!checkArgCount(p, args, 'tlsverify DOMAIN [HOST[:PORT]].')) return;
  const domain = args[0] ?? (await askVerifyDomain(p, 'Enter the TLS domain to verify against:'));
  const host =
    args.length > 0
      ? args[1]
      : await askText(p, 'Enter the destination host to connect to. Press Return if you do not want to specify one.', (a) => ({ ok: true, value: a.trim() }));
  if (!(await checkVerifyArgs(p, domain, host))) return;
  p.print();
  const { runTlsVerify } = await import('../delivery/tlsverify.js');
  await runTlsVerify({ domain, home: s.opts.home, print: (line) => p.print(line, p.paint.verdict), ...(host ? { host } : {}) });
}
