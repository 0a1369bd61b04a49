// docs/file-format.md is the product's public contract (issue 3): its examples must stay what the code
// does. The "Shape" example is a file that export writes byte for byte (bar the time), and every error
// line it quotes is one of the lines its fixture is refused with.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { importTableBytes } from '../../src/format/read.js';
import { formatTable } from '../../src/format/write.js';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const doc = readFileSync(path.join(repo, 'docs', 'file-format.md'), 'utf8');
/** The body of the first fenced block that opens with ```LANG after `heading`. */
function block(heading: string, lang = ''): string {
  const after = doc.slice(doc.indexOf(heading));
  const m = after.match(new RegExp('```' + lang + '\\n([\\s\\S]*?)```'));
  if (!m?.[1]) throw new Error(`no code block after ${heading}`);
  return m[1];
}

describe('docs/file-format.md examples', () => {
  it('the Shape example imports and exports to the same bytes, its header time aside', () => {
    const shape = block('## Shape', 'ini');
    const time = shape.match(/at (\S+Z)\n/)?.[1];
    expect(time).toBeDefined();
    const r = importTableBytes(Buffer.from(shape), 'shape.ini');
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(formatTable(r.table, new Date(time ?? ''))).toBe(shape);
  });

  it('every quoted error line is what its fixture gives', () => {
    const quoted = block('Content that is not a text table file').trim().split('\n');
    expect(quoted.length).toBeGreaterThan(5);
    for (const line of quoted) {
      const file = line.slice(0, line.indexOf(':'));
      const r = importTableBytes(readFileSync(path.join(repo, 'fixtures', 'tables', 'invalid', file)), file);
      expect(r.ok ? [] : r.errors, file).toContain(line);
    }
  });
});
