import mqtt, { type MqttClient } from 'mqtt';
import { decodeHealth, topics } from '@kpp/protocol';

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
    const client = mqtt.connect(this.url, { protocolVersion: 4, clientId: `bench-health-${Math.random().toString(36).slice(2, 10)}`, reconnectPeriod: 0, ...this.credentials });
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
