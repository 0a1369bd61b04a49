// The progress bar draws only on a terminal, only for large files, and only when the percentage moves.
import { describe, expect, it } from 'vitest';
import { PROGRESS_MIN_BYTES, progressBar } from '../../../src/cli/table/progress.js';

function stream(isTTY: boolean): { isTTY: boolean; written: string[]; write(s: string): boolean } {
  const written: string[] = [];
  return { isTTY, written, write: (s: string) => written.push(s) > 0 };
}

describe('progressBar', () => {
  it('is absent on a pipe and for small files', () => {
    expect(progressBar(stream(false), 'x', 10 * PROGRESS_MIN_BYTES)).toBeNull();
    expect(progressBar(stream(true), 'x', PROGRESS_MIN_BYTES - 1)).toBeNull();
  });

  it('redraws one line per percentage step, reading then checking, and clears it at the end', () => {
    const s = stream(true);
    const bar = progressBar(s, 'Importing t.ini', PROGRESS_MIN_BYTES);
    for (let i = 0; i <= 1000; i++) bar?.update('parse', i, 1000);
    for (let i = 0; i <= 1000; i++) bar?.update('validate', i, 1000);
    bar?.finish();
    expect(s.written[0]).toBe(`\rImporting t.ini: reading  [${'.'.repeat(30)}]   0%`);
    expect(s.written).toContain(`\rImporting t.ini: reading  [${'#'.repeat(18)}${'.'.repeat(12)}]  60%`);
    expect(s.written.at(-2)).toBe(`\rImporting t.ini: checking [${'#'.repeat(30)}] 100%`);
    expect(s.written.at(-1)).toBe('\r\x1b[2K');
    // 0..60% while reading (61 draws), 61..100% while checking (40 draws), each once; then the clear.
    expect(s.written).toHaveLength(101 + 1);
  });

  it('leaves the terminal alone when nothing was drawn', () => {
    const s = stream(true);
    progressBar(s, 'x', PROGRESS_MIN_BYTES)?.finish();
    expect(s.written).toEqual([]);
  });
});
