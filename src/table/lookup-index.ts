// A hash index over a table's destination keys for lookups in bulk (the delivery client, `lookup()` over
// many recipients; issue 6 asks for at least 1,000,000 lookups a second at 100,000 entries).
//
// Why not Map.get alone: finding the governing entry of `user@mail.example.org` tries `mail.example.org`,
// `.example.org` and `.org` in turn. With a Map each try slices a new string out of the address and hashes
// it, and each miss costs a probe of a 100,000-entry hash table that does not stay in the CPU cache.
// This index hashes the characters from the end of the destination backwards, so that one pass over them
// gives the hash of every candidate key (each `.parent` suffix and the whole name) without slicing
// anything; candidates are then probed in an open-addressing table of 32-bit hashes (a typed array, a
// quarter of the memory a Map touches), and a key string is compared only when its hash matches.
import type { DestEntry } from './types.js';

/** Most candidate keys a destination can have: a 255-character name has at most 127 dots. */
const MAX_CANDIDATES = 128;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const CODE_DOT = 0x2e;
const CODE_BRACKET = 0x5b;

export interface LookupIndex {
  /** Slot count minus one (the slot count is a power of two). */
  mask: number;
  /**
   * Two numbers per slot: the hash of the slot's key, and 1 + the position of its key in `items` (0 for an
   * empty slot). Side by side so that a probe reads one cache line, not one in each of two arrays.
   */
  slots: Int32Array;
  /** Key and entry side by side: `items[2i]` is a key, `items[2i + 1]` its entry. */
  items: (string | DestEntry)[];
}

/** FNV-1a over s[start, end) read from the end backwards. */
function backwardHash(s: string, start: number, end: number): number {
  let h = FNV_OFFSET;
  for (let i = end - 1; i >= start; i--) h = Math.imul(h ^ s.charCodeAt(i), FNV_PRIME);
  return h;
}

/** Builds the index of `entries` (at most half the slots filled, so probe runs stay short). */
export function buildLookupIndex(entries: ReadonlyMap<string, DestEntry>): LookupIndex {
  let size = 16;
  while (size < entries.size * 2) size *= 2;
  const mask = size - 1;
  const slots = new Int32Array(size * 2);
  const items: (string | DestEntry)[] = [];
  for (const [key, entry] of entries) {
    const h = backwardHash(key, 0, key.length);
    let slot = h & mask;
    while (slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
    slots[2 * slot] = h;
    slots[2 * slot + 1] = items.length / 2 + 1;
    items.push(key, entry);
  }
  return { mask, slots, items };
}

/** The entry whose key is exactly s[start..], if any; `h` is that text's backward hash. */
function probe(index: LookupIndex, s: string, start: number, h: number): DestEntry | undefined {
  const { mask, slots, items } = index;
  const length = s.length - start;
  for (let slot = h & mask; ; slot = (slot + 1) & mask) {
    const at = slots[2 * slot + 1] as number;
    if (at === 0) return undefined;
    if (slots[2 * slot] === h) {
      const key = items[2 * at - 2] as string;
      if (key.length === length && s.startsWith(key, start)) return items[2 * at - 1] as DestEntry;
    }
  }
}

// Scratch space for the candidate positions and their hashes: lookups are synchronous, so one is enough.
const candidateAt = new Int32Array(MAX_CANDIDATES);
const candidateHash = new Int32Array(MAX_CANDIDATES);

/**
 * The governing entry for the normalised destination s[start..] (exact key, then `.parent` keys from the
 * nearest parent up, as findEntry in lookup.ts), or null when the Default row governs; undefined when the
 * destination has more candidate keys than the index handles (the caller then asks the Map).
 */
export function findInIndex(index: LookupIndex, s: string, start: number): DestEntry | null | undefined {
  const end = s.length;
  // IP literals match only their own bracketed entry.
  if (s.charCodeAt(start) === CODE_BRACKET) return probe(index, s, start, backwardHash(s, start, end)) ?? null;
  let h = FNV_OFFSET;
  let candidates = 0;
  for (let i = end - 1; i >= start; i--) {
    const c = s.charCodeAt(i);
    h = Math.imul(h ^ c, FNV_PRIME);
    // A dot after the first character starts a parent key (`.example.org`); one at the start is the key's
    // own leading dot (a `.parent` destination), not a parent.
    if (c === CODE_DOT && i > start) {
      if (candidates === MAX_CANDIDATES) return undefined;
      candidateAt[candidates] = i;
      candidateHash[candidates] = h;
      candidates++;
    }
  }
  if (s.charCodeAt(start) !== CODE_DOT) {
    const exact = probe(index, s, start, h);
    if (exact) return exact;
  }
  // The candidates were found right to left; the nearest parent (longest suffix) is the last one found.
  for (let k = candidates - 1; k >= 0; k--) {
    const e = probe(index, s, candidateAt[k] as number, candidateHash[k] as number);
    if (e) return e;
  }
  return null;
}
