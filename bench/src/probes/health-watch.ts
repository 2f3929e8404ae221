import mqtt, { type MqttClient } from 'mqtt';
import { decodeHealth, topics } from '@kpp/protocol';
import { mqttClientOptions, uniqueClientId } from '@kpp/runtime';

/**
 * The metrics of a health message if it is one `instance` published at or after `sinceMs`;
 * undefined for a retained message left by an earlier run (same or other instance).
 */
export function freshHealth(payload: Uint8Array | string, instance: string, sinceMs: number): Record<string, number> | undefined {
  const r = decodeHealth(payload);
  if (!r.ok || r.value.instance !== instance || r.value.ts < sinceMs) return undefined;
  return { ...r.value.metrics };
}

/**
 * Keeps the latest health metrics of one instance of a component
 * (kpp/v1/health/{component}/{instance}) published since `sinceMs`: the instance a scenario
 * started itself, never the retained health of an earlier run.
 */
export class HealthWatch {
  private client: MqttClient | undefined;
  latest: Record<string, number> | undefined;

  constructor(
    readonly url: string,
    readonly component: string,
    readonly instance: string,
    readonly sinceMs: number,
    private readonly credentials?: { username: string; password: string },
  ) {}

  async start(): Promise<void> {
    const client = mqtt.connect(
      this.url,
      mqttClientOptions({ clientId: uniqueClientId('bench-health'), reconnectMs: 0, ...this.credentials }),
    );
    this.client = client;
    client.on('message', (_t, payload) => {
      const metrics = freshHealth(payload, this.instance, this.sinceMs);
      if (metrics) this.latest = metrics;
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(topics.health(this.component, this.instance), { qos: 0 });
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.endAsync(true).catch(() => undefined);
  }
}
