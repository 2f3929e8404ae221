/**
 * The load publisher, run as a child process (fork) so the load does not share an event loop
 * with the brokers, the writer or the measuring side. Same MQTT client and options as the
 * simulator (MQTT 3.1.1, QoS 1 frames). Commands arrive over IPC; each is answered once.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { encodeFleetBatches, topics } from '@kpp/protocol';
import { mqttClientOptions } from '@kpp/runtime';
import { buildFramePool } from './frame-pool.js';
import type { PublisherCommand, PublisherReply } from './publisher-protocol.js';

const pool = buildFramePool();
let client: MqttClient | undefined;
const topicCache: string[] = [];
const topicOf = (i: number) => (topicCache[i] ??= topics.frame(`u${i + 1}`));
const FLEET_TOPIC = topics.fleetFrames('bench-load');
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)));

function reply(msg: PublisherReply): void {
  process.send?.(msg);
}

async function connect(url: string, username?: string, password?: string): Promise<void> {
  client = mqtt.connect(
    url,
    mqttClientOptions({
      clientId: `bench-load-${process.pid}`,
      username,
      password,
      reconnectMs: 1000,
      connectTimeoutMs: 5000,
      queueQoSZero: false,
    }),
  );
  await new Promise<void>((resolve, reject) => {
    client!.once('connect', () => resolve());
    client!.once('error', reject);
  });
}

/** Ticks on absolute deadlines like the master clock; each tick publishes one frame per unit. */
async function paced(rate: number, seconds: number, units: number): Promise<PublisherReply> {
  const c = client!;
  const hz = rate / units;
  const periodMs = 1000 / hz;
  const t0 = Math.ceil(now() / 10) * 10 + 20;
  const ticks = Math.max(1, Math.round(seconds * hz));
  let published = 0;
  let acked = 0;
  let errors = 0;
  let maxLateMs = 0;
  const onAck = (err?: Error) => (err ? errors++ : acked++);
  for (let seq = 0; seq < ticks; seq++) {
    const due = t0 + seq * periodMs;
    const wait = due - now();
    if (wait > 0) await sleep(wait);
    maxLateMs = Math.max(maxLateMs, now() - due);
    const ts = Math.round(due);
    const t = seq / hz;
    for (let u = 0; u < units; u++) {
      c.publish(topicOf(u), pool.frame(u, seq, t, ts), { qos: 1 }, onAck);
      published++;
    }
  }
  const sentAt = now();
  const deadline = sentAt + 60_000;
  while (acked + errors < published && now() < deadline) await sleep(20);
  return {
    kind: 'paced',
    published,
    acked,
    errors,
    fromTs: Math.round(t0),
    toTs: Math.round(t0 + (ticks - 1) * periodMs),
    seconds: (sentAt - t0 + periodMs) / 1000,
    ackWaitMs: now() - sentAt,
    maxLateMs,
  };
}

/**
 * `count` frames as fast as the broker acknowledges them, at most about `window` frames
 * unacknowledged. With `fleetBatches` the same frames go out tick by tick as fleet batches on
 * kpp/v1/fleet/bench-load/frames (encodeFleetBatches of the tick's JSON frames, QoS 1): a
 * batch's acknowledgement counts its lines.
 */
async function burst(count: number, units: number, window: number, fleetBatches: boolean): Promise<PublisherReply> {
  const c = client!;
  const t0 = Math.floor(now());
  let published = 0;
  let messages = 0;
  let acked = 0;
  let errors = 0;
  let wake: (() => void) | undefined;
  const settle = (frames: number) => (err?: Error) => {
    if (err) errors += frames;
    else acked += frames;
    if (wake && published - acked - errors < window / 2) {
      const w = wake;
      wake = undefined;
      w();
    }
  };
  const onAck = settle(1);
  const started = now();
  while (published < count) {
    while (published < count && published - acked - errors < window) {
      const seq = Math.floor(published / units);
      // 1 ms between a unit's frames: every frame is its own point in InfluxDB.
      if (fleetBatches) {
        // One tick's frames (published is at a tick's start here), as few batch messages as fit.
        const n = Math.min(units, count - published);
        const jsons = Array.from({ length: n }, (_, u) => pool.frame(u, seq, seq / 1000, t0 + seq));
        for (const batch of encodeFleetBatches(jsons)) {
          c.publish(FLEET_TOPIC, batch, { qos: 1 }, settle(batch.split('\n').length));
          messages++;
        }
        published += n;
      } else {
        const u = published % units;
        c.publish(topicOf(u), pool.frame(u, seq, seq / 1000, t0 + seq), { qos: 1 }, onAck);
        published++;
        messages++;
      }
    }
    if (published < count) await new Promise<void>((r) => (wake = r));
  }
  const deadline = now() + 60_000;
  while (acked + errors < published && now() < deadline) await sleep(5);
  const lastSeq = Math.floor((count - 1) / units);
  return { kind: 'burst', published, acked, errors, messages, fromTs: t0, toTs: t0 + lastSeq, seconds: (now() - started) / 1000, startedAt: started };
}

process.on('message', (raw) => {
  const msg = raw as PublisherCommand;
  const run = async (): Promise<PublisherReply> => {
    switch (msg.cmd) {
      case 'connect':
        await connect(msg.url, msg.username, msg.password);
        return { kind: 'connected' };
      case 'paced':
        return paced(msg.rate, msg.seconds, msg.units);
      case 'burst':
        return burst(msg.count, msg.units, msg.window, msg.fleetBatches ?? false);
      case 'close':
        await client?.endAsync().catch(() => undefined);
        return { kind: 'closed' };
    }
  };
  run()
    .then(reply)
    .catch((err: unknown) => reply({ kind: 'error', message: err instanceof Error ? err.message : String(err) }));
});
process.on('disconnect', () => process.exit(0));
reply({ kind: 'ready' });
