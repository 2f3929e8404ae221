import mqtt, { type MqttClient } from 'mqtt';
import { decodeHealth, topics } from '@kpp/protocol';
import { mqttClientOptions } from '@kpp/runtime';

/**
 * Event-loop lag of every component, from the health messages they publish every second
 * (`loop_lag_max_ms`, `loop_lag_p99_ms` since their previous report): `take()` returns the
 * worst of each since the last take.
 */
export class HealthLag {
  private client: MqttClient | undefined;
  private window = new Map<string, { max: number; p99: number; reports: number }>();

  async start(brokerUrl: string): Promise<void> {
    // Read-only and anonymous, straight to the broker.
    this.client = await mqtt.connectAsync(
      brokerUrl,
      mqttClientOptions({ clientId: `kpp-soak-${process.pid}`, reconnectMs: 1000 }),
    );
    this.client.on('message', (_topic, payload) => {
      const h = decodeHealth(payload);
      if (!h.ok) return;
      const max = h.value.metrics.loop_lag_max_ms;
      const p99 = h.value.metrics.loop_lag_p99_ms;
      if (max === undefined) return;
      const w = this.window.get(h.value.component) ?? { max: 0, p99: 0, reports: 0 };
      w.max = Math.max(w.max, max);
      w.p99 = Math.max(w.p99, p99 ?? 0);
      w.reports++;
      this.window.set(h.value.component, w);
    });
    await this.client.subscribeAsync(topics.allHealth(), { qos: 0 });
  }

  /** Worst lag per component since the previous take (components that reported). */
  take(): Record<string, { max_ms: number; p99_ms: number; reports: number }> {
    const out: Record<string, { max_ms: number; p99_ms: number; reports: number }> = {};
    for (const [c, w] of this.window)
      out[c] = { max_ms: round1(w.max), p99_ms: round1(w.p99), reports: w.reports };
    this.window = new Map();
    return out;
  }

  async stop(): Promise<void> {
    await this.client?.endAsync(true);
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;
