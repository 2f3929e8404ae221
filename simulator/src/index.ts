export * from './clock/index.js';
export * from './fleet/index.js';
export * from './physics/index.js';
export { CommandDispatcher, type DispatchStats } from './commands/dispatcher.js';
export type { CommandTarget } from './commands/command-target.js';
export { shardOf, simulatorConfigSchema, type Shard, type SimulatorConfig } from './config.js';
export { SimulatorService, type SimulatorDeps, type SimulatorStats } from './simulator-service.js';
export { PublishPlan, type PlannedMessage, type PublishPlanOptions } from './publish-plan.js';
export { runOffline, OFFLINE_EPOCH_MS, type OfflineRunOptions, type OfflineReport } from './offline-run.js';
export { OfflineBuffer } from './mqtt/offline-buffer.js';
export { MqttLink, DEFAULT_MAX_INFLIGHT, type OutgoingMessage, type LinkStats } from './mqtt/mqtt-link.js';
export {
  PublishLog,
  parsePublishLog,
  readPublishLog,
  toRanges,
  type PublishedRun,
  type PublishLogContents,
} from './mqtt/publish-log.js';
export { SimulatorWorkers } from './shard-workers.js';
