import { Cleanup } from '/work/main/bench/dist/stack/temp.js';
import { startBenchInfluxd } from '/work/main/bench/dist/stack/influxd.js';
const c = new Cleanup();
try {
  const influx = await startBenchInfluxd(c);
  await influx.query('CREATE DATABASE naive');
  const url = `${influx.url}/write?db=naive&precision=ms`;
  const line = 'kpp_unit,unit=u1 seq=1 ' + Date.now();
  let t = performance.now();
  for (let i=0;i<20;i++){ const res = await fetch(url, { method: 'POST', body: line.replace(/\d+$/, String(Date.now()+i)) }); await res.arrayBuffer(); if(i<2)console.log(res.status); }
  console.log('ms per', (performance.now()-t)/20);
} finally { await c.run(); }
