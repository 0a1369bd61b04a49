// "Did you mean ...?" for mistyped commands and menu operations: the closest known word within a small
// edit distance, or a word the input begins (a prefix of at least two letters).

/** Levenshtein distance (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub));
    }
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
