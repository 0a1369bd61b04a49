// The entries of a table: a Map from destination key to entry that also carries the lookup index
// (lookup-index.ts) built from it. Every change through the Map's own methods drops the index, so an index
// is never consulted for entries it was not built from. Code that builds a table uses `new EntryMap()`;
// a plain Map still works everywhere (lookups then use Map.get alone).
import type { DestEntry } from './types.js';
import type { LookupIndex } from './lookup-index.js';

export class EntryMap extends Map<string, DestEntry> {
  /** The index of the current entries, once built (see findEntry in lookup.ts); null after any change. */
  index: LookupIndex | null = null;
  /** Lookups since the last change: the index is built only once they pay for it. */
  lookupsSinceChange = 0;

  override set(key: string, value: DestEntry): this {
    // The Map constructor calls set() before the fields are initialised; they start empty anyway.
    this.index = null;
    this.lookupsSinceChange = 0;
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.index = null;
    this.lookupsSinceChange = 0;
    return super.delete(key);
  }

  override clear(): void {
    this.index = null;
    this.lookupsSinceChange = 0;
    super.clear();
  }
}
