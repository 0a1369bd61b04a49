// Parsing the text of a table file. A file in the layout the store writes (schema.ts: pretty header, then
// one entry per line) is parsed an entry line at a time: JSON.parse of the whole 28 MB text of 100,000
// entries peaks near 160 MB, while line by line only the text and the entries themselves are held. Any
// other layout (a hand-edited file) and any line that does not parse falls back to one JSON.parse of the
// whole text, so what is accepted, and every error message, is the same as a whole-text parse gives.
import { docToTable, type ParsedTable } from './schema.js';
import { DocProblem } from './validate.js';

/** The line that opens the entries in the store's layout. */
const ENTRIES_OPEN = '\n  "entries": [\n';
/** The rest of the file after the entries' closing `]` line: `}` and JSON whitespace only. */
const DOC_CLOSE = /^[ \t\r\n]*\}[ \t\r\n]*$/;
const ARRAY_CLOSE = /^[ \t\r]*\][ \t\r]*$/;

/** Parses and checks the text of a table file. Throws DocProblem naming the place and the fault. */
export function parseTableText(text: string): ParsedTable {
  if (text.trim() === '') throw new DocProblem('', 'the file is empty');
  const doc = parseByLines(text) ?? parseWhole(text);
  return docToTable(doc);
}

function parseWhole(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DocProblem('', `the file is not valid JSON (${jsonErrorWithLine(text, (err as Error).message)})`);
  }
}

/**
 * The document of a file in the store's layout, parsed line by line; undefined when the text is not in
 * that layout or any part fails to parse (the caller then parses it whole). Equivalent to JSON.parse of
 * the whole text when it succeeds: the header with `"entries": []` put in place of the list parses to an
 * object only if the opening line is a key of the top-level object (an extra `}` closes it exactly), a
 * later duplicate `"entries"` key wins in both, each entry line is one JSON value followed by a comma
 * (none on the last), and only `]`, `}` and JSON whitespace follow.
 */
function parseByLines(text: string): Record<string, unknown> | undefined {
  const open = text.indexOf(ENTRIES_OPEN);
  if (open < 0) return undefined;
  let doc: unknown;
  try {
    doc = JSON.parse(`${text.slice(0, open)}\n  "entries": []\n}`);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const entries: unknown[] = [];
  let start = open + ENTRIES_OPEN.length;
  let expectMore = true;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) return undefined;
    const line = text.slice(start, nl);
    start = nl + 1;
    if (ARRAY_CLOSE.test(line)) {
      if (expectMore || !DOC_CLOSE.test(text.slice(start))) return undefined;
      break;
    }
    if (!expectMore) return undefined;
    const entry = parseEntryLine(line);
    if (entry === undefined) return undefined;
    entries.push(entry.value);
    expectMore = entry.comma;
  }
  (doc as Record<string, unknown>).entries = entries;
  return doc as Record<string, unknown>;
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
