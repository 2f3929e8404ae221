import type { LoadNote, MachineInfo } from './machine.js';
import type { ScenarioName } from './scenario.js';
import type { BytesResult } from './scenarios/bytes.js';
import type { ClockResult } from './scenarios/clock.js';
import type { BrowserResult } from './scenarios/browser.js';
import type { FanoutResult } from './scenarios/fanout.js';
import type { LatencyResult } from './scenarios/latency.js';
import type { ResourcesResult } from './scenarios/resources.js';
import type { BrokerPeers, ThroughputResult, WriterPeers } from './scenarios/throughput.js';

export interface Peers {
  /** Debian's mosquitto in place of the KPP broker (Aedes), same clients, same load. */
  mosquitto?: {
    /** Aedes p99 / mosquitto p99, TCP subscriber (lower is better for Aedes). */
    latency_p99_ratio_u1?: number;
    latency_p99_ratio_u1000?: number;
    throughput?: BrokerPeers;
  };
  writer?: WriterPeers;
}

export interface TargetCheck {
  metric: string;
  target: string;
  value: number | null;
  unit: string;
  /** null: not measured in this run (scenario not run, or pending). */
  met: boolean | null;
}

export interface BenchMeta {
  version: 1;
  started_at: string;
  finished_at: string;
  quick: boolean;
  duration_s: number | undefined;
  scenarios: ScenarioName[];
  machine: MachineInfo;
  /** Machine load while each scenario ran (shared VM). */
  load: Partial<Record<ScenarioName, LoadNote>>;
  /** Wall time of each scenario, s. */
  elapsed_s: Partial<Record<ScenarioName, number>>;
}

export interface BenchReport {
  meta: BenchMeta;
  latency?: LatencyResult;
  throughput?: ThroughputResult;
  fanout?: FanoutResult;
  bytes?: BytesResult;
  resources?: ResourcesResult;
  clock?: ClockResult;
  browser?: BrowserResult;
  peers?: Peers;
  targets: TargetCheck[];
}

const worst = (...xs: (number | undefined)[]) => {
  const v = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return v.length ? Math.max(...v) : undefined;
};

function check(metric: string, target: string, unit: string, value: number | undefined, ok: (v: number) => boolean): TargetCheck {
  return { metric, target, unit, value: value ?? null, met: value === undefined ? null : ok(value) };
}

/** The targets table, judged on this report. */
export function evaluateTargets(r: Omit<BenchReport, 'targets'>): TargetCheck[] {
  const a = r.latency?.aedes;
  const p99 = (key: string) => worst(a?.[key]?.tcp.p99, a?.[key]?.ws?.p99);
  return [
    check('tick → subscriber p99, 1 unit, 10 Hz (worst of TCP, WS)', '≤ 5 ms', 'ms', p99('u1'), (v) => v <= 5),
    check('tick → subscriber p99, 1000 units, 10 Hz (worst of TCP, WS)', '≤ 20 ms', 'ms', p99('u1000'), (v) => v <= 20),
    check('sustained end-to-end, 0 lost', '≥ 10 000 frames/s (aim 50 000)', 'frames/s', r.throughput?.sustained_fps, (v) => v >= 10_000),
    check('Aedes path vs Mosquitto, same load', '≥ 50 % of Mosquitto', 'ratio', r.peers?.mosquitto?.throughput?.aedes_vs_mosquitto, (v) => v >= 0.5),
    check('compact stream vs JSON', '≤ 15 %', 'ratio', r.bytes?.compact_vs_json, (v) => v <= 0.15),
    check('whole stack at 3 units, 10 Hz: CPU', '≤ 10 % of a core', '%', r.resources?.whole_stack_3u.cpu_pct, (v) => v <= 10),
    check('whole stack at 3 units, 10 Hz: RSS', '≤ 100 MB', 'MB', r.resources?.whole_stack_3u.rss_mb, (v) => v <= 100),
    check('writer vs raw line-protocol ceiling', '≥ 80 %', 'ratio', r.peers?.writer?.writer_vs_ceiling, (v) => v >= 0.8),
    check('panel emission at 30 FPS: interval std dev (browser)', '< 3 ms', 'ms', r.browser?.interval_ms.std, (v) => v < 3),
  ];
}
