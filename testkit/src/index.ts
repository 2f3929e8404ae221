export { freePort } from './ports.js';
export { tempDir, type TempDir } from './temp-dir.js';
export { sleep, waitFor } from './wait-for.js';
export { DEBIAN_PACKAGES, findBinary, requireBinary, type KnownBinary } from './binaries.js';
export { ManagedProcess, startProcess, type StartOptions } from './managed-process.js';
export { startInfluxd, influxdConfig, type Influxd, type InfluxSeries } from './influxd.js';
export { startMosquitto, type Mosquitto } from './mosquitto.js';
export { startRedis, type Redis } from './redis.js';
export { startAedes, type InProcessBroker } from './aedes.js';
