import type { AedesOptions, PublishPacket } from 'aedes';
import { canPublish } from '../auth/roles.js';
import { topicLevels } from '../auth/topic-filter.js';
import { DROPPED_TOPIC, type HookContext } from './context.js';

/**
 * Every PUBLISH from a client (and every will; wills were checked at CONNECT already): size,
 * topic depth and ACL.
 *
 * - Payload over `maxPayloadBytes`: the client is disconnected (the packet-size guard usually
 *   catches it from the header first; this is the exact check).
 * - Too many topic levels or not allowed for the client's role: acknowledged normally and
 *   dropped, counted by reason. MQTT 3.1.1 has no negative PUBACK; closing the connection (the
 *   spec's other choice) would make a QoS 1 client resend the same message after every
 *   reconnect, so a viewer that publishes by mistake would flap for ever.
 */
export function authorizePublishHook(
  ctx: HookContext,
): NonNullable<AedesOptions['authorizePublish']> {
  const divert = (packet: PublishPacket) => {
    packet.topic = DROPPED_TOPIC;
    packet.retain = false;
  };

  return (client, packet, callback) => {
    try {
      const bytes = packet.payload.length;
      // A will refused at CONNECT (see authenticate.ts): already re-addressed and counted.
      if (ctx.clients.isDivertedWill(packet)) return callback(null);
      // A will left by a client of a broker that is gone; it was checked when that client connected.
      if (client === null) return callback(null);
      if (bytes > ctx.config.maxPayloadBytes) {
        ctx.clients.disconnect(client, 'oversize', { payloadBytes: bytes, topic: packet.topic });
        return callback(
          new Error(
            `payload of ${bytes} bytes is over the ${ctx.config.maxPayloadBytes} byte limit`,
          ),
        );
      }
      ctx.metrics.messageIn(bytes);
      if (topicLevels(packet.topic) > ctx.config.maxTopicLevels) {
        ctx.metrics.drop('topic_levels');
        ctx.logger.debug(
          { ...ctx.clients.describe(client), topic: packet.topic },
          'publish dropped: too many topic levels',
        );
        divert(packet);
        return callback(null);
      }
      const principal = ctx.clients.principal(client);
      if (!principal || !canPublish(principal.role, packet.topic)) {
        ctx.metrics.drop(
          principal?.username !== undefined && principal.viaToken ? 'token_publish' : 'forbidden',
        );
        ctx.logger.debug(
          { ...ctx.clients.describe(client), role: principal?.role, topic: packet.topic },
          'publish dropped: not allowed for this role',
        );
        divert(packet);
        return callback(null);
      }
      return callback(null);
    } catch (err) {
      ctx.logger.error({ err }, 'authorizePublish failed');
      return callback(err instanceof Error ? err : new Error(String(err)));
    }
  };
}
