import type { AedesOptions, AedesPublishPacket } from 'aedes';
import { topicMatches } from '../auth/topic-filter.js';
import { backlogBound, backlogOf, type ClientInternals } from '../clients.js';
import type { HookContext } from './context.js';

/**
 * Every message about to be written to one subscriber: the slow-consumer policy (see
 * slow-consumer-policy.ts) and the outbound counters.
 */
export function authorizeForwardHook(
  ctx: HookContext,
): NonNullable<AedesOptions['authorizeForward']> {
  return (client, packet) => {
    const bytes = packet.payload.length;
    if (ctx.clients.isClosing(client)) return keepsInStore(client, packet) ? packet : null;
    const backlog = backlogOf(client);
    const bound = backlogBound(client, ctx.slowConsumers.options.backlogBytes);
    const qos = backlog < bound ? packet.qos : effectiveQos(client as ClientInternals, packet);
    switch (ctx.slowConsumers.decide(backlog, qos, bound, !client.clean)) {
      case 'forward':
        ctx.metrics.messageOut(bytes);
        return packet;
      case 'drop':
        ctx.metrics.drop('slow_consumer');
        return null;
      case 'disconnect':
        ctx.clients.disconnect(client, 'slow_consumer', {
          backlogBytes: backlog,
          qos,
          detail: 'a QoS 1 message would have had to wait behind a full backlog',
        });
        if (keepsInStore(client, packet)) return packet;
        ctx.metrics.drop('slow_consumer');
        return null;
    }
  };
}

/**
 * For a client being closed: a persistent session's QoS > 0 message is passed on so it stays in
 * the store for the next connection (the write itself fails harmlessly); the rest is not sent.
 */
function keepsInStore(client: { clean: boolean }, packet: AedesPublishPacket): boolean {
  return !client.clean && packet.qos > 0;
}

/** QoS the client will actually get: the message's, capped by the best matching subscription. */
function effectiveQos(client: ClientInternals, packet: AedesPublishPacket): number {
  if (packet.qos === 0) return 0;
  let best = 0;
  for (const [filter, sub] of Object.entries(client.subscriptions)) {
    if (sub && sub.qos > best && topicMatches(filter, packet.topic)) best = sub.qos;
  }
  return Math.min(best, packet.qos);
}
