import { connectAsync, type MqttClient } from 'mqtt';
import { topics } from '@kpp/protocol';
import { framePayload, T0_MS } from './frames.js';

/** A test publisher: mqtt.js with QoS 1; mqtt.js keeps unacknowledged and offline publishes and resends them. */
export async function connectPublisher(url: string, clientId = `pub-${process.pid}-${Math.random().toString(16).slice(2, 8)}`): Promise<MqttClient> {
  return connectAsync(url, { clientId, protocolVersion: 4, clean: true, reconnectPeriod: 200, connectTimeout: 5000 });
}

/** Publishes ticks [from, to) for every unit (QoS 1), resolving when the broker acknowledged all. */
export async function publishTicks(
  client: MqttClient,
  units: readonly string[],
  from: number,
  to: number,
  t0Ms = T0_MS,
): Promise<void> {
  const pending: Promise<unknown>[] = [];
  for (let seq = from; seq < to; seq++) {
    for (const unit of units) pending.push(client.publishAsync(topics.frame(unit), framePayload(unit, seq, t0Ms), { qos: 1 }));
    // Let acks flow now and then so a big run does not sit entirely in memory.
    if (seq % 200 === 199) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
}

/**
 * Publishes ticks [0, ticks) for every unit at `ticksPerS`, on absolute deadlines, without
 * waiting for acknowledgements (so a broker outage is ridden out by mqtt.js's own queue of
 * unacknowledged and offline QoS 1 messages). Resolves when every message was acknowledged.
 */
export async function publishSteadily(
  client: MqttClient,
  units: readonly string[],
  ticks: number,
  ticksPerS: number,
  t0Ms: number,
  onTick?: (seq: number) => void,
): Promise<void> {
  const acks: Promise<void>[] = [];
  const start = Date.now();
  const perStep = Math.max(1, Math.round(ticksPerS / 20));
  for (let seq = 0; seq < ticks; seq += perStep) {
    for (let s = seq; s < Math.min(ticks, seq + perStep); s++) {
      for (const unit of units) {
        acks.push(
          new Promise<void>((resolve, reject) =>
            client.publish(topics.frame(unit), framePayload(unit, s, t0Ms), { qos: 1 }, (err) => (err ? reject(err) : resolve())),
          ),
        );
      }
      onTick?.(s);
    }
    const due = start + ((seq + perStep) / ticksPerS) * 1000;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
  }
  await Promise.all(acks);
}
