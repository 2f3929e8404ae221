import type { FieldSpec } from '@kpp/protocol';
import type { Rows } from './decimate';

export interface HistoryRequest {
  /** Unit ids, or 'all' for every unit. */
  units: string[] | 'all';
  /** Catalogue fields, in column order. */
  fields: FieldSpec[];
  fromMs: number;
  toMs: number;
  maxDataPoints: number;
  tickMs: number;
}

export interface HistorySeries extends Rows {
  unit: string;
  /** True when rows are min/max aggregates rather than raw ticks. */
  aggregated: boolean;
}

/**
 * Where history comes from: Grafana's InfluxDB data source (history-grafana.ts) runs the
 * InfluxQL that influxql.ts builds. Enum values come back as their index, booleans as
 * 0/1, so every column is numeric.
 */
export type HistoryFetcher = (req: HistoryRequest) => Promise<HistorySeries[]>;

/** A stored value as a number for a column of the given field (null when absent or unknown). */
export function toColumnValue(spec: FieldSpec, value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (spec.kind === 'boolean') return value === true || value === 1 || value === 'true' ? 1 : 0;
  if (spec.kind === 'enum') {
    const i = typeof value === 'string' ? (spec.values ?? []).indexOf(value) : Number(value);
    return Number.isInteger(i) && i >= 0 ? i : null;
  }
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}
