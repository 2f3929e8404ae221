/**
 * The one builder of MQTT client options. Every KPP client speaks MQTT 3.1.1 (protocol level
 * 4), names itself, and sends credentials only when it has them; everything else is the
 * caller's choice, and what it leaves out keeps mqtt.js's default. The result is structurally
 * mqtt.js's IClientOptions (runtime does not depend on mqtt).
 */
export interface MqttClientChoices {
  clientId: string;
  username?: string | undefined;
  password?: string | undefined;
  /** false: a persistent session (the broker queues QoS 1 while the client is away). */
  clean?: boolean;
  keepaliveS?: number;
  /** 0: never reconnect. */
  reconnectMs?: number;
  connectTimeoutMs?: number;
  /** false: QoS 0 publishes made while offline are dropped, not replayed. */
  queueQoSZero?: boolean;
  resubscribe?: boolean;
}

export interface MqttClientOptions {
  protocolVersion: 4;
  clientId: string;
  username?: string;
  password?: string;
  clean?: boolean;
  keepalive?: number;
  reconnectPeriod?: number;
  connectTimeout?: number;
  queueQoSZero?: boolean;
  resubscribe?: boolean;
  log?: (...args: unknown[]) => void;
}

/**
 * mqtt.js traces every packet through `debug`; even off, each call and its `enabled` check cost
 * ≈ 1.5 % of a simulator publishing 10 000 frames/s. So its trace is off unless DEBUG asks for it.
 */
const mqttTraceWanted = (debug = process.env.DEBUG ?? '') => /(^|[,\s])(mqttjs|\*)/.test(debug);
const noTrace = (): void => undefined;

export function mqttClientOptions(c: MqttClientChoices): MqttClientOptions {
  const options: MqttClientOptions = { protocolVersion: 4, clientId: c.clientId };
  if (c.username !== undefined) options.username = c.username;
  if (c.password !== undefined) options.password = c.password;
  if (c.clean !== undefined) options.clean = c.clean;
  if (c.keepaliveS !== undefined) options.keepalive = c.keepaliveS;
  if (c.reconnectMs !== undefined) options.reconnectPeriod = c.reconnectMs;
  if (c.connectTimeoutMs !== undefined) options.connectTimeout = c.connectTimeoutMs;
  if (c.queueQoSZero !== undefined) options.queueQoSZero = c.queueQoSZero;
  if (c.resubscribe !== undefined) options.resubscribe = c.resubscribe;
  if (!mqttTraceWanted()) options.log = noTrace;
  return options;
}

/** `prefix-` and 8 random base-36 characters: for short-lived clients that must not collide. */
export function uniqueClientId(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
}
