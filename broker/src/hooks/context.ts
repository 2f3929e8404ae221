import type { Logger } from 'pino';
import type { UserStore } from '../auth/user-store.js';
import type { ViewerTokens } from '../auth/viewer-token.js';
import type { ClientTracker } from '../clients.js';
import type { BrokerConfig } from '../config.js';
import type { SlowConsumerPolicy } from '../limits/slow-consumer-policy.js';
import type { BrokerMetrics } from '../metrics/broker-metrics.js';

/** What every Aedes hook of the broker gets: one object, built once per broker. */
export interface HookContext {
  config: BrokerConfig;
  logger: Logger;
  metrics: BrokerMetrics;
  clients: ClientTracker;
  /** Undefined when no users file is configured (only anonymous read is then possible). */
  users: UserStore | undefined;
  slowConsumers: SlowConsumerPolicy;
  /** Checks viewer tokens given as CONNECT passwords; undefined when no apiKeys are configured. */
  tokens: ViewerTokens | undefined;
}

/**
 * Where forbidden publishes go: MQTT 3.1.1 cannot refuse a PUBLISH, so the broker acknowledges
 * it ([MQTT-3.3.5-2] allows that) and re-addresses it here, unretained. Nobody may subscribe
 * to `$kpp/…`, and `#` never matches `$` topics, so the message reaches no one.
 */
export const DROPPED_TOPIC = '$kpp/dropped';
