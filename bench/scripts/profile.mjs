#!/usr/bin/env node
/**
 * The profile evidence behind bench/README.md: CPU profiles (node --cpu-prof) of the components
 * where targets are missed, each summarised as its top self-time frames.
 *
 *   node bench/scripts/profile.mjs [profileDir]   (after npx tsc -b; about 2 minutes)
 *
 * The .cpuprofile files go to profileDir (default: a temp dir; open them in Chrome DevTools);
 * the summary goes to bench/results/profile-<yyyy-mm-dd>.json.
 *
 * 1. `kpp sim` at 1000 units, 10 Hz, publishing to mosquitto (tick cost: physics, encoding, publish),
 *    and one shard of two (`--shard 1/2`, 500 units: what each shard of `kpp bench fleet` runs).
 * 2. `kpp broker` and `kpp writer` carrying 10 000 frames/s from the load publisher into influxd,
 *    and the writer on fleet batches taking a 50 000-frame burst (the writer-vs-ceiling path).
 * 3. Memory of `kpp up` at 3 units: RSS against V8 heap, and of a bare `kpp` that only loaded its modules.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Cleanup } from '../dist/stack/temp.js';
import { startKppBroker, startMosquitto } from '../dist/stack/brokers.js';
import { startKppSim, startKppWriter } from '../dist/stack/components.js';
import { startBenchInfluxd } from '../dist/stack/influxd.js';
import { startKpp } from '../dist/stack/kpp-process.js';
import { LoadPublisher } from '../dist/load/publisher-client.js';
import { HealthWatch } from '../dist/probes/health-watch.js';
import { readProc } from '../dist/proc-stats.js';
import { topFrames } from '../dist/profile-top.js';
import { kppBin, resultsDir } from '../dist/paths.js';

const out = resolve(process.argv[2] ?? join(tmpdir(), `kpp-profiles-${process.pid}`));
mkdirSync(out, { recursive: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const prof = (name) => ['--cpu-prof', '--cpu-prof-dir', join(out, name)];
const report = {};
const top = (name) => {
  const dir = join(out, name);
  const file = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort().at(-1);
  return file ? topFrames(join(dir, file), 12) : [];
};

/** Profiles `kpp sim` at 1000 units against mosquitto for `seconds`: its health at the end and its top frames, under `name`. */
async function profileSim(name, seconds, extraArgs = [], instanceSuffix = '') {
  const c = new Cleanup();
  try {
    const mosq = await startMosquitto(c);
    const sim = await startKppSim(c, mosq, 1000, 10, { nodeArgs: prof(name), extraArgs });
    const health = new HealthWatch(mosq.url, 'simulator', `${sim.instance}${instanceSuffix}`, sim.startedAtMs);
    await health.start();
    c.add(() => health.stop());
    await sleep(seconds * 1000);
    const latest = health.latest;
    // A second SIGINT exits at once (the first waits on in-flight QoS 1 publishes); the profile is written on exit.
    sim.proc.signal('SIGINT');
    await sleep(1000);
    sim.proc.signal('SIGINT');
    await Promise.race([sim.proc.exited, sleep(20_000)]);
    return { health: latest, top: top(name) };
  } finally {
    await c.run();
  }
}

// 1. The simulator at 1000 units in one process.
({ health: report.sim_1000u_health, top: report.sim_1000u_top } = await profileSim('sim-1000u', 10));

// 1b. One shard of two at 1000 units, on the fleet bench's shared clock epoch.
{
  const epoch = String(Math.ceil(Date.now() / 1000) * 1000 + 2000);
  ({ health: report.sim_shard_500u_health, top: report.sim_shard_500u_top } = await profileSim('sim-shard-500u', 12, ['--shard', '1/2', '--clock-epoch-ms', epoch], '-1'));
}

// 2a. The writer on fleet batches: a 50 000-frame burst, 1000 units a tick.
{
  const c = new Cleanup();
  try {
    const influx = await startBenchInfluxd(c);
    const broker = await startKppBroker(c);
    const writer = await startKppWriter(c, broker, influx.url, { nodeArgs: prof('writer-batches'), extraArgs: ['--fleet-batches', 'true'] });
    const pub = await LoadPublisher.start(c);
    await pub.connect(broker.url, broker.users.sim);
    const t = performance.now();
    report.writer_batches_burst = await pub.burst(50_000, 1000, 2000, true);
    await sleep(8000);
    report.writer_batches_burst_s = Math.round(performance.now() - t) / 1000;
    await pub.close();
    await writer.stop(30_000);
    report.writer_batches_top = top('writer-batches');
  } finally {
    await c.run();
  }
}

// 2. Broker and writer at 10 000 frames/s.
{
  const c = new Cleanup();
  try {
    const influx = await startBenchInfluxd(c);
    const broker = await startKppBroker(c, { nodeArgs: prof('broker-10k') });
    const writer = await startKppWriter(c, broker, influx.url, { nodeArgs: prof('writer-10k') });
    const pub = await LoadPublisher.start(c);
    await pub.connect(broker.url, broker.users.sim);
    report.paced_10k = await pub.paced(10_000, 10, 1000);
    await sleep(5000);
    await pub.close();
    const t = performance.now();
    await writer.stop(30_000);
    report.writer_stop_ms = Math.round(performance.now() - t);
    report.writer_tail = writer.output.split('\n').filter((l) => l.includes('"level":50') || l.includes('stopped')).slice(-3);
    await broker.stop();
    report.broker_10k_top = top('broker-10k');
    report.writer_10k_top = top('writer-10k');
    report.broker_slow_consumer_disconnects = broker.output().split('"reason":"slow_consumer"').length - 1;
  } finally {
    await c.run();
  }
}

// 3. Memory of the whole stack at 3 units, and of the CLI's modules alone.
{
  const c = new Cleanup();
  try {
    const influx = await startBenchInfluxd(c);
    const dir = await c.tempDir('kpp-profile-up-');
    const up = await startKpp('kpp up', ['up', '--units', '3', '--data-dir', join(dir, 'data'), '--influx-url', influx.url, '--no-local-influx'], {
      env: { KPP_BROKER_MQTT_PORT: '0', KPP_BROKER_WS_PORT: '0', KPP_BROKER_HTTP_PORT: '0' },
      readyWhen: /KPP Live is up/,
      nodeArgs: prof('up-3u'),
    });
    c.add(() => up.stop(15_000));
    const port = JSON.parse(up.output.split('\n').find((l) => l.includes('"msg":"broker started"'))).mqttPort;
    const creds = JSON.parse(readFileSync(join(dir, 'data', 'credentials.json'), 'utf8'));
    // `kpp up`'s writer runs as instance w1 (the writer's default).
    const health = new HealthWatch(`mqtt://127.0.0.1:${port}`, 'writer', 'w1', Date.now(), { username: 'viewer', password: creds.viewer });
    await health.start();
    c.add(() => health.stop());
    await sleep(8000);
    const before = readProc(up.pid);
    await sleep(10_000);
    const after = readProc(up.pid);
    report.up_3u = {
      rss_mb: (after?.rssBytes ?? 0) / 2 ** 20,
      heap_used_mb: (health.latest?.heap_used_bytes ?? 0) / 2 ** 20,
      cpu_pct: before && after ? ((after.cpuS - before.cpuS) / ((after.at - before.at) / 1000)) * 100 : null,
    };
    up.signal('SIGINT');
    await Promise.race([up.exited, sleep(15_000)]);
    report.up_3u_top = top('up-3u');
    const bare = execFileSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(kppBin().replace(/bin\/kpp\.js$/, 'program.js'))}); const m = process.memoryUsage(); console.log(JSON.stringify({ rss_mb: m.rss / 2 ** 20, heap_used_mb: m.heapUsed / 2 ** 20 }))`], { encoding: 'utf8' });
    report.cli_modules_loaded_only = JSON.parse(bare);
    const node = execFileSync(process.execPath, ['-e', 'const m = process.memoryUsage(); console.log(JSON.stringify({ rss_mb: m.rss / 2 ** 20, heap_used_mb: m.heapUsed / 2 ** 20 }))'], { encoding: 'utf8' });
    report.empty_node = JSON.parse(node);
  } finally {
    await c.run();
  }
}

report.profiles_dir = out;
report.machine_loadavg = readFileSync('/proc/loadavg', 'utf8').trim();
writeFileSync(join(resultsDir(), `profile-${new Date().toISOString().slice(0, 10)}.json`), JSON.stringify(report, null, 2) + '\n');
console.log(JSON.stringify(report, null, 2));
