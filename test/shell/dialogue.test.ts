// One test per destconfig operation, driving the built bin/destconfig through a pipe with a temp --home.
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { committedDoc, runShell, script, SEED_NEW_ANSWERS, tempHome } from './run.js';

/** NEW example.com: concurrency 100, 10 messages per connection, 1,000 recipients per 30 minutes, per MX IP
 * and per virtual gateway, no TLS/bounce gates, new bounce profile slow_profile, Require IPv6. */
const NEW_FULL = ['new', 'Example.COM.', '', '100', 'y', '10', 'y', '30', '1000', '2', '2', 'n', 'n', 'y', '2', 'slow_profile', 'y', '4'];
/** EDIT of that entry accepting every bracketed default (16 answers). */
const EDIT_KEEP = ['edit', 'example.com', ...Array<string>(16).fill('')];

/** The text between the answer to `[]> op` and the next menu. */
function section(stdout: string, answer: string, nth = 0): string {
  const parts = stdout.split(`[]> ${answer}\n`);
  return (parts[nth + 1] ?? '').split('\nThere are currently')[0] ?? '';
}

describe('NEW', () => {
  it('asks the full sequence, stores each answer, and LIST/DETAIL show it', async () => {
    const home = tempHome();
    const r = await runShell(script('destconfig', ...NEW_FULL, 'list', 'detail', 'example.com', '', 'commit', 'c', 'quit'), ['--home', home]);
    expect(r.code).toBe(0);
    const text = section(r.stdout, 'new');
    expect(text).toContain('Enter the max concurrency limit for "example.com".\n[500]> 100\n');
    expect(text).toContain('Enter the number of minutes used to measure the recipient limit.\n[60]> 30\n');
    expect(text).toContain('Enter the max number of recipients per 30 minutes for "example.com".\n[]> 1000\n');
    expect(text).toContain('Select how you want to apply the limits for example.com:\n1. One limit applies to the entire domain example.com\n2. Separate limit for each mail exchanger IP address\n[1]> 2\n');
    expect(text).toContain('Select how the limits will be enforced:\n1. System Wide\n2. Per Virtual Gateway(tm)\n[1]> 2\n');
    expect(text).toContain('Please choose a bounce profile to apply:\n1. Default\n2. New Profile\n[1]> 2\n\nPlease enter the name of a profile:\n[]> slow_profile\n');
    expect(text).not.toContain('DANE');
    expect(r.stdout).toMatch(/\nexample\.com +On +Default +Default +slow_profile +Require IPv6\n/);
    const detail = section(r.stdout, 'example.com');
    expect(detail).toContain('    Recipient Limit: 1,000 per 30 minutes\n');
    expect(detail).toContain('    TLS Support: Default (No)\n');
    const doc = committedDoc(home) as { entries: Record<string, unknown>[]; bounceProfiles: string[] };
    expect(doc.entries[0]).toMatchObject({
      destination: 'example.com',
      maxConcurrency: 100,
      maxMessagesPerConnection: 10,
      recipientLimit: { limit: 1000, minutes: 30 },
      limitType: 'mxip',
      limitApply: 'vg',
      tls: 'default',
      bounceProfile: 'slow_profile',
      ipSortPref: 'REQUIRE_V6',
    });
    expect(doc.bounceProfiles).toEqual(['slow_profile']);
  });

  it('refuses a duplicate domain (piped: exit 2, nothing written)', async () => {
    const home = tempHome();
    const r = await runShell(script('destconfig', 'new', 'example.com', ...SEED_NEW_ANSWERS, 'new', 'EXAMPLE.com', '', 'commit', '', 'quit'), ['--home', home]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('destconfig: line 13: The domain "example.com" is already in the destination control table.');
    expect(committedDoc(home)).toBeNull();
  });

  it('refuses a malformed domain with a clear message', async () => {
    const r = await runShell(script('destconfig', 'new', 'exa mple.com'), ['--home', tempHome()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('destconfig: line 3: Invalid destination "exa mple.com"');
  });

  it('stores IP literals in brackets and internationalised names as A-labels', async () => {
    const home = tempHome();
    const none = ['N', 'N', 'N', 'N', 'N', 'N', 'N'];
    const r = await runShell(script('destconfig', 'new', '192.0.2.1', ...none, 'new', 'Bücher.example', ...none, 'list', '', 'commit', '', 'quit'), ['--home', home]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\nxn--bcher-kva\.example +Default +Default/);
    expect(r.stdout).toMatch(/\n\[192\.0\.2\.1\] +Default/);
  });
});

describe('EDIT', () => {
  it('offers the current values as the bracketed defaults and keeps them on empty answers', async () => {
    const home = tempHome();
    const r = await runShell(script('destconfig', ...NEW_FULL, ...EDIT_KEEP, '', 'commit', '', 'quit'), ['--home', home]);
    expect(r.code).toBe(0);
    const text = section(r.stdout, 'edit');
    expect(text).toContain('Enter the domain you wish to edit.\n[]> example.com\n');
    expect(text).toContain('Do you wish to configure a concurrency limit for example.com? [Y]> \n');
    expect(text).toContain('[100]> \n');
    expect(text).toContain('Do you wish to apply a messages-per-connection limit to this domain? [Y]> \n');
    expect(text).toContain('Enter the max number of recipients per 30 minutes for "example.com".\n[1000]> \n');
    expect(text).toContain('Do you wish to apply a specific TLS setting for this domain? [N]> \n');
    expect(text).toContain('2. slow_profile\n3. New Profile\n[2]> \n');
    expect(text).toContain('4. Require IPv6\n[4]> \n');
    const doc = committedDoc(home) as { entries: Record<string, unknown>[] };
    expect(doc.entries[0]).toMatchObject({ maxConcurrency: 100, recipientLimit: { limit: 1000, minutes: 30 }, ipSortPref: 'REQUIRE_V6', bounceProfile: 'slow_profile' });
  });

  it('answering no to a gate puts the field back to Default', async () => {
    const home = tempHome();
    const edit = ['edit', 'example.com', 'n', 'n', 'n', 'y', '5', 'n', 'n', 'n'];
    const r = await runShell(script('destconfig', ...NEW_FULL, ...edit, '', 'commit', '', 'quit'), ['--home', home]);
    expect(r.code).toBe(0);
    const doc = committedDoc(home) as { entries: Record<string, unknown>[] };
    expect(doc.entries[0]).toMatchObject({ maxConcurrency: 'default', recipientLimit: 'default', limitType: 'default', tls: 'required_verify', ipSortPref: 'default' });
  });

  it('an unknown domain is reported and the menu comes back', async () => {
    const r = await runShell(script('destconfig', 'edit', 'x.com', '', 'quit'), ['--home', tempHome()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('The domain "x.com" was not found in the destination control table.\n\nThere are currently 0 entries configured.');
  });
});

describe('DELETE', () => {
  it('removes the entry without confirmation; Default and unknown domains are refused', async () => {
    const home = tempHome();
    const r = await runShell(
      script('destconfig', 'new', 'example.com', ...SEED_NEW_ANSWERS, 'delete', 'default', 'delete', 'nope.example', 'delete', 'EXAMPLE.COM', '', 'quit'),
      ['--home', home],
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('The Default entry cannot be deleted.');
    expect(r.stdout).toContain('"nope.example" was not found in the destination');
    expect(r.stdout).toMatch(/\[\]> EXAMPLE\.COM\n\nThe domain "example\.com" was deleted\.\n\nThere are currently 0 entries configured\./);
  });
});

describe('New Profile names', () => {
  // Up to the bounce profile question: domain, then N for concurrency, messages, recipients, TLS, tagging.
  const upToProfile = (domain: string) => ['new', domain, 'N', 'N', 'N', 'N', 'N', 'Y'];

  it('name the same profile whatever their case, and "default" is the Default profile, not "inherit"', async () => {
    const home = tempHome();
    const r = await runShell(
      script(
        'destconfig',
        ...upToProfile('a.example'), '2', 'Slow', 'N',
        ...upToProfile('b.example'), '3', 'SLOW', 'N',
        ...upToProfile('c.example'), '3', 'default', 'N',
        'list', '', 'commit', '', 'quit',
      ),
      ['--home', home],
    );
    expect(r.code).toBe(0);
    // The second NEW already offers Slow; the third still offers only Default, Slow and New Profile.
    expect(r.stdout).toContain('1. Default\n2. Slow\n3. New Profile\n[1]> 3\n\nPlease enter the name of a profile:\n[]> default\n');
    expect(r.stdout).toMatch(/^b\.example +Default +Default +Default +Slow +Default$/m);
    // The same as choosing "1. Default": the named system profile, shown as on the Default row.
    expect(r.stdout).toMatch(/^c\.example +Default +Default +Default +\(Default\) +Default$/m);
    const doc = committedDoc(home) as { bounceProfiles: string[]; entries: { destination: string; bounceProfile: string }[] };
    expect(doc.bounceProfiles).toEqual(['Slow']);
    expect(doc.entries.find((e) => e.destination === 'c.example')?.bounceProfile).toBe('Default');
  });
});

describe('EDIT of the Default row', () => {
  it('points to DEFAULT and returns to the menu instead of ending a piped run', async () => {
    const r = await runShell(script('destconfig', 'edit', 'Default', 'edit', '(default)', '', 'quit'), ['--home', tempHome()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[]> Default\n\nThe Default entry is changed with DEFAULT, not EDIT.\n\nThere are currently 0 entries configured.');
    expect(r.stdout).toContain('[]> (default)\n\nThe Default entry is changed with DEFAULT, not EDIT.\n');
  });
});

describe('DEFAULT', () => {
  it('asks the Default row directly; entries inherit the new values', async () => {
    const home = tempHome();
    const dflt = ['default', '200', '', 'y', '', '5000', '', '', '3', 'y', '', '3'];
    const r = await runShell(script('destconfig', 'new', 'example.com', 'N', 'N', 'N', 'N', 'N', 'N', 'N', ...dflt, 'list', 'detail', 'example.com', '', 'commit', '', 'quit'), ['--home', home]);
    expect(r.code).toBe(0);
    const text = section(r.stdout, 'default');
    expect(text).toContain('Enter the default maximum concurrency limit.\n[500]> 200\n');
    expect(text).toContain('Do you wish to specify a default recipient limit? [N]> y\n');
    expect(text).toContain('Enter number of recipients per 60 minutes.\n[]> 5000\n');
    expect(text).toContain("You have chosen to enable TLS. Please use the 'certconfig' command");
    expect(text).not.toMatch(/apply a specific/);
    expect(r.stdout).toMatch(/\n\(Default\) +On +On +On +\(Default\) +Require IPv4\n/);
    expect(r.stdout).toContain('    Maximum Concurrent Connections: Default (200)\n');
    expect(r.stdout).toContain('    TLS Support: Default (Required)\n');
    expect(r.stdout).toContain('    Recipient Limit: Default (5,000 per 60 minutes)\n');
  });
});

describe('DETAIL', () => {
  it('accepts a domain, default or all; unknown domains are reported', async () => {
    const r = await runShell(
      script('destconfig', 'new', 'example.com', ...SEED_NEW_ANSWERS, 'detail', 'all', 'detail', 'DEFAULT', 'detail', 'other.example', '', 'quit'),
      ['--home', tempHome()],
    );
    expect(r.code).toBe(3);
    const all = section(r.stdout, 'all');
    expect(all).toContain('example.com\n    IP Address Preference: Default (IPv6 Preferred)');
    expect(all).toContain('    TLS Support: Required\n');
    expect(all).toContain('\n\n(Default)\n');
    expect(section(r.stdout, 'DEFAULT')).toContain('(Default)\n    IP Address Preference: IPv6 Preferred');
    expect(r.stdout).toContain('The domain "other.example" was not found in the destination control table.');
  });
});

describe('CLEAR', () => {
  it('removes every entry and keeps the Default row', async () => {
    const home = tempHome();
    const r = await runShell(script('destconfig', 'new', 'a.example', ...SEED_NEW_ANSWERS, 'new', 'b.example', ...SEED_NEW_ANSWERS, '', 'commit', '', 'destconfig', 'clear', 'list', '', 'commit', '', 'quit'), ['--home', home]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[]> clear\n\nThere are currently 0 entries configured.');
    expect((committedDoc(home) as { entries: unknown[] }).entries).toEqual([]);
  });
});

describe('SETUP', () => {
  it('enabling DANE support adds the DANE questions to NEW', async () => {
    const home = tempHome();
    const newDane = ['new', 'example.com', 'N', 'N', 'N', 'N', 'y', '3', 'N', 'N', 'N'];
    const r = await runShell(script('destconfig', 'setup', '', 'y', 'y', ...newDane, '', 'commit', '', 'quit'), ['--home', home]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Please choose the certificate to use for outbound TLS connections:\n1. Demo\n[1]> \n');
    expect(r.stdout).toContain('Do you want to send an alert when a required TLS connection fails? [N]> y\n');
    expect(r.stdout).toContain('Do you wish to configure DANE Support for this domain? [N]> y\n');
    expect(r.stdout).toContain('Please choose a DANE option:\n1. No\n2. Opportunistic\n3. Mandatory\n[1]> 3\n');
    const doc = committedDoc(home) as { globals: Record<string, unknown>; entries: Record<string, unknown>[] };
    expect(doc.globals).toMatchObject({ certificate: 'Demo', alertOnRequiredTlsFailure: true, daneEnabled: true });
    expect(doc.entries[0]).toMatchObject({ dane: 'mandatory' });
  });
});

describe('IMPORT and EXPORT', () => {
  it('appear in the menu and report what the file layer says', async () => {
    const r = await runShell(script('destconfig', 'export', 'table.txt', '', 'quit'), ['--home', tempHome(), '--lenient']);
    expect(r.stdout).toContain('Enter a name for the exported file:\n[]> table.txt\n');
    expect(r.code).toBe(0);
  });

  it('EXPORT writes the working table; IMPORT brings it back after CLEAR', async () => {
    const home = tempHome();
    const input = script('destconfig', 'new', 'example.com', ...SEED_NEW_ANSWERS, 'export', 'table.txt', 'clear', 'import', 'table.txt', '', 'commit', '', 'quit');
    const r = await runShell(input, ['--home', home]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/File written on machine "ESA" to the location ".*configuration\/table\.txt"\.\nExport completed\./);
    expect(r.stdout).toContain('Import completed: 1 entry read from');
    expect((committedDoc(home) as { entries: Record<string, unknown>[] }).entries).toEqual([expect.objectContaining({ destination: 'example.com', tls: 'required' })]);
  });

  it('a name outside the configuration folder ends a piped run with status 2', async () => {
    const r = await runShell(script('destconfig', 'import', '../outside.txt'), ['--home', tempHome()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^destconfig: line 3: /);
  });

  it('EXPORT to a name that is a folder says so, in words, and leaves no temporary file', async () => {
    const home = tempHome();
    mkdirSync(path.join(home, 'configuration', 'sub'), { recursive: true });
    const r = await runShell(script('destconfig', 'export', 'sub'), ['--home', home]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('destconfig: line 3: Export failed: cannot write sub: it is a folder, not a file.\ndestconfig: the session was ended.\n');
    expect(readdirSync(path.join(home, 'configuration'))).toEqual(['sub']);
  });
});

describe('the menu', () => {
  it('takes operation names in any case and leaves on an empty line', async () => {
    const r = await runShell(script('destconfig', 'LiSt', '', 'quit'), ['--home', tempHome()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\[\]> LiSt\n\n +Rate +Bounce/);
    expect(r.stdout).toContain('[]> \n\nESA> quit\n');
  });

  it('an unknown operation ends a piped run with status 2 and a suggestion', async () => {
    const r = await runShell(script('destconfig', 'lst'), ['--home', tempHome()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('destconfig: line 2: Unknown option: lst. Did you mean LIST?');
  });
});
