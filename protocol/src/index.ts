export * from './result.js';
export * from './prng.js';
export * from './backoff.js';
export * from './rejections.js';
export * from './operational-errors.js';
export * from './rejections-doc.js';
export * from './topics.js';
export * from './catalogue.js';
export * from './frame.js';
export * from './command.js';
export { TS_MIN_MS, TS_MAX_MS } from './checks.js';
export { utf8ByteLength, type Payload } from './json-payload.js';
export {
  decodeFrame,
  validateFrame,
  encodeFrame,
  FRAME_CLOCK_FIELDS,
  T_MAX_S,
  type DecodeFrameOptions,
} from './frame-codec.js';
export * from './command-codec.js';
export * from './clock-codec.js';
export * from './fleet-batch.js';
export * from './health-codec.js';
export * from './meta.js';
export {
  COMPACT_VERSION,
  COMPACT_MAGIC,
  MAX_COMPACT_BYTES,
  SCHEMA_FINGERPRINT,
} from './compact/compact-format.js';
export * from './compact/compact-encoder.js';
export * from './compact/compact-decoder.js';
export * from './unit-shard.js';
export * from './storage.js';
