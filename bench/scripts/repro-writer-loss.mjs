#!/usr/bin/env node
/**
 * Reproduces the frame loss the throughput scenario found on the writer path: a burst of QoS 1
 * frames bigger than MQTT's 16-bit packet-id space (65 535) queued for the writer's persistent
 * session. Fresh influxd, `kpp broker`, `kpp writer`; one burst; frames counted in InfluxDB.
 *
 *   node bench/scripts/repro-writer-loss.mjs [frames=100000] [frames…]   (after npx tsc -b)
 */
import { Cleanup } from '../dist/stack/temp.js';
import { startKppBroker } from '../dist/stack/brokers.js';
import { startKppWriter } from '../dist/stack/components.js';
import { startBenchInfluxd } from '../dist/stack/influxd.js';
import { LoadPublisher } from '../dist/load/publisher-client.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
for (const frames of sizes.length ? sizes : [100_000]) {
  const c = new Cleanup();
  try {
    const influx = await startBenchInfluxd(c);
    const broker = await startKppBroker(c);
    const writer = await startKppWriter(c, broker, influx.url);
    await sleep(500);
    const pub = await LoadPublisher.start(c);
    await pub.connect(broker.url, broker.users.sim);
    const r = await pub.burst(frames, 1000);
    let stored = 0;
    let last = -1;
    let still = 0;
    while (stored < r.acked && still < 30) {
      await sleep(1000);
      stored = await influx.countPoints('kpp', r.fromTs, r.toTs);
      still = stored === last ? still + 1 : 0;
      last = stored;
    }
    const log = broker.output();
    console.log(JSON.stringify({
      frames,
      acked_by_broker: r.acked,
      stored_in_influxdb: stored,
      lost: r.acked - stored,
      slow_consumer_disconnects: log.split('"reason":"slow_consumer"').length - 1,
    }));
    // What the broker and the writer said (warnings and errors, each message once, with a count).
    for (const [who, out] of [['broker', log], ['writer', writer.output]]) {
      const seen = new Map();
      for (const line of out.split('\n')) {
        const m = /"level":(40|50|60).*?"msg":"([^"]*)"/.exec(line);
        if (m) seen.set(m[2], (seen.get(m[2]) ?? 0) + 1);
      }
      for (const [msg, n] of seen) console.log(`  ${who}: ${n} × ${msg}`);
    }
  } finally {
    await c.run();
  }
}
