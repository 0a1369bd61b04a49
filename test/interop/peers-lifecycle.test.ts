// scripts/peers.sh itself (issue 5): a fresh folder each run, stop by PID leaving nothing running, and a
// second start after a crash (kill -9 of every process) works. Uses its own instance on its own ports,
// beside the one the global setup started.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { PEERS_SCRIPT } from './global-setup.js';
import { readPeersEnv } from './helpers/peers-env.js';
import { runTool, swaks } from './helpers/tools.js';

const run = promisify(execFile);
const peers = inject('peers');

function peersSh(base: string, action: string) {
  return runTool(PEERS_SCRIPT, [action], { env: { ...process.env, BASE: base } });
}

/** Live (non-zombie) processes of the instance in `base`: Postfix daemons by MAIL_CONFIG, dnsmasq by its pid file. */
function instanceProcesses(base: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (/^\d+ \(.*\) Z/.test(stat)) continue;
      const env = readFileSync(`/proc/${name}/environ`, 'utf8').split('\0');
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (env.includes(`MAIL_CONFIG=${base}/pf/etc`) || cmd.includes(`--pid-file=${base}/dnsmasq.pid`)) pids.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return pids;
}

async function listening(port: number): Promise<boolean> {
  const { stdout } = await run('ss', ['-Hltun', `sport = :${port}`]);
  return stdout.trim() !== '';
}

describe.skipIf(peers === null)('scripts/peers.sh', () => {
  let base = '';
  afterAll(async () => {
    if (!base) return;
    await peersSh(base, 'stop');
    rmSync(base, { recursive: true, force: true });
  });

  it('starts, is crashed with kill -9, starts again in the same folder, and stops leaving nothing running', async () => {
    base = mkdtempSync(join(tmpdir(), 'destconfig-lifecycle-'));
    const first = await peersSh(base, 'start');
    expect(first.code, first.output).toBe(0);
    const env1 = readPeersEnv(join(base, 'peers.env'));
    expect(env1.base).toBe(base);
    expect((await peersSh(base, 'status')).code).toBe(0);

    // A second start on a running instance is refused, not doubled.
    const again = await peersSh(base, 'start');
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('already running');

    // Crash: every process of the instance killed at once.
    const pids = instanceProcesses(base);
    expect(pids.length).toBeGreaterThan(2);
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    const crashed = await peersSh(base, 'status');
    expect(crashed.code, crashed.output).toBe(3);

    const second = await peersSh(base, 'start');
    expect(second.code, second.output).toBe(0);
    const env2 = readPeersEnv(join(base, 'peers.env'));
    const r = await swaks({ server: env2.ips.plain, port: env2.smtpPort, to: 'after-crash@plain.test', quitAfter: 'RCPT' });
    expect(r.output).toContain('250 2.1.5 Ok');

    const stopped = await peersSh(base, 'stop');
    expect(stopped.code, stopped.output).toBe(0);
    expect(instanceProcesses(base)).toEqual([]);
    expect(await listening(env2.smtpPort)).toBe(false);
    expect(await listening(env2.dnsPort)).toBe(false);
    expect((await peersSh(base, 'status')).code).toBe(3);
  });

  it('refuses to start in a non-empty folder that is not a peers folder', async () => {
    const foreign = mkdtempSync(join(tmpdir(), 'destconfig-foreign-'));
    try {
      writeFileSync(join(foreign, 'precious.txt'), 'keep me');
      const r = await peersSh(foreign, 'start');
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('not a peers folder');
      expect(readFileSync(join(foreign, 'precious.txt'), 'utf8')).toBe('keep me');
    } finally {
      rmSync(foreign, { recursive: true, force: true });
    }
  });
});
