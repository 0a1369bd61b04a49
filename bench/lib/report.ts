// The bench report: one row per figure (printed as a table) and the full results tree (bench/results.json).

export interface Row {
  case: string;
  metric: string;
  value: string;
  goal: string;
  /** true met, false missed, null no goal or not measured. */
  met: boolean | null;
}

export class Report {
  readonly rows: Row[] = [];
  readonly results: Record<string, unknown> = {};

  row(caseName: string, metric: string, value: string, goal = '', met: boolean | null = null): void {
    this.rows.push({ case: caseName, metric, value, goal, met });
  }

  /** Records that a case could not be measured, and why (e.g. its subject is not on main yet). */
  skipped(caseName: string, reason: string): void {
    this.results[caseName] = { skipped: reason };
    this.row(caseName, 'not measured', reason.slice(0, 70), '', null);
  }

  table(): string {
    const head: Row = { case: 'case', metric: 'metric', value: 'value', goal: 'goal', met: null };
    const all = [head, ...this.rows];
    const w = (k: 'case' | 'metric' | 'value' | 'goal'): number => Math.max(...all.map((r) => r[k].length));
    const line = (r: Row, mark: string): string =>
      [r.case.padEnd(w('case')), r.metric.padEnd(w('metric')), r.value.padStart(w('value')), r.goal.padEnd(w('goal')), mark].join('  ').trimEnd();
    const out = [line(head, ''), '-'.repeat(w('case') + w('metric') + w('value') + w('goal') + 12)];
    for (const r of this.rows) out.push(line(r, r.met === null ? '' : r.met ? 'ok' : 'MISSED'));
    return out.join('\n');
  }
}
