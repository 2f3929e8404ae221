import mqtt, { type MqttClient } from 'mqtt';
import { decodeFrame } from '@kpp/protocol';
import type { FrameWindow } from './frame-window.js';
import { mqttClientOptions, uniqueClientId } from '@kpp/runtime';

/** Epoch ms on the same time base as the simulator's clock (performance.timeOrigin + now()). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/**
 * A subscriber that decodes every frame it receives (strict JSON decode, as a third-party
 * consumer would) and records tick `ts` → decoded, in ms, for frames whose tick falls in the
 * window set with `measure`.
 */
export class LatencyProbe {
  private client: MqttClient | undefined;
  private window: FrameWindow | undefined;
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
      this.window?.add(r.value.ts, at);
    });
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve());
      client.once('error', reject);
    });
    await client.subscribeAsync(this.filter, { qos: this.qos });
  }

  /** Counts frames of `window` from now on (frames already decoded are not counted). */
  measure(window: FrameWindow): void {
    this.window = window;
  }

  async stop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.endAsync(true).catch(() => undefined);
  }
}
