export {
  createBroker,
  type KppBroker,
  type BrokerDeps,
  type BrokerPorts,
  type BrokerStats,
  type BrokerState,
} from './broker.js';
export {
  brokerConfigSchema,
  resolveBrokerConfig,
  brokerConfig,
  defaultBrokerId,
  workerId,
  MAX_WORKERS,
  type BrokerConfig,
  type BrokerConfigInput,
} from './config.js';
export {
  addUser,
  readUsersFile,
  parseUsersFile,
  USERNAME,
  MIN_PASSWORD_LENGTH,
  type UserRecord,
  type UsersTable,
  type AddUserOptions,
} from './auth/users-file.js';
export { FileUserStore, staticUserStore, type UserStore } from './auth/user-store.js';
export {
  hashPassword,
  verifyPassword,
  DEFAULT_SCRYPT,
  type ScryptParams,
} from './auth/password-hash.js';
export {
  ACL,
  ROLES,
  canPublish,
  canSubscribe,
  isRole,
  type Acl,
  type Role,
  type Principal,
} from './auth/roles.js';
export { topicMatches, filterCovers } from './auth/topic-filter.js';
export {
  DROP_REASONS,
  CONNECT_REJECTIONS,
  SUBSCRIBE_DENIALS,
  DISCONNECT_REASONS,
  type DropReason,
  type ConnectRejection,
  type SubscribeDenial,
  type DisconnectReason,
} from './reasons.js';
export {
  BrokerMetrics,
  type BrokerCounters,
  type BrokerGauges,
  type Transport,
} from './metrics/broker-metrics.js';
export { brokerHealthMetrics } from './metrics/health-reporter.js';
export { PacketSizeGuard } from './limits/packet-size-guard.js';
export { RateLimiter } from './limits/rate-limiter.js';
export {
  SlowConsumerPolicy,
  type ForwardDecision,
  type BacklogState,
} from './limits/slow-consumer-policy.js';
export { DROPPED_TOPIC } from './hooks/context.js';
export {
  ViewerTokens,
  ApiKeys,
  MAX_TOKEN_TTL_S,
  UNBOUND_TOKEN_USER,
  type ViewerClaims,
} from './auth/viewer-token.js';
export { VIEWER_TOKEN_PATH } from './http/viewer-token-endpoint.js';
export { runBrokerWorkers } from './cluster/workers.js';
