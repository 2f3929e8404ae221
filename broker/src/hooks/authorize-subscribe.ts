import type { AedesOptions } from 'aedes';
import { canSubscribe } from '../auth/roles.js';
import { topicLevels } from '../auth/topic-filter.js';
import type { HookContext } from './context.js';

/** Every SUBSCRIBE topic (and every restored one): depth and ACL; a denied topic gets SUBACK 0x80. */
export function authorizeSubscribeHook(
  ctx: HookContext,
): NonNullable<AedesOptions['authorizeSubscribe']> {
  return (client, sub, callback) => {
    if (topicLevels(sub.topic) > ctx.config.maxTopicLevels) {
      ctx.metrics.denySubscription('topic_levels');
      return callback(null, null);
    }
    const principal = ctx.clients.principal(client);
    if (!principal || !canSubscribe(principal.role, sub.topic)) {
      ctx.metrics.denySubscription('forbidden');
      ctx.logger.debug(
        { ...ctx.clients.describe(client), role: principal?.role, filter: sub.topic },
        'subscription denied',
      );
      return callback(null, null);
    }
    return callback(null, sub);
  };
}
