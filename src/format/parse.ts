// First pass over a table file: bytes -> lines -> sections of `key = value` settings, with every syntax
// error (encoding, binary content, over-long lines, malformed lines, unknown and duplicate keys).
// What the values mean is checked by the second pass (build.ts). Pure: no I/O.
import type { FileError } from './errors.js';
import { KEY_LIST_TEXT, canonicalKey, type FileKey } from './keys.js';

/** Longest accepted line in bytes, without its line ending. Real lines are under 300 bytes (the longest
 *  section name is a 253-byte domain); the bound stops a stray binary or minified file early. */
export const MAX_LINE_BYTES = 4096;

export interface RawSetting {
  /** The key as written. */
  written: string;
  value: string;
  line: number;
  /** Already reported as malformed (no value): counts as present, but its value is not checked again. */
  reported?: boolean;
}

export interface RawSection {
  /** The header as written, trimmed, brackets included: used to name the section in errors. */
  label: string;
  /** The name inside the brackets, trimmed (`example.com`, `[192.0.2.1]`, `DEFAULT`). */
  name: string;
  line: number;
  settings: Map<FileKey, RawSetting>;
}

export type ProgressPhase = 'parse' | 'validate';
export type ProgressFn = (phase: ProgressPhase, done: number, total: number) => void;

export interface Syntax {
  sections: RawSection[];
  errors: FileError[];
  /** The bytes are not a text table file (binary, not UTF-8): nothing else is worth checking. */
  fatal: boolean;
}

const PROGRESS_STEP = 4096;
const BOM = '\ufeff';
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/

/** Decodes UTF-8 strictly; on failure, names the first line holding an invalid byte sequence. */
function decode(bytes: Uint8Array): { text: string } | { error: FileError } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const strict = new TextDecoder('utf-8', { fatal: true });
    let start = 0;
    let line = 1;
    for (;;) {
      let end = bytes.indexOf(0x0a, start);
      if (end < 0) end = bytes.length;
      try {
        strict.decode(bytes.subarray(start, end));
      } catch {
        return { error: { line, message: 'not valid UTF-8 text; a table file must be UTF-8 (or ASCII) text.' } };
      }
      if (end >= bytes.length) break;
      start = end + 1;
      line++;
    }
    return { error: { line: null, message: 'not valid UTF-8 text; a table file must be UTF-8 (or ASCII) text.' } };
  }
}

/** `[name]`, or `[[address]]` for an IP literal written in brackets. */
const HEADER = /^\[\s*(\[[^[\]]*\]|[^[\]]*?)\s*\]$/;

function shorten(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

/** The number of lines `text.split('\n')` gives, less a last empty one (after a final line break). */
function countLines(text: string): number {
  if (text === '') return 0;
  let count = 1;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count++;
  return text.endsWith('\n') ? count - 1 : count;
}

export function parseSyntax(bytes: Uint8Array, onProgress?: ProgressFn): Syntax {
  const errors: FileError[] = [];
  const sections: RawSection[] = [];
  const decoded = decode(bytes);
  if ('error' in decoded) return { sections, errors: [decoded.error], fatal: true };
  let text = decoded.text;
  if (text.startsWith(BOM)) text = text.slice(1);
  // Lines are cut from the text one at a time, not split into an array: a 100,000-entry file has about
  // 400,000 lines, and an array of them would stay alive for the whole pass.
  const lineCount = countLines(text);
  let start = 0;

  let current: RawSection | null = null;
  for (let i = 0; i < lineCount; i++) {
    const lineNo = i + 1;
    if (onProgress && i % PROGRESS_STEP === 0) onProgress('parse', i, lineCount);
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let raw = text.slice(start, end);
    start = end + 1;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    const control = CONTROL.exec(raw);
    if (control) {
      // Binary content: every further line would be noise, so this is the only error reported.
      const code = control[0].charCodeAt(0);
      const message =
        code === 0x0d
          ? 'carriage return inside a line; lines must end with LF or CR LF.'
          : `binary content (${code === 0 ? 'a NUL byte' : `control character 0x${code.toString(16).padStart(2, '0')}`}); a table file is text.`;
      return { sections, errors: [{ line: lineNo, message }], fatal: true };
    }
    if (raw.length * 3 > MAX_LINE_BYTES && Buffer.byteLength(raw, 'utf8') > MAX_LINE_BYTES) {
      errors.push({ line: lineNo, message: `line is longer than ${MAX_LINE_BYTES} bytes.` });
      // A section header too long to read still ends the section before it: the settings that follow are
      // checked as a section of their own (not built), not reported as the previous section's duplicates.
      const unread = raw.trim();
      if (unread.startsWith('[')) current = { label: shorten(unread), name: '', line: lineNo, settings: new Map() };
      continue;
    }
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;

    if (line.startsWith('[')) {
      const m = HEADER.exec(line);
      // Recover a usable name from a malformed header so the section's settings are still checked.
      const name = m ? (m[1] ?? '') : line.replace(/^\[/, '').replace(/\].*$/, '').trim();
      current = { label: line, name, line: lineNo, settings: new Map() };
      sections.push(current);
      if (!m) errors.push({ line: lineNo, message: `malformed section header ${JSON.stringify(shorten(line))}; expected [name] alone on the line.` });
      continue;
    }

    const eq = line.indexOf('=');
    const where = current ? { section: current.label } : {};
    if (eq < 0) {
      const hint = line.startsWith(';') ? ' (comments start with #)' : '';
      errors.push({ line: lineNo, ...where, message: `expected "key = value", found ${JSON.stringify(shorten(line))}${hint}.` });
      continue;
    }
    const written = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (written === '') {
      errors.push({ line: lineNo, ...where, message: `missing key before "=" in ${JSON.stringify(shorten(line))}.` });
      continue;
    }
    if (!current) {
      errors.push({ line: lineNo, message: `setting ${JSON.stringify(shorten(written))} outside any section; the file starts with a [DEFAULT] section.` });
      continue;
    }
    const key = canonicalKey(written);
    if (key === null) {
      errors.push({ line: lineNo, section: current.label, key: written, message: `unknown key; the keys are ${KEY_LIST_TEXT}.` });
      continue;
    }
    const first = current.settings.get(key);
    if (first) {
      const same = first.written.toLowerCase() === written.toLowerCase() ? '' : ` (as ${first.written})`;
      errors.push({ line: lineNo, section: current.label, key: written, message: `duplicate key; already set at line ${first.line}${same}.` });
      continue;
    }
    if (value === '') errors.push({ line: lineNo, section: current.label, key: written, message: 'missing value after "=".' });
    current.settings.set(key, { written, value, line: lineNo, reported: value === '' });
  }
  if (onProgress) onProgress('parse', lineCount, lineCount);
  return { sections, errors, fatal: false };
}
