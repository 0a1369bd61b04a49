// Options shared by every command (given before or after the command name).
import os from 'node:os';
import path from 'node:path';
import { CliError, EXIT } from './exit.js';

export interface GlobalOptions {
  home?: string;
  hostname?: string;
  color?: boolean;
}

/**
 * The table home: --home, else $DESTCONFIG_HOME, else ~/.destconfig. An empty name would resolve to the
 * current folder and silently put the table there: an empty variable counts as unset (as NO_COLOR does),
 * an empty --home is a usage error.
 */
export function resolveHome(opt?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (opt !== undefined && opt.trim() === '') throw new CliError('--home needs a folder name', EXIT.USAGE);
  const fromEnv = env.DESTCONFIG_HOME?.trim() ? env.DESTCONFIG_HOME : undefined;
  const raw = opt ?? fromEnv ?? path.join(os.homedir(), '.destconfig');
  return path.resolve(raw);
}

/** Colour only on a TTY, never with NO_COLOR or --no-color (https://no-color.org). */
export function useColor(opts: GlobalOptions, stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (opts.color === false) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return Boolean(stream.isTTY);
}
