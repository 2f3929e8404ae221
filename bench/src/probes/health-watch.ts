import mqtt, { type MqttClient } from 'mqtt';
import { decodeHealth, topics } from '@kpp/protocol';
import { mqttClientOptions, uniqueClientId } from '@kpp/runtime';

/** Keeps the latest health metrics a component publishes (kpp/v1/health/{component}/+). */
export class HealthWatch {
  private client: MqttClient | undefined;
  latest: Record<string, number> | undefined;

  constructor(
    readonly url: string,
    readonly component: string,
    private readonly credentials?: { username: string; password: string },
  ) {}

  async start(): Promise<void> {
    const client = mqtt.connect(
      this.url,
      mqttClientOptions({ clientId: uniqueClientId('bench-health'), reconnectMs: 0, ...this.credentials }),
    );
    this.client = client;
    client.on('message', (_t, payload) => {
      const r = decodeHealth(payload);
      if (r.ok) this.latest = { ...r.value.metrics };
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(topics.health(this.component, '+'), { qos: 0 });
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.endAsync(true).catch(() => undefined);
  }
}
