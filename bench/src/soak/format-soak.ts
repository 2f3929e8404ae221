import { alignColumns } from '../format.js';
import type { SoakReport } from './run-soak.js';

/** The soak report for people: one line per component, then the verdict. */
export function formatSoak(r: SoakReport): string {
  const rows = Object.entries(r.components).map(([name, c]) => [
    name,
    c.growth ? `${c.growth.start_mb}` : '-',
    c.growth ? `${c.growth.end_mb}` : '-',
    c.growth ? `${c.growth.growth_pct} %` : '-',
    c.growth ? `${c.growth.slope_mb_per_h}` : '-',
    `${c.rss_peak_mb}`,
    c.loop_lag_max_ms === null ? '-' : `${c.loop_lag_max_ms}`,
    !c.judged ? 'reported' : c.growth_ok && c.lag_ok !== false ? 'ok' : 'FAILED',
  ]);
  const head = [
    'component',
    'RSS start MB',
    'RSS end MB',
    'growth',
    'MB/h',
    'peak MB',
    'lag max ms',
    '',
  ];
  const ok = (b: boolean) => (b ? 'ok' : 'FAILED');
  const v = r.verdict;
  return (
    [
      `kpp soak: ${r.duration_s} s, ${r.units} units at ${r.rate_hz} Hz, broker ${r.broker_mode}; samples every ${r.interval_s} s, growth after ${r.warmup_s} s of warm-up`,
      '',
            ...alignColumns([head, ...rows]),
      '',
      `published ${r.published}, stored ${r.stored}, lost ${r.lost}, duplicated ${r.duplicated}; crashes ${r.unexpected_exits.length}`,
      `load avg ${r.load.loadavg_start} → ${r.load.loadavg_end}, machine CPU busy ${r.load.machine_cpu_busy_pct} % (${r.machine.cores} cores)`,
      '',
      `RSS growth < ${r.limits.rss_growth_pct} %: ${ok(v.rss_growth_ok)} · event-loop lag ≤ ${r.limits.loop_lag_ms} ms: ${ok(v.loop_lag_ok)} · lost 0: ${ok(v.lost_zero)} · no crash: ${ok(v.no_crash)}`,
      `verdict: ${v.pass ? 'PASS' : 'FAIL'}`,
    ].join('\n') + '\n'
  );
}
