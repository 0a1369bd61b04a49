// The DOMAIN [HOST[:PORT]] of `tlsverify` and `daneverify` at the ESA> prompt. A bad one is an invalid answer
// (Prompter.reject): shown interactively, and the end of a piped run with status 2 at that line, before
// any further question could take the script's next line as its answer. The checks are the delivery
// layer's own (src/delivery/verify-targets.ts), loaded only when used so the shell starts light.
import { askText } from './ask.js';
import type { Prompter } from './prompt.js';

/** Too many words after the command: reported as an invalid answer; true when the count is fine. */
export function checkArgCount(p: Prompter, args: readonly string[], usage: string): boolean {
  if (args.length <= 2) return true;
  p.reject(`Too many arguments: ${usage}`);
  return false;
}

/** The domain, asked until valid (a piped run ends at an invalid one). */
export async function askVerifyDomain(p: Prompter, question: string): Promise<string> {
  const { checkVerifyArgs } = await import('../delivery/verify-targets.js');
  return askText(p, question, (a) => {
    if (!a.trim()) return { ok: false, error: 'You must enter a domain.' };
    const checked = checkVerifyArgs(a.trim(), undefined);
    return 'error' in checked ? { ok: false, error: checked.error } : { ok: true, value: a.trim() };
  });
}

/** Checks the arguments given on the command line; false (after Prompter.reject) when one is bad. */
export async function checkVerifyArgs(p: Prompter, domain: string, host: string | undefined): Promise<boolean> {
  const { checkVerifyArgs } = await import('../delivery/verify-targets.js');
  const checked = checkVerifyArgs(domain, host);
  if ('error' in checked) p.reject(checked.error);
  return !('error' in checked);
}
