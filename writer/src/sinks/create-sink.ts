import type { Logger } from 'pino';
import type { WriterConfig } from '../config.js';
import type { InfluxSink } from './sink.js';
import { createV1Sink } from './v1-sink.js';
import { createV2Sink } from './v2-sink.js';

/** The config keys the sinks read: the InfluxDB target, its credentials and schema, and the request bounds. */
export type SinkConfig = Pick<
  WriterConfig,
  | 'influxApi'
  | 'influxUrl'
  | 'org'
  | 'bucket'
  | 'token'
  | 'db'
  | 'rp'
  | 'rollupRp'
  | 'rawRetention'
  | 'rollupRetention'
  | 'rollupResampleFor'
  | 'user'
  | 'password'
  | 'httpTimeoutMs'
  | 'batchSize'
>;

/** The sink the configuration asks for. */
export function createSink(config: SinkConfig, logger?: Logger): InfluxSink {
  if (config.influxApi === 'v2') {
    return createV2Sink({
      url: config.influxUrl,
      org: config.org,
      bucket: config.bucket,
      token: config.token,
      timeoutMs: config.httpTimeoutMs,
      maxBatchLines: config.batchSize,
      logger,
    });
  }
  return createV1Sink({
    url: config.influxUrl,
    db: config.db,
    rp: config.rp,
    rollupRp: config.rollupRp,
    rawRetention: config.rawRetention,
    rollupRetention: config.rollupRetention,
    rollupResampleFor: config.rollupResampleFor,
    user: config.user,
    password: config.password,
    timeoutMs: config.httpTimeoutMs,
  });
}
