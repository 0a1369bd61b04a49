// Reading and parsing the table file. A file in the layout the store writes (schema.ts: pretty header,
// then one entry per line) is read in chunks and parsed an entry line at a time: JSON.parse of the whole
// 28 MB text of 100,000 entries peaks near 160 MB, while line by line only a chunk and the entries
// themselves are held. Any other layout (a hand-edited file) and any line that does not parse falls back
// to one JSON.parse of the whole text, so what is accepted, and every error message, is the same as a
// whole-text parse gives.
import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { isErrno } from './files.js';
import { docToTable, type ParsedTable } from './schema.js';
import { DocProblem } from './validate.js';

/** The line that opens the entries in the store's layout. */
const ENTRIES_OPEN = '\n  "entries": [\n';
/** The rest of the file after the entries' closing `]` line: `}` and JSON whitespace only. */
const DOC_CLOSE = /^[ \t\r\n]*\}[ \t\r\n]*$/;
const ARRAY_CLOSE = /^[ \t\r]*\][ \t\r]*$/;
const CHUNK_BYTES = 1 << 18;
/** A header (or tail) longer than this is not the store's layout; the whole-text parse handles it. */
const MAX_HEAD_CHARS = 1 << 20;
const MAX_TAIL_CHARS = 4096;

/** The table file parsed and checked, or null when there is none. Throws DocProblem for a bad file. */
export async function readTableFile(file: string): Promise<ParsedTable | null> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
  try {
    const doc = await readByLines(fh);
    if (doc !== undefined) return docToTable(doc);
    // Read again from the start through the same handle: the same file, even if a commit renamed a
    // new one into place meanwhile (the store never changes a file in place).
    return parseTableText(await readWhole(fh));
  } finally {
    await fh.close();
  }
}

async function readByLines(fh: FileHandle): Promise<Record<string, unknown> | undefined> {
  const parser = new LineParser();
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.allocUnsafe(CHUNK_BYTES);
  for (let position = 0; ; ) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    if (!parser.feed(decoder.write(buf.subarray(0, bytesRead)))) return undefined;
  }
  return parser.feed(decoder.end()) ? parser.end() : undefined;
}

async function readWhole(fh: FileHandle): Promise<string> {
  const chunks: Buffer[] = [];
  for (let position = 0; ; ) {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    chunks.push(buf.subarray(0, bytesRead));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Text fed in pieces, parsed as a document in the store's layout. `feed` returns false as soon as the
 * text is not in that layout or any part fails to parse (the caller then parses the whole text). When
 * it succeeds the result is the one JSON.parse of the whole text gives: the header with `"entries": []`
 * put in place of the list parses to an object only if the opening line is a key of the top-level object
 * (the one `}` added closes it exactly), a later duplicate `"entries"` key wins in both, each entry line
 * is one JSON value followed by a comma (none on the last), and only `]`, `}` and JSON whitespace follow.
 */
class LineParser {
  private phase: 'head' | 'entries' | 'tail' = 'head';
  private pending = '';
  private doc: Record<string, unknown> | undefined;
  private readonly entries: unknown[] = [];
  private expectMore = true;

  feed(text: string): boolean {
    this.pending += text;
    if (this.phase === 'head') {
      const at = this.pending.indexOf(ENTRIES_OPEN);
      if (at < 0) return this.pending.length <= MAX_HEAD_CHARS;
      let doc: unknown;
      try {
        doc = JSON.parse(`${this.pending.slice(0, at)}\n  "entries": []\n}`);
      } catch {
        return false;
      }
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return false;
      this.doc = doc as Record<string, unknown>;
      this.pending = this.pending.slice(at + ENTRIES_OPEN.length);
      this.phase = 'entries';
    }
    if (this.phase === 'entries' && !this.takeLines()) return false;
    return this.phase !== 'tail' || this.pending.length <= MAX_TAIL_CHARS;
  }

  end(): Record<string, unknown> | undefined {
    if (this.phase !== 'tail' || !DOC_CLOSE.test(this.pending) || !this.doc) return undefined;
    this.doc.entries = this.entries;
    return this.doc;
  }

  /** Parses the whole lines in `pending`, keeping the unfinished last one. */
  private takeLines(): boolean {
    const text = this.pending;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl);
      start = nl + 1;
      if (ARRAY_CLOSE.test(line)) {
        if (this.expectMore) return false;
        this.phase = 'tail';
        break;
      }
      if (!this.expectMore) return false;
      const entry = parseEntryLine(line);
      if (entry === undefined) return false;
      this.entries.push(entry.value);
      this.expectMore = entry.comma;
    }
    this.pending = text.slice(start);
    return true;
  }
}

/** Parses and checks the text of a table file. Throws DocProblem naming the place and the fault. */
export function parseTableText(text: string): ParsedTable {
  if (text.trim() === '') throw new DocProblem('', 'the file is empty');
  const lines = new LineParser();
  const doc = (lines.feed(text) && lines.end()) || parseWhole(text);
  return docToTable(doc);
}

function parseWhole(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DocProblem('', `the file is not valid JSON (${jsonErrorWithLine(text, (err as Error).message)})`);
  }
}

/** One JSON value and an optional trailing comma (with JSON whitespace only around them). */
function parseEntryLine(line: string): { value: unknown; comma: boolean } | undefined {
  let end = line.length;
  while (end > 0 && isJsonSpace(line.charCodeAt(end - 1))) end--;
  const comma = end > 0 && line.charCodeAt(end - 1) === 0x2c;
  try {
    return { value: JSON.parse(comma ? line.slice(0, end - 1) : line), comma };
  } catch {
    return undefined;
  }
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/** V8 reports a byte position; an operator editing the file needs a line and a column. */
function jsonErrorWithLine(text: string, message: string): string {
  const m = /at position (\d+)/.exec(message);
  if (!m) return message;
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return `${message.replace(/ in JSON at position \d+.*$/, '').replace(/ at position \d+.*$/, '')} at line ${line}, column ${column}`;
}
