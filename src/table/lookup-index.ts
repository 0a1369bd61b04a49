// A hash index over a table's destination keys for lookups in bulk (the delivery client, `lookup()` over
// many recipients; issue 6 asks for at least 1,000,000 lookups a second at 100,000 entries).
//
// Why not Map.get alone: finding the governing entry of `user@mail.example.org` tries `mail.example.org`,
// `.example.org` and `.org` in turn. With a Map each try slices a new string out of the address and hashes
// it, and each miss costs a probe of a 100,000-entry hash table that does not stay in the CPU cache.
// This index hashes the characters from the end of the destination backwards, so that one pass over them
// gives the hash of every candidate key (each `.parent` suffix and the whole name) without slicing
// anything; for a recipient the same pass also finds the domain part and checks that it is in normal form
// (findRecipientItem). Candidates are probed in an open-addressing table whose slots hold, side by side,
// part of the key's hash, the key, its entry and the caller's cached answer (row-cache.ts): at 100,000
// entries a lookup is bound by memory latency, and a probe then costs one cache line, after which the key
// (compared only when the hash matches) and the answer are read at once from addresses the slot holds.
// An earlier layout (hashes in a typed array, keys and entries in a second array) cost one more dependent
// cache miss per hit.
import { CODE_0, CODE_9, CODE_a, CODE_DOT, CODE_HYPHEN, CODE_z, isAceHyphens, isReservedWordAt } from './domain.js';
import type { DestEntry } from './types.js';

/** Most candidate keys a destination can have: a 255-character name has at most 127 dots. */
const MAX_CANDIDATES = 128;
const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;
const CODE_BRACKET = 0x5b;
const CODE_AT = 0x40;

export interface LookupIndex {
  /** Slot count minus one (the slot count is a power of two). */
  mask: number;
  /**
   * SLOT values per slot (16 bytes with V8's compressed pointers, four slots to a cache line): the top 30
   * bits of the key's hash (a small integer, which V8 keeps unboxed), the key (0 in an empty slot), its
   * entry, and a value the caller keeps for the entry (row-cache.ts: its effective row; 0 until set).
   */
  slots: unknown[];
  /** What the caller keeps beside the cached values (row-cache.ts: the Default row's row and what it was built from). */
  callerState: unknown;
}

const SLOT = 4;
const KEY = 1;
const ENTRY = 2;
const CACHED = 3;
/** The hash bits a slot keeps: the top 30 (the low ones chose the slot), a V8 small integer on every platform. */
function slotHash(h: number): number {
  return h >>> 2;
}

/** findItem's answer when the destination has no entry (the Default row governs). */
export const NO_ITEM = -1;
/** findItem's answer when the destination has more candidate keys than the index handles. */
export const TOO_DEEP = -2;
/** findRecipientItem's answer when the domain part is not a plain host name (it must be normalised first). */
export const NOT_PLAIN = -3;

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
  // Filled with 0 (an empty slot's key and cached value), not built by push: a fill is one allocation.
  const slots: unknown[] = new Array<unknown>(size * SLOT).fill(0);
  // forEach, not for-of: no [key, entry] pair allocated per entry.
  entries.forEach((entry, key) => {
    const h = backwardHash(key, 0, key.length);
    let slot = h & mask;
    while (slots[SLOT * slot + KEY] !== 0) slot = (slot + 1) & mask;
    slots[SLOT * slot] = slotHash(h);
    slots[SLOT * slot + KEY] = key;
    slots[SLOT * slot + ENTRY] = entry;
  });
  return { mask, slots, callerState: null };
}

/** The item (slot) whose key is exactly s[start..], or NO_ITEM; `h` is that text's backward hash. */
function probe(index: LookupIndex, s: string, start: number, h: number): number {
  const { mask, slots } = index;
  const length = s.length - start;
  const stored = slotHash(h);
  for (let slot = h & mask; ; slot = (slot + 1) & mask) {
    const key = slots[SLOT * slot + KEY] as string | 0;
    if (key === 0) return NO_ITEM;
    if (slots[SLOT * slot] === stored && key.length === length && s.startsWith(key, start)) return slot;
  }
}

// Scratch space for the candidate positions and their hashes: lookups are synchronous, so one is enough.
const candidateAt = new Int32Array(MAX_CANDIDATES);
const candidateHash = new Int32Array(MAX_CANDIDATES);

/**
 * The item of the governing entry for the normalised destination s[start..] (exact key, then `.parent` keys
 * from the nearest parent up, as findEntry in lookup.ts), NO_ITEM when the Default row governs, TOO_DEEP
 * when the destination has more candidate keys than the index handles (the caller then asks the Map).
 */
export function findItem(index: LookupIndex, s: string, start: number): number {
  const end = s.length;
  // IP literals match only their own bracketed entry.
  if (s.charCodeAt(start) === CODE_BRACKET) return probe(index, s, start, backwardHash(s, start, end));
  let h = FNV_OFFSET;
  let candidates = 0;
  for (let i = end - 1; i >= start; i--) {
    const c = s.charCodeAt(i);
    h = Math.imul(h ^ c, FNV_PRIME);
    // A dot after the first character starts a parent key (`.example.org`); one at the start is the key's
    // own leading dot (a `.parent` destination), not a parent.
    if (c === CODE_DOT && i > start) {
      if (candidates === MAX_CANDIDATES) return TOO_DEEP;
      candidateAt[candidates] = i;
      candidateHash[candidates] = h;
      candidates++;
    }
  }
  return probeCandidates(index, s, start, h, candidates);
}

/**
 * The item governing s[start..] given its backward hash `h` and its `candidates` parent keys in the scratch
 * arrays: the exact key first (unless the text is itself a `.parent` key), then the parents, nearest first.
 */
function probeCandidates(index: LookupIndex, s: string, start: number, h: number, candidates: number): number {
  if (s.charCodeAt(start) !== CODE_DOT) {
    const exact = probe(index, s, start, h);
    if (exact !== NO_ITEM) return exact;
  }
  // The candidates were found right to left; the nearest parent (longest suffix) is the last one found.
  for (let k = candidates - 1; k >= 0; k--) {
    const item = probe(index, s, candidateAt[k] as number, candidateHash[k] as number);
    if (item !== NO_ITEM) return item;
  }
  return NO_ITEM;
}

/**
 * True when s[from, to) is a label of a plain host name: 1..63 characters, no hyphen at either end, not an
 * A-label (`xn--`, which the full path checks).
 */
function plainLabel(s: string, from: number, to: number): boolean {
  return (
    to > from &&
    to - from <= 63 &&
    s.charCodeAt(from) !== CODE_HYPHEN &&
    s.charCodeAt(to - 1) !== CODE_HYPHEN &&
    !(to - from > 4 && isAceHyphens(s, from))
  );
}

/**
 * findItem for the domain part of a recipient address (or a bare domain) in one backward pass over its
 * characters, which checks that the part is a plain host name (isPlainHostname in domain.ts: what
 * lookup() may search without normalising it), finds where it starts (after the last `@`) and hashes
 * every candidate key at once. NOT_PLAIN when the part is not plain: the caller then normalises it
 * (recipientDestination) and calls findItem. Two passes (isPlainHostname, then findItem) cost a
 * lookup about a tenth more, mostly in reading the recipient's characters twice.
 */
export function findRecipientItem(index: LookupIndex, s: string): number {
  const end = s.length;
  let h = FNV_OFFSET;
  let candidates = 0;
  let labelEnd = end;
  let letter = false;
  let i = end - 1;
  for (; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (c === CODE_AT) break;
    h = Math.imul(h ^ c, FNV_PRIME);
    if (c >= CODE_a && c <= CODE_z) letter = true;
    else if (c === CODE_DOT) {
      // A plain name of at most 253 characters has at most 126 dots, so a full candidate list means not plain.
      if (!plainLabel(s, i + 1, labelEnd) || candidates === MAX_CANDIDATES) return NOT_PLAIN;
      labelEnd = i;
      candidateAt[candidates] = i;
      candidateHash[candidates] = h;
      candidates++;
    } else if (c !== CODE_HYPHEN && (c < CODE_0 || c > CODE_9)) return NOT_PLAIN;
  }
  const start = i + 1;
  const length = end - start;
  // The first label's check also refuses a leading dot, so every candidate found is a parent key.
  if (!letter || length > 253 || !plainLabel(s, start, labelEnd)) return NOT_PLAIN;
  if (isReservedWordAt(s, start, end)) return NOT_PLAIN;
  return probeCandidates(index, s, start, h, candidates);
}

/** The entry of an item findItem returned. */
export function entryOf(index: LookupIndex, item: number): DestEntry {
  return index.slots[SLOT * item + ENTRY] as DestEntry;
}

/** The value the caller keeps for an item, undefined until set. */
export function cachedOf(index: LookupIndex, item: number): unknown {
  const value = index.slots[SLOT * item + CACHED];
  return value === 0 ? undefined : value;
}

export function setCached(index: LookupIndex, item: number, value: unknown): void {
  index.slots[SLOT * item + CACHED] = value;
}

/** Forgets every cached value. */
export function clearCached(index: LookupIndex): void {
  const slots = index.slots;
  for (let i = CACHED; i < slots.length; i += SLOT) slots[i] = 0;
}
