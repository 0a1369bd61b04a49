// Options shared by every command (given before or after the command name).
import os from 'node:os';
import path from 'node:path';

export interface GlobalOptions {
  home?: string;
  hostname?: string;
  color?: boolean;
}

/** The table home: --home, else $DESTCONFIG_HOME, else ~/.destconfig. */
export function resolveHome(opt?: string, env: NodeJS.ProcessEnv = process.env): string {
  const raw = opt ?? env.DESTCONFIG_HOME ?? path.join(os.homedir(), '.destconfig');
  return path.resolve(raw);
}

/** Colour only on a TTY, never with NO_COLOR or --no-color (https://no-color.org). */
export function useColor(opts: GlobalOptions, stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (opts.color === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return Boolean(stream.isTTY);
}
