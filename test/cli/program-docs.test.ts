// The command line as documented: every option the program accepts is in its --help (commander prints
// what it parses) and in the README's synopsis of that command, the defaults the docs state are the real
// ones, and no option's help shows its default twice. The option lists are read from the program itself
// (src/cli/program.ts), so a new option that the README leaves out fails here instead of going stale.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command, Option } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { REPO } from './run.js';

const read = (file: string): string => readFileSync(path.join(REPO, file), 'utf8');
const readme = read('README.md');
const program = buildProgram('0.0.0-test');
const command = (name: string): Command => {
  const found = program.commands.find((c) => c.name() === name);
  if (!found) throw new Error(`no command ${name}`);
  return found;
};
const longNames = (cmd: Command): string[] => cmd.options.map((o: Option) => o.long ?? '').filter((l) => l !== '' && l !== '--help');

/**
 * The README's synopsis of a command: its indented `destconfig NAME ...` lines and the indented option
 * lines right after them (deliver's `      --dns-server ...`).
 */
function readmeSynopsis(name: string): string {
  const lines = readme.split('\n');
  const out: string[] = [];
  lines.forEach((line, i) => {
    if (!new RegExp(`^ {4}(bin/)?destconfig ${name}\\b`).test(line)) return;
    out.push(line);
    for (let j = i + 1; j < lines.length && /^ {6,}--/.test(lines[j] ?? ''); j++) out.push(lines[j] ?? '');
  });
  return out.join('\n');
}

describe('the README lists every option of every command', () => {
  it.each(['list', 'detail', 'import', 'export', 'lookup', 'deliver', 'tlsverify', 'daneverify'])('%s', (name) => {
    const synopsis = readmeSynopsis(name);
    expect(synopsis, `README synopsis of ${name}`).not.toBe('');
    for (const option of longNames(command(name))) expect(synopsis, `${name} ${option}`).toContain(option);
  });

  it('the shell: its synopsis in README.md and docs/shell.md names every option of the program itself', () => {
    const shellLine = (text: string): string => text.split('\n').find((l) => /^ {4}bin\/destconfig \[--home/.test(l)) ?? '';
    for (const [doc, text] of [['README.md', readme], ['docs/shell.md', read('docs/shell.md')]] as const) {
      const line = shellLine(text);
      expect(line, doc).not.toBe('');
      for (const option of longNames(program).filter((o) => o !== '--version')) expect(line, `${doc} ${option}`).toContain(option);
    }
  });
});

describe('the defaults the docs state are the real ones', () => {
  const defaults = (name: string): Record<string, unknown> =>
    Object.fromEntries(command(name).options.map((o: Option) => [o.long ?? '', o.defaultValue as unknown]));

  it('docs/delivery.md: deliver --port, the four time-outs and --max-connections', () => {
    const d = defaults('deliver');
    const doc = read('docs/delivery.md');
    const row = (option: string): string => doc.split('\n').find((l) => l.startsWith(`| \`${option}`)) ?? '';
    expect(row('--port')).toContain(`(default ${String(d['--port'])})`);
    expect(row('--max-connections')).toContain(`(default ${String(d['--max-connections'])})`);
    const timeouts = ['--connect-timeout', '--command-timeout', '--data-timeout', '--tls-timeout'].map((o) => String(d[o])).join(', ');
    expect(row('--connect-timeout')).toContain(`(defaults ${timeouts})`);
    expect(readme).toContain(`--port N (default ${String(d['--port'])})`);
  });

  it('the shell: --hostname gives the ESA> prompt, --ui is esa', () => {
    const d = Object.fromEntries(program.options.map((o: Option) => [o.long ?? '', o.defaultValue as unknown]));
    expect(d['--hostname']).toBe('ESA');
    expect(d['--ui']).toBe('esa');
  });
});

describe('--help', () => {
  const help = (cmd: Command): string => cmd.helpInformation();

  it.each([['(root)'], ['deliver'], ['tlsverify'], ['daneverify'], ['list']])('%s: each option is listed once, with its default shown at most once', (name) => {
    const cmd = name === '(root)' ? program : command(name);
    const text = help(cmd);
    for (const option of longNames(cmd)) {
      const entries = text.split('\n').filter((l) => new RegExp(`^ +(-\\w, )?${option}\\b`).test(l));
      expect(entries, option).toHaveLength(1);
    }
    // An option's description plus commander's "(default: ...)" read as one paragraph: "default" once.
    for (const paragraph of text.split(/\n(?= +-)/)) expect(paragraph.match(/\(default/g)?.length ?? 0, paragraph).toBeLessThanOrEqual(1);
  });
});

describe('the README quick start (issue 2: one line opens the shell, one runs the whole test suite)', () => {
  const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## Where things live'));
  const commands = [...quickStart.matchAll(/^ {4}(npm ci && .+)$/gm)].map((m) => m[1] ?? '');
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;

  it('has exactly two command lines, each starting from npm ci', () => {
    expect(commands).toEqual(['npm ci && bin/destconfig', expect.stringMatching(/^npm ci && npm (test|run )/)]);
  });

  /** A command line with every `npm test` / `npm run X` replaced by its script, recursively. */
  const expand = (line: string, depth = 0): string =>
    line
      .split(' && ')
      .map((cmd) => {
        const name = cmd === 'npm test' ? 'test' : /^npm run (\S+)$/.exec(cmd)?.[1];
        if (name === undefined) return cmd;
        const body = scripts[name];
        expect(body, `package.json has a script for ${cmd}`).toBeDefined();
        return depth < 4 ? expand(body ?? '', depth + 1) : (body ?? '');
      })
      .join(' && ');

  it('the test line installs the Debian peers and runs both vitest configurations: the fast suites and the interop suite', () => {
    const run = expand((commands[1] ?? '').replace(/^npm ci && /, ''));
    expect(run).toContain('scripts/test-deps.sh');
    expect(run).toMatch(/vitest run(?! --config)/);
    expect(run).toContain('vitest run --config vitest.interop.config.ts');
  });

  it('.ci/run runs the same test command', () => {
    const ci = read('.ci/run');
    const line = (commands[1] ?? '').replace(/^npm ci && /, '');
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toContain(line);
  });
});
