import mqtt from 'mqtt';
import { Cleanup } from '/work/main/bench/dist/stack/temp.js';
import { startKppBroker } from '/work/main/bench/dist/stack/brokers.js';
import { startBenchInfluxd } from '/work/main/bench/dist/stack/influxd.js';
import { LoadPublisher } from '/work/main/bench/dist/load/publisher-client.js';
import { decodeFrame } from '/work/main/protocol/dist/index.js';
import { framePoint, toLine } from '/work/main/writer/dist/index.js';
const c = new Cleanup();
try {
  const influx = await startBenchInfluxd(c);
  const broker = await startKppBroker(c);
  const pub = await LoadPublisher.start(c);
  await pub.connect(broker.url, broker.users.sim);
  await influx.query('CREATE DATABASE naive');
  const client = mqtt.connect(broker.url, { protocolVersion: 4, clientId: 'bench-naive', clean: true, reconnectPeriod: 0, ...broker.users.writer });
  const url = `${influx.url}/write?db=naive&precision=ms`;
  const queue = []; let stopped = false; let wake; let posts=0, fails=0, bad=0, recv=0;
  client.on('message', (_t, payload) => { recv++; const r = decodeFrame(payload); const line = r.ok ? toLine(framePoint(r.value)) : undefined; if (!line) {bad++; if(bad<3)console.log(r); return;} queue.push(line); wake?.(); });
  const worker = (async () => { while (!stopped) { const line = queue.shift(); if (line === undefined) { await new Promise((r) => (wake = r)); wake = undefined; continue; }
      await fetch(url, { method: 'POST', body: line }).then(async (res) => {posts++; if(res.status!==204 && fails++<3) console.log(res.status, await res.text());}).catch((e) => {fails++; console.log(e)}); } })();
  await new Promise(r=>client.once('connect', r));
  await client.subscribeAsync('kpp/v1/units/+/frame', {qos:1});
  const b = pub.burst(20000, 1000, 2000);
  for (let i=0;i<6;i++){ await new Promise(r=>setTimeout(r,500)); console.log('recv', recv, 'queue', queue.length, 'posts', posts, 'fails', fails, 'bad', bad); }
  stopped = true; wake?.(); client.end(true); console.log(await b); await worker; console.log(broker.output().split("\n").filter(l=>/"level":[45]0/.test(l)).join("\n").slice(0,1500));
} finally { await c.run(); }
