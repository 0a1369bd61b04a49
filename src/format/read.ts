// Reading a table file from disk: the I/O around the pure parse (parse.ts) and build (build.ts) passes.
import path from 'node:path';
import { readFileWithin, TooLarge } from '../store/bounded-read.js';
import { buildTable, type ImportedTable } from './build.js';
import { reportErrors } from './errors.js';
import { parseSyntax, type ProgressFn } from './parse.js';

/** Largest table file read, in bytes. A 100,000-entry table is about 20 MB; the bound keeps a mistaken
 *  argument (a disk image, a log) from exhausting memory. */
export const MAX_FILE_BYTES = 256 * 1024 * 1024;

export type ImportOutcome =
  | { ok: true; table: ImportedTable; entries: number }
  /** `invalid`: the content is not a valid table file; `unreadable`: the file could not be read. */
  | { ok: false; kind: 'invalid' | 'unreadable'; errors: string[] };

/** Parses and validates a table file's bytes; `label` names the file in every error line. */
export function importTableBytes(bytes: Uint8Array, label: string, onProgress?: ProgressFn): ImportOutcome {
  const r = buildTable(parseSyntax(bytes, onProgress), onProgress);
  return r.ok ? r : { ok: false, kind: 'invalid', errors: reportErrors(label, r.errors) };
}

const IO_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  ELOOP: 'too many levels of symbolic links',
};

export function ioReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return (e.code && IO_REASONS[e.code]) ?? e.message ?? String(err);
}

/** Why writing `file` failed. A file being created cannot be missing, so ENOENT means its folder is. */
export function writeReason(err: unknown, file: string): string {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return `the folder ${path.dirname(file)} does not exist`;
  return ioReason(err);
}

/**
 * Reads a file of at most MAX_FILE_BYTES. Besides regular files it reads what scripts hand over as a file
 * name: a named pipe, and `/dev/stdin` or `/dev/fd/N` on a pipe (`destconfig import <(generate-table)`).
 */
export async function readFileBounded(file: string, label = file): Promise<{ ok: true; bytes: Buffer } | { ok: false; error: string }> {
  try {
    return { ok: true, bytes: await readFileWithin(file, MAX_FILE_BYTES) };
  } catch (err) {
    if (err instanceof TooLarge) {
      const size = err.size === null ? `more than ${MAX_FILE_BYTES} bytes` : `${err.size} bytes`;
      return { ok: false, error: `${label}: too large (${size}; a table file is at most ${MAX_FILE_BYTES} bytes).` };
    }
    return { ok: false, error: `${label}: cannot read: ${ioReason(err)}.` };
  }
}

export async function importTableFile(file: string, label = file, onProgress?: ProgressFn): Promise<ImportOutcome> {
  const read = await readFileBounded(file, label);
  if (!read.ok) return { ok: false, kind: 'unreadable', errors: [read.error] };
  return importTableBytes(read.bytes, label, onProgress);
}
