// A real terminal for end-to-end tests: tmux on a private socket (`tmux -L NAME`), driven with send-keys and
// read with capture-pane. Each test file starts its own server and kills it when done, so nothing is left
// behind and no user's tmux is touched. The shell runs as `node bin/destconfig ...` inside a pane that stays
// after the program ends (remain-on-exit), so its last screen can still be read; its exit status is written
// to a file by the pane's shell.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, requireBuild } from '../run.js';

export const hasTmux = spawnSync('tmux', ['-V']).status === 0;

const WIDTH = 120;
const HEIGHT = 50;

export class TmuxServer {
  readonly socket = `destconfig-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly dir = mkdtempSync(path.join(os.tmpdir(), 'destconfig-tmux-'));
  private readonly config = path.join(this.dir, 'tmux.conf');
  private sessions = 0;

  constructor() {
    writeFileSync(this.config, ['set -g remain-on-exit on', 'set -g history-limit 10000', 'set -g status off', ''].join('\n'));
  }

  tmux(...args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, '-f', this.config, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
    return r.stdout;
  }

  /**
   * Starts `bin/destconfig ARGS` in a new session. `env` is set for the shell only (the tmux server keeps
   * the test's environment); colour variables and CI (chalk gives no colour under CI) are cleared first.
   */
  start(args: string[], env: Record<string, string> = {}): TmuxPane {
    requireBuild();
    const name = `s${++this.sessions}`;
    const assignments = Object.entries({ TERM: 'xterm-256color', ...env }).map(([k, v]) => `${k}=${shellQuote(v)}`);
    const statusFile = path.join(this.dir, `${name}.status`);
    // The pane's shell (sh -c) waits for the program and writes its status: tmux itself was seen to leave an
    // exited program unreaped now and then (tmux 3.3a under load), which hides #{pane_dead_status}.
    const command = [
      ['env', '-u', 'NO_COLOR', '-u', 'FORCE_COLOR', '-u', 'CI', ...assignments, shellQuote(process.execPath), shellQuote(BIN), ...args.map(shellQuote)].join(' '),
      `echo $? > ${shellQuote(statusFile)}`,
    ].join('; ');
    this.tmux('new-session', '-d', '-s', name, '-x', String(WIDTH), '-y', String(HEIGHT), command);
    return new TmuxPane(this, name, statusFile);
  }

  /** Ends the server and every pane in it, and removes its socket (tmux leaves the file behind). */
  kill(): void {
    const socketPath = spawnSync('tmux', ['-L', this.socket, 'display-message', '-p', '#{socket_path}'], { encoding: 'utf8' }).stdout.trim();
    spawnSync('tmux', ['-L', this.socket, 'kill-server']);
    if (socketPath.endsWith(`/${this.socket}`)) rmSync(socketPath, { force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export class TmuxPane {
  constructor(
    private readonly server: TmuxServer,
    readonly target: string,
    private readonly statusFile: string,
  ) {}

  /** Types text as it is (no key names). */
  type(text: string): void {
    this.server.tmux('send-keys', '-t', this.target, '-l', text);
  }

  /** Presses keys by tmux name: Enter, Tab, Up, Down, C-c, BSpace. */
  press(...keys: string[]): void {
    for (const key of keys) this.server.tmux('send-keys', '-t', this.target, key);
  }

  /** The visible screen and its scroll-back; `escapes` keeps the colour and attribute codes. */
  screen(escapes = false): string {
    return this.server.tmux('capture-pane', '-p', '-J', '-S', '-', '-t', this.target, ...(escapes ? ['-e'] : []));
  }

  /** The last non-blank line of the screen (where the cursor's line is while the shell waits). */
  lastLine(): string {
    const lines = this.screen().split('\n').filter((l) => l.trim() !== '');
    return lines[lines.length - 1] ?? '';
  }

  /** Waits (generously: the machine is shared) until `test` holds for the screen; returns the screen. */
  async waitFor(test: string | RegExp | ((screen: string) => boolean), what = String(test), timeoutMs = 30_000): Promise<string> {
    const check = typeof test === 'function' ? test : typeof test === 'string' ? (s: string) => s.includes(test) : (s: string) => test.test(s);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const now = this.screen();
      if (check(now)) return now;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${what}; screen:\n${now}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Waits until the last line is `line` exactly (trailing blanks ignored): the shell is waiting there. */
  waitForLastLine(line: string): Promise<string> {
    return this.waitFor(() => this.lastLine().trimEnd() === line, `a last line ${JSON.stringify(line)}`);
  }

  /** The exit status once the program has ended, else null. */
  exitStatus(): number | null {
    try {
      const text = readFileSync(this.statusFile, 'utf8');
      return text.endsWith('\n') ? Number(text.trim()) : null;
    } catch {
      return null;
    }
  }

  async waitForExit(): Promise<number> {
    await this.waitFor(() => this.exitStatus() !== null, 'the program ending');
    return this.exitStatus() ?? -1;
  }

}
