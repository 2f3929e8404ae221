import { FIELD_BY_NAME, type FieldSpec } from '@kpp/protocol';
import type { SeriesSnapshot } from './emission';
import type { HistoryFetcher } from './history';
import { SeriesStore } from './series-store';

export interface HistoryRangeOptions {
  /** Unit ids, or 'all' for every unit. */
  units: string[] | 'all';
  /** Catalogue field names (unknown names are ignored). */
  fields: string[];
  fromMs: number;
  toMs: number;
  maxDataPoints: number;
  tickMs: number;
  fetch: HistoryFetcher;
}

/**
 * A range that ends in the past: what InfluxDB holds for it, once, with no subscription. Each
 * unit's rows go through the same store as live ones, so a panel never gets more points than
 * it can draw.
 */
export async function historyRange(opts: HistoryRangeOptions): Promise<SeriesSnapshot[]> {
  const fields = opts.fields.filter((f) => FIELD_BY_NAME.has(f)).map((f) => FIELD_BY_NAME.get(f) as FieldSpec);
  const series = await opts.fetch({
    units: opts.units,
    fields,
    fromMs: opts.fromMs,
    toMs: opts.toMs,
    maxDataPoints: opts.maxDataPoints,
    tickMs: opts.tickMs,
  });
  return series
    .filter((s) => opts.units === 'all' || opts.units.includes(s.unit))
    .sort((a, b) => a.unit.localeCompare(b.unit))
    .map((s) => {
      const store = new SeriesStore({
        windowMs: Math.max(1, opts.toMs - opts.fromMs),
        tickMs: opts.tickMs,
        maxDataPoints: opts.maxDataPoints,
        columns: fields.length,
      });
      store.pushRows(s);
      return { unit: s.unit, fields, rows: store.rows() };
    });
}
