// bin/destconfig, the launcher of the bundle, run from a copy of bin/ and dist/ with parts of the bundle
// removed: the message must say what is missing (the entry file, the program bundle or one of its chunks)
// and end with status 1.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, requireBundle, tempHome } from './run.js';

beforeAll(requireBundle);

/** A copy of the launcher and the bundle, with `remove` (paths under the copy) deleted. */
function copyWithout(remove: (root: string) => string[]): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'destconfig-launcher-'));
  cpSync(path.join(REPO, 'bin'), path.join(root, 'bin'), { recursive: true });
  cpSync(path.join(REPO, 'dist'), path.join(root, 'dist'), { recursive: true });
  cpSync(path.join(REPO, 'package.json'), path.join(root, 'package.json'));
  for (const p of remove(root)) rmSync(p, { recursive: true, force: true });
  return root;
}

function run(root: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'destconfig'), ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('bin/destconfig with an incomplete bundle', () => {
  it('without dist/: says the bundle is missing and how to build it, status 1', () => {
    const root = copyWithout((r) => [path.join(r, 'dist')]);
    const r = run(root, ['list', '--home', tempHome()]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`destconfig: the bundle is missing or incomplete (${path.join(root, 'dist', 'destconfig.mjs')} not found); run \`npm ci\` or \`npm run build\` first.\n`);
  });

  it('without dist/program.mjs or a chunk: names that file, not the entry file that is there, status 1', () => {
    const noProgram = copyWithout((r) => [path.join(r, 'dist', 'program.mjs')]);
    // The fast path needs only the entry file; every other command line needs the program.
    expect(run(noProgram, ['list', '--home', tempHome()]).status).toBe(0);
    const r = run(noProgram, ['detail', 'all', '--home', tempHome()]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`destconfig: the bundle is missing or incomplete (${path.join(noProgram, 'dist', 'program.mjs')} not found); run \`npm ci\` or \`npm run build\` first.\n`);

    const noChunks = copyWithout((r) => readdirSync(path.join(r, 'dist', 'chunks')).map((c) => path.join(r, 'dist', 'chunks', c)));
    const c = run(noChunks, ['detail', 'all', '--home', tempHome()]);
    expect(c.status).toBe(1);
    expect(c.stderr).toMatch(/^destconfig: the bundle is missing or incomplete \(.*\/dist\/chunks\/[^ ]+\.mjs not found\); run `npm ci` or `npm run build` first\.\n$/);
  });
});
