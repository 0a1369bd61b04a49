// Line history across sessions for an operator at a terminal (issue 7): `<home>/history`, one typed line per
// line, oldest first, at most HISTORY_MAX lines, mode 0600 (it can hold domain names an operator would
// rather keep private). A piped session neither reads nor writes it.
//
// Each line is appended as it is entered (O_APPEND: two sessions appending at once do not tear each other's
// lines), so a killed session loses nothing typed. When the file holds more than the bound it is rewritten
// with its newest lines through a temporary file and rename, so a crash leaves the old file or the new one.
// History is a comfort: a failure to read or write it is reported once on stderr and never ends the session.
import { closeSync, fchmodSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { makeFoldersSync } from '../store/folders.js';

export const HISTORY_FILE = 'history';
export const HISTORY_MAX = 1000;
/** Longer lines (a paste gone wrong) are not worth recalling. */
const LONGEST_LINE = 4096;

export class HistoryFile {
  readonly file: string;
  /** Lines in the file as far as this session knows (its own appends included). */
  private count = 0;
  /** The newest line recorded, so an unchanged history event appends nothing. */
  private newest: string | undefined;
  private reported = false;

  constructor(
    readonly home: string,
    readonly max: number = HISTORY_MAX,
    private readonly report: (message: string) => void = (m) => process.stderr.write(`destconfig: ${m}\n`),
  ) {
    this.file = path.join(home, HISTORY_FILE);
  }

  /** The stored lines, newest first (readline's order), at most `max`; a missing file is an empty history. */
  load(): string[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.fail('cannot read', err);
      return [];
    }
    const lines = text.split('\n').filter((l) => l.trim() !== '' && l.length <= LONGEST_LINE);
    this.count = lines.length;
    if (lines.length > this.max) this.compact(lines);
    const kept = lines.slice(-this.max);
    this.newest = kept[kept.length - 1];
    return kept.reverse();
  }

  /** readline's 'history' event: its newest line is appended unless it is the one already recorded. */
  record(history: readonly string[]): void {
    const line = history[0];
    if (line === undefined || line === this.newest || line.trim() === '' || line.length > LONGEST_LINE || line.includes('\n')) return;
    this.newest = line;
    try {
      makeFoldersSync(this.home, 0o700);
      const fd = openSync(this.file, 'a', 0o600);
      try {
        // A file made before by hand, or by an older version, is narrowed to the owner too.
        fchmodSync(fd, 0o600);
        writeSync(fd, line + '\n');
      } finally {
        closeSync(fd);
      }
      this.count += 1;
      if (this.count > this.max) this.compact(readFileSync(this.file, 'utf8').split('\n').filter((l) => l.trim() !== ''));
    } catch (err) {
      this.fail('cannot save the line history in', err);
    }
  }

  /** Rewrites the file with its newest `max` lines: temporary file, then rename over the old one. */
  private compact(lines: string[]): void {
    const kept = lines.slice(-this.max);
    const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    try {
      const fd = openSync(tmp, 'wx', 0o600);
      try {
        writeSync(fd, kept.map((l) => l + '\n').join(''));
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
      this.count = kept.length;
    } catch (err) {
      rmSync(tmp, { force: true });
      this.fail('cannot trim the line history in', err);
    }
  }

  private fail(what: string, err: unknown): void {
    if (this.reported) return;
    this.reported = true;
    this.report(`${what} ${this.file}: ${err instanceof Error ? err.message : String(err)} (history is not kept)`);
  }
}
