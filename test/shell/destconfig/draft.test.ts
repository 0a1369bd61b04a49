// The operation journal (src/shell/destconfig/draft.ts): an abandoned operation leaves the table exactly as it
// was, a completed one keeps exactly its changes, whatever mix of NEW/EDIT/DELETE/CLEAR/IMPORT/DEFAULT/SETUP
// changes it made (compared with the same changes applied to a deep copy).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { beginDraft } from '../../../src/shell/destconfig/draft.js';
import { fingerprint } from '../../../src/table/fingerprint.js';
import { blankEntry, cloneTable, emptyTable, type DestTable } from '../../../src/table/types.js';

type Change =
  | { kind: 'set'; key: string; concurrency: number }
  | { kind: 'delete'; key: string }
  | { kind: 'clear' }
  | { kind: 'import'; keys: string[] }
  | { kind: 'defaults'; concurrency: number }
  | { kind: 'globals'; dane: boolean }
  | { kind: 'profile'; name: string };

const key = fc.constantFrom('a.example', 'b.example', '.c.example', 'd.example', '[192.0.2.1]');
const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key, concurrency: fc.integer({ min: 1, max: 1000 }) }),
  fc.record({ kind: fc.constant('delete' as const), key }),
  fc.constant({ kind: 'clear' as const }),
  fc.record({ kind: fc.constant('import' as const), keys: fc.array(key, { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('defaults' as const), concurrency: fc.integer({ min: 1, max: 1000 }) }),
  fc.record({ kind: fc.constant('globals' as const), dane: fc.boolean() }),
  fc.record({ kind: fc.constant('profile' as const), name: fc.constantFrom('p1', 'p2') }),
);

/** Applies a change the way the operations do: replace objects, never change an entry in place. */
function apply(t: DestTable, c: Change): void {
  switch (c.kind) {
    case 'set':
      t.entries.set(c.key, { ...blankEntry(c.key), maxConcurrency: c.concurrency });
      return;
    case 'delete':
      t.entries.delete(c.key);
      return;
    case 'clear':
      t.entries.clear();
      return;
    case 'import':
      t.entries = new Map(c.keys.map((k) => [k, blankEntry(k)]));
      return;
    case 'defaults':
      t.defaults = { ...t.defaults, maxConcurrency: c.concurrency };
      return;
    case 'globals':
      t.globals = { ...t.globals, daneEnabled: c.dane };
      return;
    case 'profile':
      if (!t.bounceProfiles.includes(c.name)) t.bounceProfiles.push(c.name);
  }
}

function startTable(keys: string[]): DestTable {
  const t = emptyTable();
  for (const k of keys) t.entries.set(k, blankEntry(k));
  return t;
}

describe('operation journal', () => {
  it('rolls back any abandoned operation and keeps any completed one, over a run of operations', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 4 }), fc.array(fc.tuple(fc.array(change, { maxLength: 6 }), fc.boolean()), { maxLength: 6 }), (start, ops) => {
        const working = startTable(start);
        const model = startTable(start);
        for (const [changes, completes] of ops) {
          const draft = beginDraft(working);
          for (const c of changes) apply(working, c);
          if (completes) {
            draft.keep();
            for (const c of changes) apply(model, c);
          } else {
            draft.rollBack();
          }
          expect(fingerprint(working)).toBe(fingerprint(model));
          expect(working.entries.size).toBe(model.entries.size);
        }
      }),
    );
  });

  it('changes made after the operation ended are not journalled into the next roll-back', () => {
    const t = startTable(['a.example']);
    const before = fingerprint(cloneTable(t));
    const first = beginDraft(t);
    t.entries.set('b.example', blankEntry('b.example'));
    first.keep();
    const second = beginDraft(t);
    t.entries.delete('a.example');
    t.entries.clear();
    second.rollBack();
    expect([...t.entries.keys()].sort()).toEqual(['a.example', 'b.example']);
    expect(fingerprint(t)).not.toBe(before);
  });
});
