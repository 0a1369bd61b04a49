// `daneverify [DOMAIN [HOST[:PORT]]]` at the main prompt (reference §7.4, §12.3: the appliance's command
// asks one yes/no question and its success output contains `DANE SUCCESS for <domain>`). The question's
// wording is not known (docs/shell.md lists it among the unverified ones): here it chooses between the
// detailed steps and the per-host results alone. The check is the delivery layer's
// (src/delivery/daneverify.ts), loaded only when used.
import { askYesNo } from './ask.js';
import type { Session } from './session.js';
import { askVerifyDomain, checkArgCount, checkVerifyArgs } from './verify-args.js';

export const DANE_DETAIL_QUESTION = 'Do you want to see the detailed steps of the DANE verification?';

export async function daneVerify(s: Session, args: string[]): Promise<void> {
  const { p } = s;
  if (!checkArgCount(p, args, 'daneverify DOMAIN [HOST[:PORT]].')) return;
  const domain = args[0] ?? (await askVerifyDomain(p, 'Enter the domain to verify DANE support for:'));
  const host = args[1];
  // Before the question: a bad argument must not leave the script's next line to answer it.
  if (!(await checkVerifyArgs(p, domain, host))) return;
  const detail = await askYesNo(p, DANE_DETAIL_QUESTION, false);
  p.print();
  const { runDaneVerify } = await import('../delivery/daneverify.js');
  await runDaneVerify({ domain, print: (line) => p.print(line, p.paint.verdict), detail, ...(host ? { host } : {}) });
}
