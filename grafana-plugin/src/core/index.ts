/**
 * The plugin's streaming and smoothing core. Imports nothing from Grafana: it speaks MQTT
 * through an injected transport, time through an injected scheduler, and hands out plain rows.
 */
export * from './scheduler';
export * from './transport';
export * from './backoff';
export * from './topic-match';
export * from './subscription-registry';
export * from './connection';
export * from './handover';
export * from './clock-sync';
export * from './jitter-buffer';
export * from './playout';
export * from './smoothing';
export * from './ring-buffer';
export * from './decimate';
export * from './series-store';
export * from './backfill-merge';
export * from './history';
export * from './influxql';
export * from './frame-source';
export * from './history-join';
export * from './emission';
export * from './live-query';
export * from './history-range';
export * from './probe';
