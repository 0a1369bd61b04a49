// Summary statistics for benchmark samples: medians with the spread (quartiles, min, max), since this
// machine (2 shared cores) is noisy and a mean would hide outliers.

export interface Summary {
  n: number;
  median: number;
  p25: number;
  p75: number;
  min: number;
  max: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

export function summarize(samples: number[]): Summary {
  const s = [...samples].sort((x, y) => x - y);
  return {
    n: s.length,
    median: quantile(s, 0.5),
    p25: quantile(s, 0.25),
    p75: quantile(s, 0.75),
    min: s[0] ?? NaN,
    max: s[s.length - 1] ?? NaN,
  };
}

/** Rounds for display and JSON: 3 significant decimals at most. */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function roundSummary(s: Summary, digits = 2): Summary {
  return {
    n: s.n,
    median: round(s.median, digits),
    p25: round(s.p25, digits),
    p75: round(s.p75, digits),
    min: round(s.min, digits),
    max: round(s.max, digits),
  };
}

/** "12.3 (11.9–13.0)": median with the interquartile range. */
export function fmtSummary(s: Summary, digits = 1): string {
  return `${s.median.toFixed(digits)} (${s.p25.toFixed(digits)}–${s.p75.toFixed(digits)})`;
}
