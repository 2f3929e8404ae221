import { alignColumns } from '../format.js';
import type { ChaosReport } from './run-chaos.js';

/** The chaos report for people: the fault schedule, then the counts and the verdict. */
export function formatChaos(r: ChaosReport): string {
  const rows = r.faults.map((f, i) => [
    String(i + 1),
    `${f.injected_at_s}`,
    f.target,
    f.kind,
    f.hold_s ? `${f.hold_s}` : '-',
    f.recover_s === null ? 'NOT RECOVERED' : `${f.recover_s}`,
    f.error ?? '',
  ]);
  const head = ['#', 'at s', 'target', 'fault', 'hold s', 'recover s', ''];
  const ok = (b: boolean) => (b ? 'ok' : 'FAILED');
  const v = r.verdict;
  const out = [
    `kpp chaos: seed ${r.seed}, ${r.duration_s} s, ${r.units} units at ${r.rate_hz} Hz, broker in ${r.broker_mode} mode`,
    '',
        ...alignColumns([head, ...rows]),
    '',
    `faults: ${r.faults_total} (${Object.entries(r.faults_by_target)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')})`,
    `published ${r.published}, stored ${r.stored}, lost ${r.lost}, duplicated ${r.duplicated}` +
      ` (stored but unconfirmed: ${r.ledger.unconfirmed_stored}; simulator runs: ${r.ledger.runs})`,
    `longest recovery: ${r.max_recover_s ?? 'not recovered'} s (${Object.entries(
      r.max_recover_s_by_target,
    )
      .map(([t, s]) => `${t} ${s ?? '-'}`)
      .join(', ')}); drain ${r.drain_s} s`,
    `peak RSS MB: ${Object.entries(r.peak_rss_mb)
      .map(([n, mb]) => `${n} ${mb}`)
      .join(', ')}`,
    `dead letters: ${r.dead_letters}; crashes: ${r.unexpected_exits.length}`,
    ...(r.ledger.lost_sample.length > 0
      ? [`lost (sample): ${r.ledger.lost_sample.join('; ')}`]
      : []),
    `load avg ${r.load.loadavg_start} → ${r.load.loadavg_end}, machine CPU busy ${r.load.machine_cpu_busy_pct} % (${r.machine.cores} cores)`,
    '',
    `lost 0: ${ok(v.lost_zero)} · duplicated 0: ${ok(v.duplicated_zero)} · ≥ 20 faults: ${ok(v.faults_ge_20)} · every process faulted: ${ok(v.every_process_faulted)} · no crash: ${ok(v.no_crash)}`,
    `verdict: ${v.pass ? 'PASS' : 'FAIL'}${r.run_dir ? ` (run directory kept: ${r.run_dir})` : ''}`,
  ];
  return out.join('\n') + '\n';
}
