import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { CloseReason, TransportFactory } from './transport';

interface ConnackError extends Error {
  code?: number | string;
}

/**
 * One MQTT.js (browser build, WebSocket) connection attempt. Reconnection is off
 * (reconnectPeriod 0): the core's Connection decides when to try again. Subscriptions are not
 * replayed by MQTT.js either (resubscribe false): the subscription registry owns them.
 */
export const mqttTransport: TransportFactory = (opts, events) => {
  let closed = false;
  let connected = false;
  let client: MqttClient | undefined;
  const finish = (reason: CloseReason) => {
    if (closed) return;
    closed = true;
    try {
      client?.end(true);
    } catch {
      /* already gone */
    }
    events.onClose(reason);
  };

  const options: IClientOptions = {
    protocolVersion: 4,
    clientId: opts.clientId,
    clean: true,
    reconnectPeriod: 0,
    resubscribe: false,
    connectTimeout: opts.connectTimeoutMs,
    keepalive: opts.keepaliveS,
    queueQoSZero: false,
    ...(opts.username ? { username: opts.username } : {}),
    ...(opts.password ? { password: opts.password } : {}),
  };

  try {
    client = mqtt.connect(opts.url, options);
  } catch (err) {
    queueMicrotask(() => finish({ kind: 'refused', message: errorText(err) }));
    return { subscribe() {}, unsubscribe() {}, close: () => finish({ kind: 'closed', message: 'closed' }) };
  }

  let lastError: ConnackError | undefined;
  client.on('connect', () => {
    if (closed) return;
    connected = true;
    events.onConnect();
  });
  client.on('message', (topic, payload, packet) => {
    if (closed) return;
    try {
      events.onMessage(topic, payload, packet.retain === true);
    } catch {
      /* a handler bug must not kill the connection */
    }
  });
  client.on('error', (err: ConnackError) => {
    lastError = err;
    if (!connected && (err.code === 4 || err.code === 5 || err.code === 134 || err.code === 135)) {
      finish({ kind: 'auth', message: err.code === 5 ? 'not authorized' : 'bad username or password' });
    }
  });
  client.on('close', () => {
    if (connected) {
      finish({ kind: 'lost', message: lastError ? errorText(lastError) : 'connection closed by the broker' });
    } else {
      const text = lastError ? errorText(lastError) : `could not open ${opts.url}`;
      finish(/timeout/i.test(text) ? { kind: 'timeout', message: text } : { kind: 'refused', message: text });
    }
  });

  const c = client;
  return {
    subscribe(filters) {
      if (!closed && connected && filters.length > 0) c.subscribe([...filters], { qos: 1 });
    },
    unsubscribe(filters) {
      if (!closed && connected && filters.length > 0) c.unsubscribe([...filters]);
    },
    close() {
      finish({ kind: 'closed', message: 'closed' });
    },
  };
};

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
