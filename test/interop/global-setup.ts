// Starts the real peers (scripts/peers.sh) once for the whole interop run and stops them afterwards,
// also when tests fail. Without postfix/dnsmasq/swaks on the machine the suite is skipped with one line,
// except under CI=true, where missing peers are a failure (issue 5).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { missingPrograms, readPeersEnv, REQUIRED_PROGRAMS, type PeersEnv } from './helpers/peers-env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The running peers, or null when the suite is skipped because they are not installed. */
    peers: PeersEnv | null;
  }
}

const run = promisify(execFile);
export const PEERS_SCRIPT = new URL('../../scripts/peers.sh', import.meta.url).pathname;

async function peersCommand(base: string, action: 'start' | 'stop'): Promise<void> {
  try {
    await run(PEERS_SCRIPT, [action], { env: { ...process.env, BASE: base }, timeout: 60_000 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`scripts/peers.sh ${action} failed (BASE=${base}): ${e.stderr?.trim() || e.message}`);
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const missing = missingPrograms();
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((m) => REQUIRED_PROGRAMS[m]))].join(' ');
    const what = `interop peers not installed (missing: ${missing.join(', ')}; Debian: apt-get install ${packages})`;
    if (process.env.CI === 'true') throw new Error(`${what}: under CI=true this is a failure, not a skip`);
    console.log(`interop suite skipped: ${what}`);
    project.provide('peers', null);
    return undefined;
  }
  const base = mkdtempSync(join(tmpdir(), 'destconfig-interop-'));
  try {
    await peersCommand(base, 'start');
    project.provide('peers', readPeersEnv(join(base, 'peers.env')));
  } catch (err) {
    await peersCommand(base, 'stop').catch(() => undefined);
    throw err;
  }
  return async () => {
    await peersCommand(base, 'stop');
    // Keep the run's folder (logs, Maildir, config) for a post-mortem when asked to.
    if (process.env.PEERS_KEEP) console.log(`interop peers folder kept: ${base}`);
    else rmSync(base, { recursive: true, force: true });
  };
}
