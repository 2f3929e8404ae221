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

/**
 * Data-source settings (jsonData). Grafana hands these to every user who can query the data
 * source, so they hold no secret: the broker API key is in KppSecureJsonData.
 */
export interface KppOptions extends DataSourceJsonData {
  /** MQTT over WebSocket, e.g. ws://localhost:8083/mqtt. */
  brokerUrl?: string;
  /**
   * The broker's viewer-token endpoint as Grafana's server reaches it, e.g.
   * http://broker:9090/api/v1/viewer-token: the target of the plugin's `viewer-token` proxy
   * route. When set, the browser logs in with short-lived tokens fetched through that route;
   * when empty, it connects anonymously (a broker with allowAnonymousRead, for local use).
   */
  tokenUrl?: string;
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

/** Encrypted settings: Grafana keeps them on its server and only its data-source proxy reads them. */
export interface KppSecureJsonData {
  /** Key of the broker's viewer-token endpoint (one of the broker's `apiKeys`). */
  brokerApiKey?: string;
}

/** Path of the plugin.json route that fetches viewer tokens (under the data source's proxy URL). */
export const TOKEN_ROUTE = 'viewer-token';

export const DEFAULTS = {
  brokerUrl: 'ws://localhost:8083/mqtt',
  topicPrefix: 'kpp/v1',
  playoutDelayMs: 150,
  maxFps: 30,
  stream: 'compact' as StreamKind,
  maxDataPoints: 1000,
};
