import { connect, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { topics } from '@kpp/protocol';
import { mqttClientOptions } from '@kpp/runtime';
import type { Subscriptions } from './unit-split.js';

export interface MqttInputOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  topicRoot: string;
  /** Frame topics to subscribe to (QoS 1); health (QoS 1) too when `health`. */
  subscriptions: Subscriptions;
  keepaliveS: number;
  reconnectMs: number;
  logger: Logger;
  /**
   * Called for every message, one at a time (mqtt.js waits for `ack` before it hands over the
   * next). For QoS 1, calling `ack` sends the PUBACK: call it only once the message is safe.
   */
  onMessage(topic: string, payload: Buffer, ack: () => void): void;
}

/**
 * MQTT input: QoS 1, persistent session (`clean: false`) under a fixed client id, so the
 * broker queues frames while the writer is away and redelivers what it never acknowledged.
 */
export class MqttInput {
  private client: MqttClient | undefined;
  private connectedOnce = false;
  private markSubscribed: () => void = () => undefined;
  /** Settles once the first subscription is granted: from then on the broker keeps our frames. */
  readonly subscribed: Promise<void> = new Promise((resolve) => (this.markSubscribed = resolve));

  constructor(private readonly opts: MqttInputOptions) {}

  get connected(): boolean {
    return this.client?.connected ?? false;
  }

  start(): void {
    const o = this.opts;
    const options = mqttClientOptions({
      clientId: o.clientId,
      clean: false,
      keepaliveS: o.keepaliveS,
      reconnectMs: o.reconnectMs,
      connectTimeoutMs: 10_000,
      resubscribe: true,
      // Stale health is worth nothing: don't queue QoS 0 publishes while offline.
      queueQoSZero: false,
      username: o.username,
      password: o.password,
    });
    const client = connect(o.url, options);
    this.client = client;
    client.handleMessage = (packet: IPublishPacket, callback: (err?: Error) => void) => {
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      let acked = false;
      try {
        o.onMessage(packet.topic, payload, () => {
          if (acked) return;
          acked = true;
          callback();
        });
      } catch (err) {
        // Never let an exception escape into mqtt.js, and never stall the input (mqtt.js hands
        // over nothing more until this message is acknowledged). The writer's handler catches
        // its own errors; this is the last resort.
        o.logger.error({ err, topic: packet.topic }, 'message handler threw; acknowledging to keep the input flowing');
        if (!acked) {
          acked = true;
          callback();
        }
      }
    };
    client.on('connect', (connack) => {
      o.logger.info({ url: o.url, clientId: o.clientId, sessionPresent: connack.sessionPresent }, 'connected to MQTT broker');
      if (!connack.sessionPresent || !this.connectedOnce) this.subscribe(client);
      this.connectedOnce = true;
    });
    client.on('reconnect', () => o.logger.debug({ url: o.url }, 'reconnecting to MQTT broker'));
    client.on('offline', () => o.logger.warn({ url: o.url }, 'MQTT broker offline; the broker session keeps our frames'));
    client.on('error', (err) => o.logger.warn({ err: err.message }, 'MQTT error'));
  }

  private subscribe(client: MqttClient): void {
    const { frameTopics, health } = this.opts.subscriptions;
    const wanted = [...frameTopics, ...(health ? [topics.allHealth(this.opts.topicRoot)] : [])];
    client.subscribe(Object.fromEntries(wanted.map((t) => [t, { qos: 1 as const }])), (err, granted) => {
      if (err) this.opts.logger.error({ err: err.message }, 'MQTT subscribe failed');
      else {
        this.opts.logger.debug({ granted }, 'subscribed');
        this.markSubscribed();
      }
    });
  }

  /** Publishes retained at QoS 0 (health); dropped while offline. */
  publishRetained(topic: string, payload: string): void {
    const client = this.client;
    if (!client?.connected) return;
    client.publish(topic, payload, { qos: 0, retain: true }, () => undefined);
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => client.end(true, {}, () => resolve()), 2000);
      client.end(false, {}, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
