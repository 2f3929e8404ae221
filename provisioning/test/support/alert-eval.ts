/**
 * A small model of how Grafana evaluates our provisioned alert rules, for tests that run the
 * rules' real InfluxQL against a real influxd:
 *
 * - query A: Grafana's InfluxDB data source interpolates the InfluxQL (see `interpolateInfluxQl`)
 *   and turns every series × value column into one frame labelled with the series' tags;
 * - reduce B (server-side expression): last | mean | min | max | sum | count | median, with the
 *   modes "" (strict: a null or NaN makes the result NaN), dropNN (drop them) and replaceNN;
 *   an empty series reduces to NaN, except sum → 0 and count → 0;
 * - threshold C: gt, lt, within_range, outside_range (exclusive) and their *_included forms;
 *   a NaN compares false (Normal);
 * - no series at all is NoData, mapped by the rule's noDataState (Alerting, NoData, OK, KeepLast);
 * - `for`: an instance whose condition holds goes Pending and Alerting once it has held for `for`
 *   (at once when `for` is 0s); an instance missing from the results is dropped (Grafana marks
 *   it stale and resolves it).
 */
import type { InfluxSeries } from '@kpp/testkit';
import { durationS, type AlertQueryDef, type AlertRuleDef } from './provisioning.js';

export type QueryRunner = (influxql: string) => Promise<InfluxSeries[]>;

export interface InterpolateOptions {
  /** Evaluation instant (epoch ms): `$timeFilter` covers [at − from, at − to] and now() is `at`. */
  at: number;
  fromS: number;
  toS: number;
  /** `$__interval` / `$interval` (dashboards only; the rules use none). */
  interval?: string;
  /** Template variables, e.g. { unit: 'u1' } → `$unit` (regex-escaped, as Grafana does for =~). */
  vars?: Record<string, string>;
}

const escapeRegex = (s: string) => s.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');

/**
 * Replaces what Grafana replaces before the query reaches InfluxDB. `$timeFilter` becomes
 * `time >= {from}ms and time <= {to}ms` (how Grafana's backend InfluxQL renders a time range);
 * `now()` becomes `{at}ms`: when Grafana evaluates a rule, InfluxDB's now() is the evaluation
 * instant (to a few ms), and pinning it lets a test evaluate past instants too. Anything else
 * starting with `$` is an error, so a macro the test does not know is never sent.
 */
export function interpolateInfluxQl(query: string, o: InterpolateOptions): string {
  const from = Math.round(o.at - o.fromS * 1000);
  const to = Math.round(o.at - o.toS * 1000);
  let q = query.replaceAll('$timeFilter', `time >= ${from}ms and time <= ${to}ms`).replaceAll('now()', `${Math.round(o.at)}ms`);
  if (o.interval) q = q.replaceAll('$__interval', o.interval).replaceAll('$interval', o.interval);
  for (const [name, value] of Object.entries(o.vars ?? {})) q = q.replaceAll(`$${name}`, escapeRegex(value));
  const left = /\$[A-Za-z_{][A-Za-z0-9_}]*/.exec(q);
  if (left) throw new Error(`query still has ${left[0]} after interpolation: ${q}`);
  return q;
}

export interface Frame {
  labels: Record<string, string>;
  column: string;
  values: Array<number | null>;
}

/** InfluxDB series → Grafana frames: one per value column, labelled with the series' tags. */
export function seriesToFrames(series: InfluxSeries[]): Frame[] {
  return series.flatMap((s) =>
    s.columns
      .map((column, i) => ({ column, i }))
      .filter(({ column }) => column !== 'time')
      .map(({ column, i }) => ({
        labels: { ...(s.tags ?? {}) },
        column,
        values: s.values.map((row) => {
          const v = row[i];
          return typeof v === 'number' ? v : v === null || v === undefined ? null : Number(v);
        }),
      })),
  );
}

export function reduce(values: ReadonlyArray<number | null>, reducer: string, mode = '', replaceWith = 0): number {
  let xs: Array<number | null>;
  if (mode === 'dropNN') xs = values.filter((v) => v !== null && !Number.isNaN(v));
  else if (mode === 'replaceNN') xs = values.map((v) => (v === null || Number.isNaN(v) ? replaceWith : v));
  else if (mode === '' || mode === 'strict') xs = [...values];
  else throw new Error(`unknown reduce mode "${mode}"`);
  if (reducer === 'count') return xs.length;
  if (xs.some((v) => v === null || Number.isNaN(v))) return NaN;
  const n = xs as number[];
  switch (reducer) {
    case 'sum':
      return n.reduce((a, b) => a + b, 0);
    case 'mean':
      return n.reduce((a, b) => a + b, 0) / n.length; // 0/0 = NaN when empty
    case 'min':
      return n.length ? Math.min(...n) : NaN;
    case 'max':
      return n.length ? Math.max(...n) : NaN;
    case 'last':
      return n.length ? (n[n.length - 1] as number) : NaN;
    case 'median': {
      if (!n.length) return NaN;
      const s = [...n].sort((a, b) => a - b);
      const mid = Math.floor(s.length / 2);
      return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
    }
    default:
      throw new Error(`unknown reducer "${reducer}"`);
  }
}

export function threshold(value: number, type: string, params: readonly number[]): boolean {
  const [a = NaN, b = NaN] = params;
  switch (type) {
    case 'gt':
      return value > a;
    case 'lt':
      return value < a;
    case 'within_range':
      return value > Math.min(a, b) && value < Math.max(a, b);
    case 'outside_range':
      return value < Math.min(a, b) || value > Math.max(a, b);
    case 'within_range_included':
      return value >= Math.min(a, b) && value <= Math.max(a, b);
    case 'outside_range_included':
      return value <= Math.min(a, b) || value >= Math.max(a, b);
    default:
      throw new Error(`unknown threshold type "${type}"`);
  }
}

export interface Instance {
  /** Labels of the alert instance (the series' tags); {} for a rule-level NoData instance. */
  labels: Record<string, string>;
  key: string;
  value: number;
  condition: boolean;
}

export interface Evaluation {
  rule: string;
  at: number;
  query: string;
  series: InfluxSeries[];
  noData: boolean;
  instances: Instance[];
}

const labelKey = (labels: Record<string, string>) =>
  Object.entries(labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

export function parts(rule: AlertRuleDef): { query: AlertQueryDef; reduce: AlertQueryDef; threshold: AlertQueryDef } {
  const byRef = new Map(rule.data.map((d) => [d.refId, d]));
  const thr = byRef.get(rule.condition);
  if (!thr || thr.model.type !== 'threshold') throw new Error(`${rule.uid}: condition ${rule.condition} is not a threshold expression`);
  const red = byRef.get(String(thr.model.expression));
  if (!red || red.model.type !== 'reduce') throw new Error(`${rule.uid}: threshold input is not a reduce expression`);
  const q = byRef.get(String(red.model.expression));
  if (!q || typeof q.model.query !== 'string' || !q.relativeTimeRange) throw new Error(`${rule.uid}: reduce input is not an InfluxQL query with a relativeTimeRange`);
  return { query: q, reduce: red, threshold: thr };
}

/** One evaluation of `rule` at instant `at` (epoch ms), running its InfluxQL through `run`. */
export async function evaluateRule(rule: AlertRuleDef, run: QueryRunner, at: number): Promise<Evaluation> {
  const p = parts(rule);
  const range = p.query.relativeTimeRange as { from: number; to: number };
  const query = interpolateInfluxQl(p.query.model.query as string, { at, fromS: range.from, toS: range.to });
  const series = await run(query);
  const frames = seriesToFrames(series);
  const cond = p.threshold.model.conditions?.[0]?.evaluator;
  if (!cond) throw new Error(`${rule.uid}: threshold without an evaluator`);
  const settings = p.reduce.model.settings ?? {};
  const instances = frames.map((f) => {
    const value = reduce(f.values, String(p.reduce.model.reducer), settings.mode ?? '', settings.replaceWithValue ?? 0);
    return { labels: f.labels, key: labelKey(f.labels), value, condition: threshold(value, cond.type, cond.params) };
  });
  return { rule: rule.uid, at, query, series, noData: frames.length === 0, instances };
}

export type AlertState = 'Normal' | 'Pending' | 'Alerting' | 'NoData';

interface InstanceState {
  state: AlertState;
  since: number;
  value: number;
}

/** The state of every instance of one rule across evaluations (Grafana's state manager, in small). */
export class RuleStates {
  readonly instances = new Map<string, InstanceState & { labels: Record<string, string> }>();
  /** First time each instance went Alerting. */
  readonly firstAlerting = new Map<string, number>();
  readonly forS: number;

  constructor(readonly rule: AlertRuleDef) {
    this.forS = durationS(rule.for);
  }

  apply(e: Evaluation): void {
    if (e.noData) {
      const mode = this.rule.noDataState;
      if (mode === 'KeepLast') return;
      this.instances.clear();
      if (mode === 'OK') return;
      if (mode === 'NoData') {
        this.instances.set('', { labels: {}, state: 'NoData', since: e.at, value: NaN });
        return;
      }
      e = { ...e, instances: [{ labels: {}, key: '', value: NaN, condition: true }] };
    }
    const seen = new Set<string>();
    for (const i of e.instances) {
      seen.add(i.key);
      const prev = this.instances.get(i.key);
      let next: InstanceState;
      if (!i.condition) next = { state: 'Normal', since: e.at, value: i.value };
      else if (prev && (prev.state === 'Pending' || prev.state === 'Alerting')) {
        const held = prev.state === 'Alerting' || e.at - prev.since >= this.forS * 1000;
        next = { state: held ? 'Alerting' : 'Pending', since: prev.state === 'Alerting' ? prev.since : held ? e.at : prev.since, value: i.value };
      } else next = { state: this.forS === 0 ? 'Alerting' : 'Pending', since: e.at, value: i.value };
      if (next.state === 'Alerting' && !this.firstAlerting.has(i.key)) this.firstAlerting.set(i.key, e.at);
      this.instances.set(i.key, { ...next, labels: i.labels });
    }
    for (const key of [...this.instances.keys()]) if (!seen.has(key)) this.instances.delete(key);
  }

  /** Label sets (as "k=v" keys) of the instances now Alerting. */
  alerting(): string[] {
    return [...this.instances.entries()].filter(([, s]) => s.state === 'Alerting').map(([k]) => k);
  }

  summary(): string {
    return [...this.instances.entries()].map(([k, s]) => `${k || '(no data)'}: ${s.state} ${Number.isFinite(s.value) ? +s.value.toPrecision(6) : s.value}`).join('; ');
  }
}

/** Every rule's states, evaluated together the way a rule group is (same instant). */
export class AlertBook {
  readonly states: Map<string, RuleStates>;
  readonly log: Evaluation[] = [];

  constructor(
    readonly rules: readonly AlertRuleDef[],
    private readonly run: QueryRunner,
  ) {
    this.states = new Map(rules.map((r) => [r.uid, new RuleStates(r)]));
  }

  async evaluate(at: number, only?: readonly string[]): Promise<Evaluation[]> {
    const rules = only ? this.rules.filter((r) => only.includes(r.uid)) : this.rules;
    const out = await Promise.all(rules.map((r) => evaluateRule(r, this.run, at)));
    for (const e of out) this.state(e.rule).apply(e);
    this.log.push(...out);
    return out;
  }

  state(uid: string): RuleStates {
    const s = this.states.get(uid);
    if (!s) throw new Error(`no rule ${uid}`);
    return s;
  }

  /** rule uid → alerting instance keys, for the rules with any. */
  firing(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const [uid, s] of this.states) if (s.alerting().length > 0) out[uid] = s.alerting();
    return out;
  }

  report(): string {
    return [...this.states.entries()].map(([uid, s]) => `${uid}: ${s.summary() || '(no instances)'}`).join('\n');
  }
}
