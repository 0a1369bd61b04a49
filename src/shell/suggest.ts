// "Did you mean ...?" for mistyped commands and menu operations: the closest known word within a small
// edit distance, or a word the input begins (a prefix of at least two letters).

/**
 * Edit distance with insertions, deletions, substitutions and swaps of two neighbouring letters (optimal
 * string alignment): `lsit` is one typo away from `list`, as a user counts it.
 */
export function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      let d = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (before[j - 2] ?? 0) + 1);
      cur.push(d);
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

export function suggest(word: string, known: readonly string[]): string | null {
  const w = word.toLowerCase();
  if (w.length < 2) return null;
  let best: { name: string; d: number } | null = null;
  for (const name of known) {
    const n = name.toLowerCase();
    const d = n.startsWith(w) ? 0 : editDistance(w, n);
    if (best === null || d < best.d) best = { name, d };
  }
  const limit = Math.max(1, Math.min(2, Math.floor(w.length / 3)));
  return best && best.d <= limit ? best.name : null;
}
