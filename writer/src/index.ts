export { writerConfigSchema, type WriterConfig, type WriterConfigInput } from './config.js';
export { createWriter, type Writer, type WriterDeps, type WriterStats } from './writer.js';
export { framePoint, healthPoint, toLine, UNIT_MEASUREMENT, HEALTH_MEASUREMENT, STAMP_FIELDS } from './points.js';
export { createDispatcher, type Dispatch } from './handlers/dispatcher.js';
export type { HandleResult } from './handlers/handle-result.js';
export { Spool, SpoolLockedError, type SpoolOptions, type SpoolStats, type SpoolBatch, type SpoolRecord } from './spool.js';
export { DeadLetterFile, payloadExcerpt, type DeadLetter, type RejectedInput, type RejectedBatch } from './dead-letter.js';
export type { InfluxSink, WriteOutcome, BootstrapOutcome } from './sinks/sink.js';
export { createV1Sink, type V1SinkOptions } from './sinks/v1-sink.js';
export { createV2Sink, type V2SinkOptions } from './sinks/v2-sink.js';
export { createSink } from './sinks/create-sink.js';
export { retryDelay, parseRetryAfter, type BackoffOptions } from './retry-policy.js';
export { createInfluxQl, type InfluxQl, type InfluxSeries, type QueryResult } from './influxql.js';
export {
  bootstrapV1,
  rollupBackfill,
  continuousQueries,
  UNIT_ROLLUP_MEASUREMENT,
  HEALTH_ROLLUP_MEASUREMENT,
  type V1SchemaOptions,
} from './schema-bootstrap.js';
export { writerHealth, type WriterCounters } from './health.js';
export {
  history,
  historyTarget,
  parseHistoryArgs,
  buildHistoryQuery,
  queryHistory,
  HISTORY_FIELDS,
  HISTORY_FORMATS,
  DEFAULT_RAW_MAX_RANGE_MS,
  type HistoryArgs,
  type HistoryRequest,
  type HistoryTarget,
  type HistoryQuery,
  type HistoryResult,
  type HistoryErrorCode,
} from './history.js';
export { formatHistory, historyText, historyCsv, historyJson, type HistoryFormat, type HistoryTable, type HistoryValue } from './history-format.js';
export { parseDuration, parseTimeSpec } from './time-spec.js';
