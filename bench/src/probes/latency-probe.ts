import mqtt, { type MqttClient } from 'mqtt';
import { decodeFrame } from '@kpp/protocol';
import { mqttClientOptions, uniqueClientId } from '@kpp/runtime';
import { Sample } from '../stats.js';

/** Epoch ms on the same time base as the simulator's clock (performance.timeOrigin + now()). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/**
 * A subscriber that decodes every frame it receives (strict JSON decode, as a third-party
 * consumer would) and, while measuring, records tick `ts` → decoded, in ms.
 */
export class LatencyProbe {
  private client: MqttClient | undefined;
  private measuring = false;
  readonly sample = new Sample();
  received = 0;
  decodeErrors = 0;

  constructor(
    readonly url: string,
    readonly filter: string,
    private readonly qos: 0 | 1 = 0,
    private readonly clientId = uniqueClientId('bench-probe'),
  ) {}

  async start(): Promise<void> {
    const client = mqtt.connect(
      this.url,
      mqttClientOptions({ clientId: this.clientId, reconnectMs: 0, connectTimeoutMs: 10_000 }),
    );
    this.client = client;
    client.on('message', (_topic, payload) => {
      const r = decodeFrame(payload);
      const at = nowMs();
      if (!r.ok) {
        this.decodeErrors++;
        return;
      }
      if (!this.measuring) return;
      this.received++;
      this.sample.push(at - r.value.ts);
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(this.filter, { qos: this.qos });
  }

  measure(on: boolean): void {
    this.measuring = on;
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.endAsync(true).catch(() => undefined);
  }
}
