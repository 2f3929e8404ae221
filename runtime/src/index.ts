export { ProcessMetricsSampler, type ProcessMetrics } from './process-metrics.js';
export { createLogger, silentLogger, type Logger } from './logger.js';
export { runUntilSignal, type Runnable, type Service } from './lifecycle.js';
export { readConfigFile } from './config-file.js';
export {
  envName,
  parseConfigText,
  resolveConfig,
  schemaFieldType,
  type ConfigResult,
  type ConfigSources,
} from './config.js';
export { LatencyWindow } from './latency-window.js';
export { ManagedProcess, startProcess, type StartOptions } from './managed-process.js';
export { influxdConfig, influxdConfigPath, launchInfluxd, type InfluxdLaunch } from './influxd.js';
export { processInfo, type ProcessInfo } from './process-info.js';
export { findBinary } from './find-binary.js';
export { systemClock, delay, type Clock } from './clock.js';
export { freePort } from './free-port.js';
export { perSecond, roundTo } from './health-rates.js';
export { mqttClientOptions, uniqueClientId, type MqttClientChoices, type MqttClientOptions } from './mqtt-options.js';
