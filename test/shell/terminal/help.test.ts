// help: the sentences in the shell equal the ones documented in docs/shell-terminal.md (which the README
// folds in), and `help` works at the main prompt and in the menu, also on a pipe.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPERATION_HELP, TLS_DEFAULT_HELP, TLS_HELP, wrap } from '../../../src/shell/help.js';
import { MENU } from '../../../src/shell/destconfig/menu.js';
import { TLS_LABELS } from '../../../src/table/fields.js';
import { TLS_MODES } from '../../../src/table/types.js';
import { ROOT, runShell, script, tempHome } from '../run.js';

const doc = readFileSync(path.join(ROOT, 'docs', 'shell-terminal.md'), 'utf8');
const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
/** `| TITLE | text |` rows of the README's tables (markdown's &lt; &gt; read back). */
const readmeRows = new Map(
  [...readme.matchAll(/^\| ([^|]+?) \| ([^|]+?) \|$/gm)].map((m) => [m[1] ?? '', (m[2] ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>')]),
);
/** `- **TITLE**: text` lines of the document. */
const documented = new Map([...doc.matchAll(/^- \*\*(.+?)\*\*: (.+)$/gm)].map((m) => [m[1] ?? '', m[2] ?? '']));
/** A help entry as the shell prints it: the title, then the text wrapped and indented. */
const entry = (title: string, text: string): string => [`  ${title}`, ...wrap(text, '      ')].join('\n');

describe('help text', () => {
  it('has a sentence for every menu operation and every TLS mode, as documented', () => {
    expect(Object.keys(OPERATION_HELP)).toEqual(MENU.map((m) => m.name));
    for (const name of Object.keys(OPERATION_HELP)) expect(documented.get(name), name).toBe(OPERATION_HELP[name]);
    TLS_MODES.forEach((mode, i) => expect(documented.get(`${i + 1}. ${TLS_LABELS[mode]}`), mode).toBe(TLS_HELP[mode]));
    expect(doc).toContain(TLS_DEFAULT_HELP);
  });

  it('matches the README: its operations and TLS modes tables hold the same sentences (issue 7)', () => {
    for (const name of Object.keys(OPERATION_HELP)) expect(readmeRows.get(name), name).toBe(OPERATION_HELP[name]);
    TLS_MODES.forEach((mode, i) => expect(readmeRows.get(`${i + 1}. ${TLS_LABELS[mode]}`), mode).toBe(TLS_HELP[mode]));
    expect(readme).toContain(TLS_DEFAULT_HELP);
  });

  it('says what delivery does (README "TLS modes"): Required defers, it has no queue; Preferred keeps no plain-text fallback after a failed handshake', () => {
    // deliver is a one-shot client: a Required destination whose TLS fails tries the next MX host, then the
    // message is deferred (exit 75); nothing waits in a queue for a retry.
    expect(TLS_HELP.required).toContain('the next MX host is tried, and then the message is deferred');
    expect(TLS_HELP.required).not.toMatch(/queue|retry/);
    expect(TLS_HELP.preferred).toContain('no plain-text fallback');
  });

  it('wraps at 78 columns without losing a word', () => {
    for (const text of [...Object.values(OPERATION_HELP), ...Object.values(TLS_HELP)]) {
      const lines = wrap(text, '      ');
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(78);
      expect(lines.map((l) => l.trim()).join(' ')).toBe(text);
    }
  });
});

describe('help in the shell', () => {
  it('help at the main prompt lists the commands, every operation and every TLS mode', async () => {
    const r = await runShell(script('help', 'help commit', 'quit'), ['--home', tempHome()]);
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain('Commands:\n  destconfig');
    // Every line fits the column limit, the command list included (its long entries wrap).
    for (const line of out.split('\n')) expect(line.length, line).toBeLessThanOrEqual(78);
    for (const [name, text] of Object.entries(OPERATION_HELP)) expect(out).toContain(entry(name, text));
    TLS_MODES.forEach((mode, i) => expect(out).toContain(entry(`${i + 1}. ${TLS_LABELS[mode]}`, TLS_HELP[mode])));
    expect(out).toContain('ESA> help commit\n\n  commit\n      Commit the changes made in this session.\n');
  });

  it('help in the menu explains one operation, or TLS, and the menu comes back', async () => {
    const r = await runShell(script('destconfig', 'help delete', 'HELP TLS', 'help', '', 'quit'), ['--home', tempHome()]);
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out).toContain(`[]> help delete\n\n${entry('DELETE', OPERATION_HELP.DELETE ?? '')}\n\nThere are currently 0 entries configured.`);
    expect(out).toContain(`[]> HELP TLS\n\nTLS modes`);
    expect(out).toContain(entry('6. Required - Verify Hosted Domains', TLS_HELP.required_verify_hosted));
    expect(out).toContain('Type "help OPERATION" for one operation, "help tls" for the TLS modes.');
    expect(out.match(/Choose the operation you want to perform:/g)).toHaveLength(4);
  });

  it('help tlsverify and help daneverify show the arguments as optional: without them the commands ask (reference §12.1)', async () => {
    const r = await runShell(script('help tlsverify', 'help daneverify', 'tlsverify', 'bad..domain'), ['--home', tempHome()]);
    expect(r.code).toBe(2);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('tlsverify [DOMAIN [HOST[:PORT]]]; asks for the domain and host when not given.');
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('daneverify [DOMAIN [HOST[:PORT]]]; asks for the domain when not given');
    expect(r.stdout).toContain('ESA> tlsverify\n\nEnter the TLS domain to verify against:\n[]> bad..domain');
  });

  it('an unknown help topic is an invalid answer: status 2 on a pipe, re-asked with --lenient', async () => {
    const strict = await runShell(script('destconfig', 'help frobnicate', '', 'quit'), ['--home', tempHome()]);
    expect(strict.code).toBe(2);
    expect(strict.stderr).toContain('destconfig: line 2: No help for frobnicate.');
    const lenient = await runShell(script('help frobnicate', 'quit'), ['--home', tempHome(), '--lenient']);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toContain('No help for frobnicate. Type "help" for the commands, the operations and the TLS modes.');
  });
});
