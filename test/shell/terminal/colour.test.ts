// Colour on a terminal only: the palette's styles, the prompt layer applying them after control characters
// are made visible, and the built shell on a pipe writing no escape code even when colour is forced on.
import { describe, expect, it } from 'vitest';
import { palette, PLAIN } from '../../../src/shell/colour.js';
import { renderList } from '../../../src/table/render.js';
import { emptyTable } from '../../../src/table/types.js';
import { runShell, script, tempHome } from '../run.js';
import { fakeTerminal } from './streams.js';

const ESC = /\x1b/;
const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');

describe('palette', () => {
  it('is plain when colour is off or the terminal cannot show it', () => {
    expect(palette(false, 3)).toBe(PLAIN);
    expect(palette(true, 0)).toBe(PLAIN);
    for (const style of Object.values(PLAIN)) expect(style('- NEW - x')).toBe('- NEW - x');
  });

  it('colours error lines, menu names, LIST headers and the tlsverify verdict', () => {
    const c = palette(true, 1);
    expect(c.error('Value must be an integer from 1 to 1,000.')).toBe('\x1b[31mValue must be an integer from 1 to 1,000.\x1b[39m');

    const item = c.menuItem('- NEW - Create a new entry.');
    expect(strip(item)).toBe('- NEW - Create a new entry.');
    expect(item.startsWith('- \x1b[')).toBe(true);
    expect(item.endsWith(' - Create a new entry.')).toBe(true);

    const list = renderList(emptyTable());
    const shown = c.listHeader(list).split('\n');
    expect(strip(shown.join('\n'))).toBe(list);
    expect(shown[0]).toMatch(ESC);
    expect(shown[1]).toMatch(ESC);
    expect(shown[2]).not.toMatch(ESC);
    expect(shown[3]).not.toMatch(ESC);

    expect(c.verdict("TLS connection to 'example.com' (mx.example.com) succeeded: certificate verified.")).toMatch(/^\x1b\[32m/);
    expect(c.verdict("TLS verification of 'example.com' FAILED: no mail exchanger could be reached.")).toMatch(/^\x1b\[31m/);
    expect(c.verdict('Connecting to mx.example.com [192.0.2.1] port 25')).toBe('Connecting to mx.example.com [192.0.2.1] port 25');
  });
});

describe('the prompt layer', () => {
  it('styles text after control characters are made visible, so input cannot add escape codes', () => {
    const t = fakeTerminal();
    t.p.print('Unknown command: \x1b[2Jx', palette(true, 1).error);
    t.p.write('- NEW - \x1b]0;title\x07\n', palette(true, 1).menuItem);
    t.p.close();
    expect(t.screen()).toBe('\x1b[31mUnknown command: ^[[2Jx\x1b[39m\n- \x1b[1m\x1b[36mNEW\x1b[39m\x1b[22m - ^[]0;title^G\n');
  });

  it('writes no colour when colour is off, even on a terminal', () => {
    const t = fakeTerminal({ colour: false });
    t.p.reject('Please answer Yes or No.');
    t.p.print('- NEW - Create a new entry.', t.p.paint.menuItem);
    t.p.close();
    expect(t.screen()).toBe('Please answer Yes or No.\n- NEW - Create a new entry.\n');
  });
});

describe('the built shell on a pipe', () => {
  // Errors (re-asked with --lenient), the menu, LIST, DETAIL of a missing domain, help and tlsverify's
  // verdict (a refused connection on loopback): every line that is coloured on a terminal.
  const session = script(
    'bogus',
    'help',
    'destconfig',
    'nope',
    'new',
    'example.com',
    'maybe',
    'n',
    'n',
    'n',
    'y',
    '3',
    'n',
    'n',
    'n',
    'list',
    'detail',
    'missing.example',
    'help new',
    '',
    'tlsverify example.com 127.0.0.1:1',
    'commit',
    'c',
    'quit',
  );

  it.each([
    ['colour forced on for chalk', { FORCE_COLOR: '3' }],
    ['a colour terminal type', { TERM: 'xterm-256color', COLORTERM: 'truecolor' }],
    ['NO_COLOR', { NO_COLOR: '1' }],
  ])('writes no escape code (%s)', async (_name, env) => {
    const r = await runShell(session, ['--home', tempHome(), '--lenient'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Unknown command: bogus');
    expect(r.stdout).toContain('Please answer Yes or No.');
    expect(r.stdout).toContain('was not found in the destination');
    expect(r.stdout).toContain("TLS verification of 'example.com' FAILED");
    expect(r.stdout).not.toMatch(ESC);
    expect(r.stderr).not.toMatch(ESC);
  });
});
