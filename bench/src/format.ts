import type { BenchReport } from './report.js';

/** A plain-text summary for people: the targets table, then the load the machine was under. */
export function formatSummary(r: BenchReport): string {
  const rows = r.targets.map((t) => [
    t.met === null ? '  -  ' : t.met ? ' MET ' : 'MISSED',
    t.metric,
    t.target,
    t.value === null ? 'n/a' : `${t.value} ${t.unit}`,
  ]);
  const widths = [6, 0, 0, 0].map((w, i) => Math.max(w, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  const out = [line(['', 'metric', 'target', 'measured']), ...rows.map(line)];
  out.push('');
  for (const [name, note] of Object.entries(r.meta.load)) {
    out.push(`${name}: ${r.meta.elapsed_s[name as keyof typeof r.meta.elapsed_s]} s, load avg ${note?.loadavg_start} → ${note?.loadavg_end}, machine CPU busy ${note?.machine_cpu_busy_pct} %`);
  }
  return out.join('\n') + '\n';
}

/** Rows of cells as text lines, each column padded to its widest cell, two spaces apart. */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd());
}
