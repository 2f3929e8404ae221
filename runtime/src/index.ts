export { ProcessMetricsSampler, type ProcessMetrics } from './process-metrics.js';
export { createLogger, silentLogger, type Logger } from './logger.js';
export { runUntilSignal, type Service } from './lifecycle.js';
export { readConfigFile } from './config-file.js';
export { LatencyWindow } from './latency-window.js';
export { ManagedProcess, startProcess, type StartOptions } from './managed-process.js';
export { influxdConfig, launchInfluxd, type InfluxdLaunch } from './influxd.js';
export { findBinary } from './find-binary.js';
export { systemClock, delay, type Clock } from './clock.js';
