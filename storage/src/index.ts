export {
  createInfluxQl,
  queryOrThrow,
  authHeaders,
  errorText,
  type InfluxQl,
  type InfluxQlOptions,
  type InfluxSeries,
  type QueryError,
} from './influxql-client.js';
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
  type HistoryConnection,
  type HistoryRequest,
  type HistoryTarget,
  type HistoryQuery,
  type HistoryError,
  type HistoryErrorCode,
} from './history.js';
export { formatHistory, historyText, historyCsv, historyJson, type HistoryFormat, type HistoryTable, type HistoryValue } from './history-format.js';
export { parseDuration, parseTimeSpec } from './time-spec.js';
