import mqtt from 'mqtt';
import { Cleanup } from '/work/main/bench/dist/stack/temp.js';
import { startKppBroker } from '/work/main/bench/dist/stack/brokers.js';
import { startBenchInfluxd } from '/work/main/bench/dist/stack/influxd.js';
import { LoadPublisher } from '/work/main/bench/dist/load/publisher-client.js';
const c = new Cleanup();
try {
  const influx = await startBenchInfluxd(c);
  const broker = await startKppBroker(c);
  const pub = await LoadPublisher.start(c);
  await pub.connect(broker.url, broker.users.sim);
  const client = mqtt.connect(broker.url, { protocolVersion: 4, clientId: 'bench-naive', clean: true, reconnectPeriod: 0, ...broker.users.writer });
  let n=0; client.on('message', ()=>n++);
  client.on('close', ()=>console.log('closed at', n));
  await new Promise(r=>client.once('connect', r));
  await client.subscribeAsync('kpp/v1/units/+/frame', {qos:1});
  const b = pub.burst(20000, 1000, 2000);
  for (let i=0;i<6;i++){ await new Promise(r=>setTimeout(r,500)); console.log('recv', n); }
  console.log(await b);
  console.log(broker.output().split('\n').filter(l=>/"level":[45]0/.test(l)).join('\n').slice(0,1500));
  client.end(true);
} finally { await c.run(); }
