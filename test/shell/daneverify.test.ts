// `daneverify` at the ESA> prompt with piped input: the domain asked when not given, the one yes/no
// question, its answer deciding whether the steps are shown, the verdict, and the session going on. The
// host is an address literal so no DNS is needed (an address has no TLSA base domain: DANE FAILED); the
// success path is covered through `destconfig daneverify` (test/delivery/daneverify.test.ts).
import { describe, expect, it } from 'vitest';
import { runShell, script, tempHome } from './run.js';

const QUESTION = 'Do you want to see the detailed steps of the DANE verification? [N]> ';

describe('daneverify at the ESA> prompt', () => {
  it('asks for the domain, then the one yes/no question (default N): the per-host result and the verdict only, and the session goes on', async () => {
    const r = await runShell(script('daneverify', 'example.test', '', 'help daneverify', 'quit'), ['--home', tempHome()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ESA> daneverify\n\nEnter the domain to verify DANE support for:\n[]> example.test\n');
    expect(r.stdout).toContain(`\n${QUESTION}\n`);
    expect(r.stdout).toMatch(/DANE FAILED for example\.test: /);
    expect(r.stdout).not.toContain('Looking up MX records');
    expect(r.stdout).toContain('ESA> help daneverify\n');
  });

  it('DOMAIN and HOST given, Y to the question: every step is shown, then the verdict', async () => {
    const r = await runShell(script('daneverify example.test 127.0.0.1:1', 'Y', 'quit'), ['--home', tempHome()]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('Enter the domain');
    expect(r.stdout.split(QUESTION)).toHaveLength(2);
    expect(r.stdout).toContain('DNSSEC status from the resolver ');
    expect(r.stdout).toContain('Checking DANE for 127.0.0.1 (IPv4) port 1\n');
    expect(r.stdout).toContain('\n[127.0.0.1] port 1: an address has no TLSA base domain (give a host name)\nDANE FAILED for example.test: 127.0.0.1: an address has no TLSA base domain (give a host name)\n');
  });

  it('an answer that is neither yes nor no ends a piped run with status 2 at that line', async () => {
    const r = await runShell(script('daneverify example.test 127.0.0.1:1', 'maybe', 'quit'), ['--home', tempHome()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('destconfig: line 2: Please answer Yes or No.\n');
    expect(r.stdout).not.toContain('DANE FAILED');
  });

  it('is listed by help, has its own help entry and is suggested for a near-miss, like tlsverify', async () => {
    const r = await runShell(script('help', 'daneverfy', 'quit'), ['--home', tempHome()]);
    expect(r.stdout).toMatch(/daneverify\s+.*Check DANE/);
    expect(r.stdout).toContain('Unknown command: daneverfy. Did you mean "daneverify"?');
  });
});
