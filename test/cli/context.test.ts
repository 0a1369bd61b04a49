// Where the table lives: --home, else $DESTCONFIG_HOME, else ~/.destconfig (issue 2).
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveHome } from '../../src/cli/context.js';
import { CliError } from '../../src/cli/exit.js';

describe('resolveHome', () => {
  it('prefers --home, then $DESTCONFIG_HOME, then ~/.destconfig', () => {
    expect(resolveHome('/a', { DESTCONFIG_HOME: '/b' })).toBe('/a');
    expect(resolveHome(undefined, { DESTCONFIG_HOME: '/b' })).toBe('/b');
    expect(resolveHome(undefined, {})).toBe(path.join(os.homedir(), '.destconfig'));
  });

  it('treats an empty $DESTCONFIG_HOME as unset, not as the current folder', () => {
    expect(resolveHome(undefined, { DESTCONFIG_HOME: '' })).toBe(path.join(os.homedir(), '.destconfig'));
  });

  it('refuses an empty --home as a usage error instead of using the current folder', () => {
    expect(() => resolveHome('', {})).toThrow(CliError);
    expect(() => resolveHome('', {})).toThrow(/--home/);
  });
});
