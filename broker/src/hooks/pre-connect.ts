import type { AedesOptions } from 'aedes';
import type { HookContext } from './context.js';

/**
 * CONNECT arrived: clamp the keepalive into the configured bounds before Aedes arms its timer.
 * MQTT 3.1.1 cannot tell the client another value, so the broker simply times the connection
 * out after 1.5 × the clamped keepalive; 0 (no keepalive) is treated as the maximum, so dead
 * connections are always found. The will is remembered for authentication to check.
 */
export function preConnectHook(ctx: HookContext): NonNullable<AedesOptions['preConnect']> {
  const { keepaliveMinSeconds: min, keepaliveMaxSeconds: max } = ctx.config;
  return (client, packet, callback) => {
    if (packet.will) ctx.clients.setWill(client, packet.will);
    const asked = packet.keepalive ?? 0;
    packet.keepalive = asked === 0 ? max : Math.min(max, Math.max(min, asked));
    callback(null, true);
  };
}
