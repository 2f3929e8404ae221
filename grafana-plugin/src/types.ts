import type { DataSourceJsonData } from '@grafana/data';
import type { DataQuery } from '@grafana/schema';
import type { SmoothingKind, StreamKind } from './core';

/** One panel query. */
export interface KppQuery extends DataQuery {
  /** Unit id, a template variable ($unit, multi-value allowed), a comma list, or `+` for every unit. */
  unit: string;
  /** Catalogue field names. */
  fields: string[];
  smoothing: SmoothingKind;
  /** EMA α (0 < α ≤ 1). */
  alpha?: number;
  /** Moving-average length in ticks. */
  window?: number;
  interpolate: boolean;
  /** Live window length, e.g. "5m"; empty = the dashboard time range. */
  windowLength?: string;
  /** Series display name; {{unit}} and {{field}} are replaced. */
  alias?: string;
}

export const DEFAULT_QUERY: Partial<KppQuery> = {
  unit: 'u1',
  fields: ['p_net_w'],
  smoothing: 'none',
  alpha: 0.3,
  window: 5,
  interpolate: true,
  windowLength: '',
  alias: '',
};

/** Data-source settings (jsonData). */
export interface KppOptions extends DataSourceJsonData {
  /** MQTT over WebSocket, e.g. ws://localhost:8083/mqtt. */
  brokerUrl?: string;
  /** Broker account the browser logs in with: use a viewer (read-only) account. */
  username?: string;
  /**
   * Password of that viewer account. Deliberately jsonData, not secureJsonData: Grafana never
   * sends secureJsonData to the browser, and in a frontend-only data source it is the browser
   * that logs in to the broker, so a secret password could not be used at all. The broker's ACL
   * makes the viewer role read-only.
   */
  password?: string;
  /** Topic prefix, default kpp/v1. */
  topicPrefix?: string;
  /** Playout delay behind the master clock (ms), default 150. */
  playoutDelayMs?: number;
  /** Frame-rate cap (1..60), default 30. */
  maxFps?: number;
  /** UID of the InfluxDB data source used to open panels with history. */
  historyDatasourceUid?: string;
  /** Which stream to read: compact binary (default) or JSON frames. */
  stream?: StreamKind;
}

export const DEFAULTS = {
  brokerUrl: 'ws://localhost:8083/mqtt',
  topicPrefix: 'kpp/v1',
  playoutDelayMs: 150,
  maxFps: 30,
  stream: 'compact' as StreamKind,
  maxDataPoints: 1000,
};
