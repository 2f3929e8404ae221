import type { Rows } from './decimate';

export interface HistoryRequest {
  /** Unit ids, or 'all' for every unit. */
  units: string[] | 'all';
  /** Catalogue field names, in column order. */
  fields: string[];
  /** Kinds of those fields ('number' | 'boolean' | 'enum'), same order. */
  kinds: string[];
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
 * Where history comes from: Grafana's InfluxDB data source in production (history-grafana.ts),
 * a direct InfluxQL /query fetcher in tests. Values of enum fields come back as their index,
 * booleans as 0/1.
 */
export type HistoryFetcher = (req: HistoryRequest) => Promise<HistorySeries[]>;
