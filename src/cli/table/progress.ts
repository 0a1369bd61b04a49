// A plain progress bar on a terminal while a large table file is parsed and validated. Only on a TTY:
// never a byte of it reaches a pipe or a log file.
import type { ProgressFn, ProgressPhase } from '../../format/parse.js';

/** Files smaller than this parse in a blink; no bar for them. */
export const PROGRESS_MIN_BYTES = 1024 * 1024;
const WIDTH = 30;
/** Share of the bar for each phase: reading lines, then checking sections. */
const PHASE_SPAN: Record<ProgressPhase, [number, number]> = { parse: [0, 0.6], validate: [0.6, 1] };

export interface Progress {
  update: ProgressFn;
  /** Clears the bar's line. */
  finish(): void;
}

export function progressBar(stream: Pick<NodeJS.WriteStream, 'isTTY' | 'write'>, label: string, size: number): Progress | null {
  if (!stream.isTTY || size < PROGRESS_MIN_BYTES) return null;
  let shown = -1;
  let drawn = false;
  return {
    update(phase, done, total) {
      const [from, to] = PHASE_SPAN[phase];
      const fraction = from + (to - from) * (total === 0 ? 1 : done / total);
      const percent = Math.floor(fraction * 100);
      if (percent === shown) return;
      shown = percent;
      drawn = true;
      const filled = Math.round(fraction * WIDTH);
      const word = phase === 'parse' ? 'reading' : 'checking';
      stream.write(`\r${label}: ${word.padEnd(8)} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${String(percent).padStart(3)}%`);
    },
    finish() {
      if (drawn) stream.write('\r\x1b[2K');
    },
  };
}
