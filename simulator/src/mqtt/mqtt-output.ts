import mqtt, { type MqttClient } from 'mqtt';
import { mqttClientOptions, type Logger } from '@kpp/runtime';
import type { PlannedMessage } from '../publish-plan.js';
import { DeliveryTracker } from './delivery-tracker.js';
import { MqttLink, type LinkStats } from './mqtt-link.js';
import { PublishLog } from './publish-log.js';

export interface MqttOutputOptions {
  mqttUrl: string;
  clientId: string;
  username?: string | undefined;
  password?: string | undefined;
  /** Unretained QoS 1 messages kept while the broker is unreachable. */
  offlineBufferMessages: number;
  maxInflight: number;
  stopDrainMs: number;
  /** File the acknowledged frames are appended to, if any. */
  publishLog?: string | undefined;
  /** Messages each frame goes out in (2 with fleet batches): logged once all are acknowledged. */
  framePaths: number;
  /** Ticks after which a frame acknowledged on some paths only is forgotten (its other message dropped). */
  frameHorizonTicks: number;
}

export interface MqttOutputHandlers {
  /** Called on every (re)connect, after the output is ready to publish. */
  onConnect: () => void;
  onMessage: (topic: string, payload: Buffer) => void;
}

const OFFLINE_STATS: LinkStats = { connected: false, published: 0, acked: 0, inflight: 0, bytesOut: 0, buffered: 0, droppedOffline: 0, skipped: 0, publishErrors: 0 };

/**
 * The simulator's connection to the broker: the mqtt.js client, the bounded link (inflight
 * window and offline buffer), and the publish log of acknowledged frames.
 */
export class MqttOutput {
  private client: MqttClient | undefined;
  private link: MqttLink | undefined;
  private publishLog: PublishLog | undefined;
  private delivered: DeliveryTracker | undefined;

  constructor(
    private readonly options: MqttOutputOptions,
    private readonly log: Logger,
  ) {}

  /** Connects in the background; frames are buffered until then. */
  open(handlers: MqttOutputHandlers): void {
    const { options } = this;
    const client = mqtt.connect(
      options.mqttUrl,
      mqttClientOptions({
        clientId: options.clientId,
        username: options.username,
        password: options.password,
        reconnectMs: 1000,
        connectTimeoutMs: 5000,
        // QoS 0 (clock, compact stream) is not worth replaying; frames go through our own bounded buffer.
        queueQoSZero: false,
      }),
    );
    this.client = client;
    // The link's drain bound stays on the system clock, not the simulator's injected one: the
    // broker acknowledges in real time, even when a test runs the master clock faster.
    this.link = new MqttLink(client, options.offlineBufferMessages, (err) => this.log.warn({ err }, 'publish failed'), options.maxInflight);
    client.on('connect', () => {
      this.log.info({ url: options.mqttUrl }, 'connected to broker');
      handlers.onConnect();
    });
    client.on('offline', () => this.log.warn('broker unreachable; buffering frames'));
    client.on('error', (err) => this.log.warn({ err: err.message }, 'mqtt error'));
    client.on('message', handlers.onMessage);
  }

  /** Starts the publish log's run (if there is a log): the frames acknowledged from now on belong to it. */
  beginRun(startedAtMs: number, rateHz: number): void {
    if (!this.options.publishLog) return;
    const log = (this.publishLog = new PublishLog(this.options.publishLog));
    log.beginRun(startedAtMs, rateHz);
    this.delivered = new DeliveryTracker(this.options.framePaths, this.options.frameHorizonTicks, (unit, seq) => log.acked(unit, seq));
  }

  subscribe(filter: string): void {
    this.client?.subscribe(filter, { qos: 1 }, (err) => {
      if (err) this.log.error({ err, filter }, 'cannot subscribe');
    });
  }

  publish(msg: PlannedMessage): void {
    const link = this.link;
    if (!link) return;
    const delivered = this.delivered;
    const refs = msg.frames;
    link.publish(
      delivered && refs
        ? {
            ...msg,
            onAcked: () => {
              for (const r of refs) delivered.acked(r.unit, r.seq);
            },
          }
        : msg,
    );
  }

  /** What is buffered goes out first (while connected), then the client ends after what is in flight. */
  async close(): Promise<void> {
    if (this.link && this.client?.connected) {
      const drained = await this.link.drain(this.options.stopDrainMs);
      if (!drained) this.log.warn(this.link.stats(), 'stopping with frames not delivered');
    }
    if (this.client) await this.client.endAsync().catch(() => undefined);
    this.publishLog?.close();
  }

  stats(): LinkStats {
    return this.link?.stats() ?? { ...OFFLINE_STATS };
  }
}
