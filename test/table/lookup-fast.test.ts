// The fast paths of recipientDestination (plain lower-case host names) and findEntry (no candidate-key
// array) against the full paths they skip: same answers on generated input, including near misses.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPlainHostname, normaliseDestination, recipientDestination } from '../../src/table/domain.js';
import { candidateKeys, findEntry } from '../../src/table/lookup.js';
import { blankEntry, emptyTable } from '../../src/table/types.js';

/**
 * The full path, written out as recipientDestination was before its fast path; the leading space given to
 * normaliseDestination defeats that function's own fast path (which tests isPlainHostname too).
 */
function slowRecipientDestination(input: string): string | null {
  const s = input.trim();
  const at = s.lastIndexOf('@');
  const domain = at >= 0 ? s.slice(at + 1) : s;
  if (domain.startsWith('.')) return null;
  const r = normaliseDestination(` ${domain}`);
  return r.ok ? r.value : null;
}

// Characters chosen to hit every branch: plain ones, and each that the fast path must hand over.
const char = fc.constantFrom(...'abcxyz0189-.', 'A', 'Z', '_', ' ', '@', ':', '[', ']', 'ü', '\t');
const plainChar = fc.constantFrom(...'abz09-.');
const label = fc.stringMatching(/^[a-z0-9-]{1,64}$/);

describe('recipientDestination fast path', () => {
  it('agrees with the full normalisation on arbitrary and near-plain input', () => {
    const inputs = fc.oneof(
      fc.array(char, { maxLength: 30 }).map((cs) => cs.join('')),
      fc.array(plainChar, { minLength: 1, maxLength: 30 }).map((cs) => cs.join('')),
      fc.array(label, { minLength: 1, maxLength: 5 }).map((ls) => ls.join('.')),
      fc.tuple(fc.string({ maxLength: 5 }), fc.array(label, { minLength: 1, maxLength: 4 })).map(([u, ls]) => `${u}@${ls.join('.')}`),
      fc.constantFrom('default', 'all', 'user@default', 'x@all', 'a.default', '1.2.3.4', 'u@1.2.3', 'a'.repeat(63), 'a'.repeat(64), `${'a'.repeat(63)}.`.repeat(4) + 'com'),
    );
    fc.assert(
      fc.property(inputs, (input) => {
        expect(recipientDestination(input)).toBe(slowRecipientDestination(input));
      }),
      { numRuns: 5000 },
    );
  });

  it('takes the fast path only for names the full path returns unchanged', () => {
    fc.assert(
      fc.property(fc.array(plainChar, { minLength: 1, maxLength: 20 }).map((cs) => cs.join('')), (name) => {
        if (isPlainHostname(name, 0)) expect(slowRecipientDestination(name)).toBe(name);
      }),
    );
    expect(isPlainHostname('Example.com', 0)).toBe(false);
    expect(isPlainHostname('user@mail.example.com', 5)).toBe(true);
  });
});

describe('findEntry', () => {
  it('finds what the first candidate key present in the table finds', () => {
    const keys = fc.constantFrom('a.b.example', '.b.example', '.example', 'example', 'b.example', '.a.b.example', '[192.0.2.1]');
    const dests = fc.constantFrom('a.b.example', 'x.a.b.example', 'b.example', 'example', '.a.b.example', '.b.example', 'c.example', '[192.0.2.1]', 'other');
    fc.assert(
      fc.property(fc.uniqueArray(keys), dests, (present, dest) => {
        const t = emptyTable();
        for (const k of present) t.entries.set(k, blankEntry(k));
        const expected = candidateKeys(dest).find((k) => t.entries.has(k)) ?? null;
        expect(findEntry(t, dest)?.destination ?? null).toBe(expected);
      }),
    );
  });
});

describe('normaliseDestination fast path', () => {
  it('returns a plain name or .name unchanged, as the full path does', () => {
    const names = fc.oneof(
      fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.')),
      fc.array(plainChar, { minLength: 1, maxLength: 20 }).map((cs) => cs.join('')),
    );
    fc.assert(
      fc.property(names, fc.boolean(), (name, dotted) => {
        const input = dotted ? `.${name}` : name;
        const full = slowNormalise(input);
        if (isPlainHostname(input, dotted ? 1 : 0)) expect(full).toEqual({ ok: true, value: input });
        expect(normaliseDestination(input)).toEqual(full);
      }),
      { numRuns: 3000 },
    );
  });
});

/** normaliseDestination's answer with the fast path defeated: a leading space, which the full path trims. */
function slowNormalise(input: string): ReturnType<typeof normaliseDestination> {
  return normaliseDestination(` ${input}`);
}
