#!/usr/bin/env node
/**
 * What would a patch of Aedes's QoS delivery path save? Aedes 1.2 (lib/client.js `deliverQoS`)
 * defers every delivery with its own `setImmediate(() => …)` closure, builds a QoSPacket (whose
 * constructor binds `client._onError` per packet), writes it with mqtt-packet, and lib/write.js
 * defers the done callback with one more `setImmediate`. This replays that path per delivery
 * against the same path with both deferrals batched (one `setImmediate` per event-loop turn for
 * all deliveries of the turn, no closure or bind per packet). Same packets, same mqtt-packet
 * writes to a discarding stream; side by side, alternating, in one process.
 *
 *   node bench/scripts/deliver-defer.mjs [deliveries=200000] [rounds=5]
 */
import { Writable } from 'node:stream';
import { loadavg } from 'node:os';
import Packet from 'aedes-packet';
import mqttPacket from 'mqtt-packet';

const N = Number(process.argv[2] ?? 200_000);
const ROUNDS = Number(process.argv[3] ?? 5);
/** Deliveries made in one turn (one message to a subscriber of every unit's frames: a tick's burst). */
const BURST = 1000;

const sink = new Writable({ write: (_c, _e, cb) => cb() });
const broker = { id: 'bench', counter: 0 };
const payload = Buffer.alloc(1100, 'x');
const client = {
  _nextId: 1,
  conn: sink,
  subscriptions: { 'kpp/v1/units/+/frame': { qos: 1 } },
  _onError() {},
};
const original = { cmd: 'publish', topic: 'kpp/v1/units/u1/frame', payload, qos: 1, retain: false };

function qosPacket(cb, bind) {
  const p = new Packet(original, broker);
  p.writeCallback = bind ? client._onError.bind(client) : undefined;
  p.messageId = client._nextId;
  client._nextId = client._nextId >= 65535 ? 1 : client._nextId + 1;
  const sub = client.subscriptions['kpp/v1/units/+/frame'];
  if (sub.qos < p.qos) p.qos = sub.qos;
  p.writeCallback = cb;
  return p;
}

/** Aedes as it is: a closure and a setImmediate per delivery, and another per write. */
function aedesDeliver(cb) {
  setImmediate(() => {
    const packet = qosPacket(cb, true);
    mqttPacket.writeToStream(packet, client.conn);
    setImmediate(() => packet.writeCallback(), null, client);
  });
}

/** Batched: deliveries of a turn queued, one setImmediate for the queue, one for their callbacks. */
const queue = [];
const dones = [];
let scheduled = false;
function flush() {
  scheduled = false;
  const batch = queue.splice(0);
  for (const cb of batch) {
    const packet = qosPacket(cb, false);
    mqttPacket.writeToStream(packet, client.conn);
    dones.push(packet.writeCallback);
  }
  setImmediate(flushDones);
}
function flushDones() {
  for (const cb of dones.splice(0)) cb();
}
function batchedDeliver(cb) {
  queue.push(cb);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}

/**
 * Delivers N in bursts of BURST per turn (like mqemitter fanning out one tick): CPU ns per
 * delivery (user + system, so other processes on a loaded machine do not count).
 */
function run(deliver) {
  return new Promise((resolve) => {
    let done = 0;
    const t0 = process.cpuUsage();
    const cb = () => {
      if (++done < N) return;
      const used = process.cpuUsage(t0);
      resolve(((used.user + used.system) * 1000) / N);
    };
    const burst = (left) => {
      for (let i = 0; i < Math.min(BURST, left); i++) deliver(cb);
      if (left > BURST) setImmediate(burst, left - BURST);
    };
    burst(N);
  });
}

const results = { aedes: [], batched: [] };
await run(aedesDeliver);
await run(batchedDeliver); // warm-up
const load1 = loadavg()[0];
for (let r = 0; r < ROUNDS; r++) {
  results.aedes.push(await run(aedesDeliver));
  results.batched.push(await run(batchedDeliver));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const a = median(results.aedes);
const b = median(results.batched);
process.stdout.write(
  `${JSON.stringify({
    deliveries: N,
    rounds: ROUNDS,
    load1,
    aedes_ns_per_delivery: Math.round(a),
    batched_ns_per_delivery: Math.round(b),
    saved_ns_per_delivery: Math.round(a - b),
    batched_vs_aedes: Math.round((b / a) * 1000) / 1000,
  })}\n`,
);
