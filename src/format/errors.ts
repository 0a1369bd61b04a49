// Import errors and their one-line form. The forms (docs/file-format.md, "Errors"):
//   FILE:LINE: [section] key: what is wrong     a setting
//   FILE:LINE: [section]: what is wrong         a section as a whole, or a line in it that is no setting
//   FILE:LINE: what is wrong                    a line outside any section, the file's bytes, or the file as a
//                                               whole (no [DEFAULT] section: line 1)
//   FILE: what is wrong                         only the count of errors not shown

export interface FileError {
  /** 1-based line number; null for whole-file errors. */
  line: number | null;
  /** The section header as written, brackets included (`[Example.COM]`); absent outside sections. */
  section?: string;
  /** The key as written; absent for section-level errors. */
  key?: string;
  message: string;
}

/** Errors shown at most; a last line says how many more there were. */
export const MAX_REPORTED_ERRORS = 50;

export function formatError(file: string, e: FileError): string {
  const where = e.line === null ? `${file}:` : `${file}:${e.line}:`;
  if (e.section === undefined) return `${where} ${e.message}`;
  return e.key === undefined ? `${where} ${e.section}: ${e.message}` : `${where} ${e.section} ${e.key}: ${e.message}`;
}

/**
 * Sorts errors by line (whole-file errors last; stable within a line, so a line's errors keep the order in
 * which they were found) and formats at most MAX_REPORTED_ERRORS, plus a count of the rest.
 */
export function reportErrors(file: string, errors: readonly FileError[]): string[] {
  const sorted = errors
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (a.e.line ?? Infinity) - (b.e.line ?? Infinity) || a.i - b.i)
    .map(({ e }) => e);
  const lines = sorted.slice(0, MAX_REPORTED_ERRORS).map((e) => formatError(file, e));
  const rest = sorted.length - MAX_REPORTED_ERRORS;
  if (rest > 0) lines.push(`${file}: ${rest} more error${rest === 1 ? '' : 's'} not shown (the first ${MAX_REPORTED_ERRORS} are listed).`);
  return lines;
}
