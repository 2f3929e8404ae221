/**
 * The provisioned alert rules against the real stack: @kpp/broker, @kpp/writer and
 * @kpp/simulator in this process write into a real influxd (Debian's 1.6.7, v1 API), and each
 * rule's own InfluxQL is run there and judged with Grafana's reduce / threshold / no-data / `for`
 * semantics (support/alert-eval.ts). Grafana's macros are replaced with concrete values as
 * Grafana's backend does: `$timeFilter` → `time >= {at − from}ms and time <= {at − to}ms` from the
 * rule's relativeTimeRange, and now() → the evaluation instant `at`.
 *
 * The phases run in order on one stack (about 5 minutes):
 *  1. healthy running: every rule's query returns data, no rule fires (three evaluations);
 *  2. faults: compressor failure (u2), a normal stop from 1 m/s (u1), an overspeed setpoint (u3),
 *     a burst of malformed frames and of forbidden publishes: each drives its own rule across its
 *     threshold; the stop's tension transient is a warning only (no critical alert for u1), and a
 *     single malformed frame or forbidden publish alerts nothing;
 *  3. stream stopped (simulator stopped): stale stream fires after its 30–40 s window;
 *  3b. a unit that stopped an hour ago (frames fast-forwarded 2 h → 1 h back): still firing;
 *  4. bearing overheating, fast-forwarded: a second simulator runs 40× faster than the wall clock
 *     over a window 3 hours back, and the bearing rule, evaluated at past instants every 10 s,
 *     fires once the bearing has stayed over 85 °C for its `for`, and not before;
 *  5. writer stopped: writer health missing and stale stream fire;
 *  6. the broker's WebSocket listener closes: the live-path rule fires while frames still flow.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Server } from 'node:net';
import { topics } from '@kpp/protocol';
import { sleep, waitFor } from '@kpp/testkit';
import { AlertBook, evaluateRule, interpolateInfluxQl, seriesToFrames, type QueryRunner } from '../support/alert-eval.js';
import mqtt from 'mqtt';
import { fastTime, malformedFrame, passwordOf, startKppStack, type KppStack } from '../support/kpp-stack.js';
import { allPanels, alertRules, dashboards, durationS, type AlertRuleDef } from '../support/provisioning.js';
import { CHAIN_RATED_TENSION_N, WRITER_REJECTS_PER_5M } from '../../scripts/generate.mjs';

const RULES = alertRules();
const rule = (uid: string) => RULES.find((r) => r.uid === uid) as AlertRuleDef;
const PLANT_RULES = RULES.filter((r) => r.group === 'kpp-plant').map((r) => r.uid);
const INTERVAL_MS = Math.max(...RULES.map((r) => r.intervalS)) * 1000;
/** Frames reach InfluxDB within about a second of their tick (writer batches every 250 ms here). */
const WRITE_SLACK_MS = 5000;
/** Liveness rules sum the last four 10-s buckets, the last one filling: a 30 to 40 s window. */
const LIVENESS_MIN_MS = 30_000;
const LIVENESS_MAX_MS = 40_000;
const CRITICAL = new Set(RULES.filter((r) => r.labels.severity === 'critical').map((r) => r.uid));

let stack: KppStack;
const run: QueryRunner = (q) => stack.influxd.query(q, 'kpp');
const log = (msg: string) => console.info(`[alerts] ${msg}`);

/** Evaluates `book` every group interval (Grafana's rhythm) until `done()` or `limitMs` passes. */
async function evaluateEvery(book: AlertBook, limitMs: number, done: () => boolean, only?: string[]): Promise<void> {
  const start = Date.now();
  for (;;) {
    const at = Date.now();
    await book.evaluate(at, only);
    if (done() || Date.now() - start > limitMs) return;
    await sleep(Math.max(0, at + INTERVAL_MS - Date.now()));
  }
}

const firingUnits = (book: AlertBook, uid: string) => book.state(uid).alerting().sort();
const firedUnits = (book: AlertBook, uid: string) => [...book.state(uid).firstAlerting.keys()].sort();
/** Units of the main simulator (u*) and pipeline instances: the fast-forwarded units of phases 4 and 7 (b*, d*), dead since, stay out. */
const current = (key: string) => !/^unit=[bd]/.test(key);

/** The rule's evaluation window plus `for` plus one group interval: when it must have fired. */
const deadlineOf = (uid: string) => {
  const r = rule(uid);
  const from = r.data.find((d) => d.relativeTimeRange)?.relativeTimeRange?.from ?? 0;
  return { windowMs: Math.min(from, 60) * 1000, forMs: durationS(r.for) * 1000 };
};

beforeAll(async () => {
  stack = await startKppStack();
  await stack.startWriter();
  await stack.startSim('s1');
}, 60_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

describe('alert rules on the real stack', () => {
  it('1. healthy running: every rule’s InfluxQL runs on influxd fed by the stack and returns data; none fires', async () => {
    // Wait until every rule sees data: the residual rule once 1 MJ went in, the counter rules once
    // two health reports are stored.
    await waitFor(
      async () => {
        const evals = await Promise.all(RULES.map((r) => evaluateRule(r, run, Date.now())));
        return evals.every((e) => e.instances.some((i) => Number.isFinite(i.value)));
      },
      { timeoutMs: 60_000, intervalMs: 2000, what: 'data for every rule' },
    );
    const book = new AlertBook(RULES, run);
    for (let k = 0; k < 3; k++) {
      const at = Date.now();
      const evals = await book.evaluate(at);
      if (k === 0)
        for (const e of evals)
          log(`${e.rule}: ${e.series.length} series, ${e.instances.map((i) => `${i.key}=${+i.value.toPrecision(5)}`).join(' ')} ← ${e.query}`);
      for (const e of evals) {
        expect([e.rule, e.noData]).toEqual([e.rule, false]);
        expect([e.rule, seriesToFrames(e.series).some((f) => f.values.some((v) => v !== null))]).toEqual([e.rule, true]);
      }
      expect(book.firing()).toEqual({});
      if (k < 2) await sleep(Math.max(0, at + INTERVAL_MS - Date.now()));
    }
    // Per-unit rules see every unit, per-instance rules the instance of each component.
    const last = book.log.slice(-RULES.length);
    const keys = (uid: string) => last.find((e) => e.rule === uid)?.instances.map((i) => i.key).sort();
    for (const uid of PLANT_RULES) expect([uid, keys(uid)]).toEqual([uid, ['unit=u1', 'unit=u2', 'unit=u3']]);
    expect(keys('kpp-broker-drops')).toEqual(['instance=b1']);
    expect(keys('kpp-live-path-down')).toEqual(['instance=b1']);
    // No WebSocket client while healthy here: the viewers-lost rule sees the broker at 0 lost.
    expect(keys('kpp-live-viewers-lost')).toEqual(['instance=b1']);
    expect(keys('kpp-tick-overruns')).toEqual(['instance=s1']);
    for (const uid of ['kpp-e2e-latency', 'kpp-writer-spool-age', 'kpp-writer-rejects', 'kpp-writer-silent']) expect([uid, keys(uid)]).toEqual([uid, ['instance=w1']]);
  }, 150_000);

  it('   the dashboards’ InfluxDB queries and the $unit variable run on the same data', async () => {
    let ran = 0;
    for (const d of dashboards()) {
      const range = d.json.time as { from: string };
      for (const v of d.json.templating.list) {
        if (v.datasource?.uid !== 'kpp-influx') continue;
        const [series] = await run(String(v.query));
        expect(series?.values.map((row) => row[1]).sort()).toEqual(['u1', 'u2', 'u3']);
      }
      for (const p of allPanels(d.json)) {
        for (const t of p.targets ?? []) {
          if (t.datasource?.uid !== 'kpp-influx') continue;
          const span = String(p.timeFrom ?? range.from.replace('now-', ''));
          const fromS = Number(span.slice(0, -1)) * { m: 60, h: 3600, d: 86_400, w: 604_800 }[span.slice(-1) as 'm'];
          const q = interpolateInfluxQl(String(t.query), { at: Date.now(), fromS, toS: 0, interval: p.interval ?? (fromS > 3600 ? '1m' : '1s'), vars: { unit: 'u1' } });
          await expect(run(q)).resolves.toBeDefined();
          ran++;
        }
      }
    }
    expect(ran).toBeGreaterThanOrEqual(15);
  }, 60_000);

  it('2. faults drive their rules across the threshold: compressor failure, overspeed, bursts of malformed frames and forbidden publishes; a normal stop from 1 m/s is a warning, never critical; single events alert nothing', async () => {
    const book = new AlertBook(RULES, run);
    await book.evaluate(Date.now());
    expect(book.firing()).toEqual({});

    // One stray malformed frame (simulator's account: the writer rejects it) and one forbidden
    // publish (writer's account, which may publish only its health: the broker drops it) alert
    // nothing: counters alert on rates.
    await stack.publishAs('sim', topics.frame('u1'), malformedFrame('u1', Date.now()));
    await stack.publishAs('writer', topics.frame('u3'), malformedFrame('u3', Date.now()));
    await waitFor(async () => (await run(`SELECT last("rejects_total") FROM "kpp_health" WHERE "component" = 'writer'`))[0]?.values[0]?.[1] === 1, {
      timeoutMs: 15_000,
      what: 'the stray reject counted in the stored writer health',
    });
    await waitFor(async () => (await run(`SELECT last("dropped_forbidden_total") FROM "kpp_health" WHERE "component" = 'broker'`))[0]?.values[0]?.[1] === 1, {
      timeoutMs: 15_000,
      what: 'the stray drop counted in the stored broker health',
    });
    await book.evaluate(Date.now());
    expect(book.firing()).toEqual({});

    // Bursts first (a publisher sending bad frames, a client publishing where it may not), then
    // the plant faults, so the stop's transient is inside the rules' windows when evaluation starts.
    const bad = malformedFrame('u1', Date.now());
    const forbidden = malformedFrame('u3', Date.now());
    const t0 = Date.now();
    await Promise.all([
      ...Array.from({ length: 2 * WRITER_REJECTS_PER_5M }, () => stack.publishAs('sim', topics.frame('u1'), bad)),
      ...Array.from({ length: 100 }, () => stack.publishAs('writer', topics.frame('u3'), forbidden)),
    ]);
    expect(await stack.command('u2', { cmd: 'inject_fault', fault: 'compressor_failure' })).toMatchObject({ ok: true });
    // A normal stop from the default 1 m/s: the chain pulls over its rating for a few tenths of a second.
    expect(await stack.command('u1', { cmd: 'stop' })).toMatchObject({ ok: true });
    expect(await stack.command('u3', { cmd: 'set', params: { target_speed_mps: 1.4 } })).toMatchObject({ ok: true });

    const expected: Record<string, string[]> = {
      'kpp-receiver-under-injection': ['unit=u2'],
      'kpp-chain-tension-peak': ['unit=u1'],
      'kpp-generator-overspeed': ['unit=u3'],
      'kpp-writer-rejects': ['instance=w1'],
      'kpp-broker-drops': ['instance=b1'],
    };
    await evaluateEvery(book, 90_000, () => Object.entries(expected).every(([uid, keys]) => keys.every((k) => book.state(uid).firstAlerting.has(k))));
    log(`after faults:\n${book.report()}`);
    for (const [uid, keys] of Object.entries(expected)) {
      // Went Alerting, not "is Alerting now": the stop's peak leaves the 30-s window of its
      // `for: 0s` rule, and resolves, before the receiver of u2 has drained (about 30 s).
      expect([uid, firedUnits(book, uid)]).toEqual([uid, keys]);
      const { windowMs, forMs } = deadlineOf(uid);
      for (const k of keys) {
        const firedAfter = (book.state(uid).firstAlerting.get(k) as number) - t0;
        log(`${uid} ${k}: alerting ${(firedAfter / 1000).toFixed(1)} s after the fault`);
        expect(firedAfter).toBeLessThanOrEqual(Math.max(windowMs, 20_000) + forMs + INTERVAL_MS + WRITE_SLACK_MS);
      }
    }
    // No other plant rule fired on any unit (each fault shows as its own rule only).
    for (const uid of PLANT_RULES.filter((u) => !(u in expected))) expect([uid, firingUnits(book, uid)]).toEqual([uid, []]);
    // The stop really pulled over the rating, and paged no one: no critical rule ever went
    // Alerting (or Pending) for u1.
    const [peak] = await run(`SELECT max("chain_tension_n") FROM "kpp_unit" WHERE "unit" = 'u1' AND time >= ${t0 - 1000}ms`);
    log(`u1 stop from 1 m/s: chain tension peak ${Math.round(Number(peak?.values[0]?.[1]))} N`);
    expect(Number(peak?.values[0]?.[1])).toBeGreaterThan(CHAIN_RATED_TENSION_N);
    for (const uid of CRITICAL) {
      expect([uid, book.state(uid).firstAlerting.has('unit=u1')]).toEqual([uid, false]);
      const seen = book.log.filter((e) => e.rule === uid).flatMap((e) => e.instances.filter((i) => i.key === 'unit=u1' && i.condition));
      expect([uid, seen.length]).toEqual([uid, 0]);
    }
  }, 150_000);

  it('3. stream stopped: with the simulator stopped, stale stream fires for every unit after 30 s; the writer stays healthy', async () => {
    const watched = ['kpp-stale-stream', 'kpp-writer-silent'];
    const book = new AlertBook(RULES, run);
    await book.evaluate(Date.now(), watched);
    expect(book.firing()).toEqual({});
    const t0 = Date.now();
    await stack.stopSim('s1');
    await evaluateEvery(book, 90_000, () => firingUnits(book, 'kpp-stale-stream').length === 3, watched);
    log(`after the simulator stopped:\n${book.report()}`);
    expect(firingUnits(book, 'kpp-stale-stream')).toEqual(['unit=u1', 'unit=u2', 'unit=u3']);
    const firedAfter = Math.min(...book.state('kpp-stale-stream').firstAlerting.values()) - t0;
    log(`stale stream alerting ${(firedAfter / 1000).toFixed(1)} s after the simulator stopped`);
    // Not before the window has emptied (less the time frames take to reach InfluxDB)…
    expect(firedAfter).toBeGreaterThanOrEqual(LIVENESS_MIN_MS - WRITE_SLACK_MS);
    // …and at the first evaluation after it.
    expect(firedAfter).toBeLessThanOrEqual(LIVENESS_MAX_MS + INTERVAL_MS + WRITE_SLACK_MS);
    expect(firingUnits(book, 'kpp-writer-silent')).toEqual([]);
  }, 120_000);

  it('4. bearing overheating (fast-forwarded 40×): the bearing rule fires once the bearing has been over 85 °C for its `for`, not before', async () => {
    const SPEED = 40;
    const v0 = Math.floor((Date.now() - 3 * 3600_000) / 1000) * 1000;
    const time = fastTime(v0, SPEED);
    const sim = await stack.startSim('s2', { units: 1, unitPrefix: 'b', maxCatchUpTicks: 100, compact: false }, time);
    let vFault = 0;
    try {
      await waitFor(() => time.now() >= v0 + 60_000, { timeoutMs: 10_000, what: 'one simulated minute of healthy running' });
      expect(await stack.command('b1', { cmd: 'inject_fault', fault: 'bearing_overheating' })).toMatchObject({ ok: true });
      vFault = time.now();
      await waitFor(() => time.now() >= vFault + 17 * 60_000, { timeoutMs: 60_000, intervalMs: 200, what: '17 simulated minutes' });
    } finally {
      // A simulator left running 40× fast would load everything after this phase.
      if (stack.sims.has('s2')) await stack.stopSim('s2');
    }
    const lastSeq = sim.stats().lastSeq;
    const vEnd = sim.clock.startedAtMs + (lastSeq * 1000) / 10;
    await waitFor(async () => ((await run(`SELECT count("seq") FROM "kpp_unit" WHERE "unit" = 'b1' AND time >= ${vEnd}ms`))[0]?.values[0]?.[1] ?? 0) === 1, {
      timeoutMs: 30_000,
      what: 'the last fast-forwarded frame in InfluxDB',
    });
    const [stored] = await run(`SELECT count("seq") FROM "kpp_unit" WHERE "unit" = 'b1' AND time >= ${v0}ms AND time <= ${vEnd}ms`);
    log(`fast-forward: ${stored?.values[0]?.[1]} frames of b1 over ${((vEnd - v0) / 60_000).toFixed(1)} simulated minutes (${sim.stats().clock.skipped} ticks skipped)`);

    // When the bearing first passed 85 °C, from the stored frames.
    const [cross] = await run(`SELECT first("bearing_temp_c") FROM "kpp_unit" WHERE "unit" = 'b1' AND "bearing_temp_c" > 85 AND time >= ${v0}ms`);
    const tCross = cross?.values[0]?.[0] as number;
    expect(tCross).toBeGreaterThan(vFault + 5 * 60_000);
    log(`bearing passed 85 °C ${((tCross - vFault) / 60_000).toFixed(1)} simulated minutes after the fault`);

    // Grafana's evaluations every interval across the simulated window, replayed at those instants.
    const watched = PLANT_RULES.filter((uid) => uid !== 'kpp-stale-stream');
    const book = new AlertBook(RULES, run);
    let pendingBeforeCross = false;
    for (let at = v0 + 40_000; at <= vEnd; at += INTERVAL_MS) {
      await book.evaluate(at, watched);
      if (at < tCross && book.state('kpp-bearing-overheat').instances.get('unit=b1')?.state !== 'Normal') pendingBeforeCross = true;
    }
    const fired = book.state('kpp-bearing-overheat').firstAlerting.get('unit=b1');
    expect(fired).toBeDefined();
    const lag = (fired as number) - tCross;
    log(`bearing rule alerting ${(lag / 1000).toFixed(0)} s (simulated) after the crossing`);
    expect(pendingBeforeCross).toBe(false);
    // `for` (30 s) after the crossing at the earliest; at most one 10-s mean bucket and one
    // evaluation interval later.
    expect(lag).toBeGreaterThanOrEqual(durationS(rule('kpp-bearing-overheat').for) * 1000);
    expect(lag).toBeLessThanOrEqual(durationS(rule('kpp-bearing-overheat').for) * 1000 + 10_000 + 2 * INTERVAL_MS);
    for (const uid of watched.filter((u) => u !== 'kpp-bearing-overheat')) expect([uid, [...book.state(uid).firstAlerting.keys()]]).toEqual([uid, []]);
  }, 180_000);

  it('5. writer stopped: writer health missing and stale stream fire', async () => {
    await stack.startSim('s1');
    const watched = ['kpp-stale-stream', 'kpp-writer-silent'];
    await waitFor(
      async () => {
        const evals = await Promise.all(watched.map((uid) => evaluateRule(rule(uid), run, Date.now())));
        return evals.every((e) => e.instances.length > 0 && e.instances.filter((i) => current(i.key)).every((i) => !i.condition));
      },
      { timeoutMs: 30_000, intervalMs: 1000, what: 'frames flowing again' },
    );
    const book = new AlertBook(RULES, run);
    await book.evaluate(Date.now(), watched);
    // The bearing phase's unit b1, stopped hours ago (in simulated time), is still firing.
    expect(firingUnits(book, 'kpp-stale-stream')).toEqual(['unit=b1']);
    expect(firingUnits(book, 'kpp-writer-silent')).toEqual([]);
    const t0 = Date.now();
    await stack.stopWriter();
    await evaluateEvery(
      book,
      90_000,
      () => firingUnits(book, 'kpp-writer-silent').length === 1 && firingUnits(book, 'kpp-stale-stream').filter(current).length === 3,
      watched,
    );
    log(`after the writer stopped:\n${book.report()}`);
    expect(firingUnits(book, 'kpp-writer-silent')).toEqual(['instance=w1']);
    expect(firingUnits(book, 'kpp-stale-stream')).toEqual(['unit=b1', 'unit=u1', 'unit=u2', 'unit=u3']);
    for (const uid of watched) {
      const fired = [...book.state(uid).firstAlerting.entries()].filter(([k]) => current(k)).map(([, at]) => at);
      const firedAfter = Math.min(...fired) - t0;
      log(`${uid} alerting ${(firedAfter / 1000).toFixed(1)} s after the writer stopped`);
      expect(firedAfter).toBeGreaterThanOrEqual(LIVENESS_MIN_MS - WRITE_SLACK_MS);
      expect(firedAfter).toBeLessThanOrEqual(LIVENESS_MAX_MS + INTERVAL_MS + WRITE_SLACK_MS);
    }
  }, 150_000);

  it('6. the broker’s WebSocket listener closes and its viewer drops off: the live-path rule fires while frames still reach InfluxDB, the viewers-lost warning a minute later', async () => {
    await stack.startWriter();
    const watched = ['kpp-live-path-down', 'kpp-live-viewers-lost'];
    const book = new AlertBook(RULES, run);
    await waitFor(async () => (await evaluateRule(rule('kpp-live-path-down'), run, Date.now())).instances.some((i) => i.value === 1), {
      timeoutMs: 30_000,
      what: 'broker health with ws_listening = 1 stored again',
    });
    // A browser's live panel: a viewer subscribed over MQTT-over-WebSocket.
    const viewer = await mqtt.connectAsync(`ws://127.0.0.1:${stack.wsPort}/mqtt`, { protocolVersion: 4, username: 'viewer', password: passwordOf('viewer'), reconnectPeriod: 0 });
    await viewer.subscribeAsync(topics.frame('u1'));
    const lastWsClients = async () => (await run(`SELECT last("ws_clients") FROM "kpp_health" WHERE "component" = 'broker'`))[0]?.values[0]?.[1];
    await waitFor(async () => (await lastWsClients()) === 1, { timeoutMs: 15_000, what: 'the viewer counted in the stored broker health' });
    await book.evaluate(Date.now(), watched);
    expect(book.firing()).toEqual({});
    // While the viewer is there the viewers-lost query has nothing to report (no data → OK).
    expect(book.log.filter((e) => e.rule === 'kpp-live-viewers-lost').at(-1)?.noData).toBe(true);

    // The broker's own MQTT-over-WebSocket server (the one listening on its WebSocket port) stops
    // listening, and the viewer's connection goes with it.
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
    const wsServer = handles.find((h): h is Server => h instanceof Server && (h.address() as { port?: number } | null)?.port === stack.wsPort);
    expect(wsServer).toBeDefined();
    const closed = new Promise<void>((resolve) => wsServer?.close(() => resolve()));
    await viewer.endAsync(true);
    await closed;
    const t0 = Date.now();
    await waitFor(async () => (await lastWsClients()) === 0, { timeoutMs: 15_000, what: 'no WebSocket client in the stored broker health' });
    await evaluateEvery(book, 120_000, () => watched.every((uid) => firingUnits(book, uid).length === 1), watched);
    log(`after the WebSocket listener closed and the viewer dropped off:\n${book.report()}`);
    expect(firingUnits(book, 'kpp-live-path-down')).toEqual(['instance=b1']);
    expect(firingUnits(book, 'kpp-live-viewers-lost')).toEqual(['instance=b1']);
    // The warning waits its `for` (a viewer reconnecting within a minute would not fire), then fires
    // at the next evaluation; the listener alert is immediate.
    const firedAfter = (uid: string) => (book.state(uid).firstAlerting.get('instance=b1') as number) - t0;
    const forMs = durationS(rule('kpp-live-viewers-lost').for) * 1000;
    log(`live path down alerting ${(firedAfter('kpp-live-path-down') / 1000).toFixed(1)} s, viewers lost ${(firedAfter('kpp-live-viewers-lost') / 1000).toFixed(1)} s after the drop`);
    expect(forMs).toBeGreaterThanOrEqual(60_000);
    expect(firedAfter('kpp-live-viewers-lost')).toBeGreaterThanOrEqual(forMs);
    expect(firedAfter('kpp-live-viewers-lost')).toBeLessThanOrEqual(forMs + 2 * INTERVAL_MS + WRITE_SLACK_MS);
    expect(firedAfter('kpp-live-path-down')).toBeLessThan(firedAfter('kpp-live-viewers-lost'));
    // It reports how many subscribers were lost: the one viewer.
    expect(book.log.filter((e) => e.rule === 'kpp-live-viewers-lost').at(-1)?.instances.map((i) => i.value)).toEqual([1]);
  }, 200_000);

  it('7. a unit that stopped an hour ago still fires stale stream (its frames end 1 h back), beside units that run', async () => {
    // Two simulated minutes of unit d1, ending over an hour ago, fast-forwarded 40×.
    const v0 = Math.floor((Date.now() - 3600_000 - 300_000) / 1000) * 1000;
    const time = fastTime(v0, 40);
    const sim = await stack.startSim('s3', { units: 1, unitPrefix: 'd', maxCatchUpTicks: 100, compact: false }, time);
    await waitFor(() => time.now() >= v0 + 120_000, { timeoutMs: 30_000, intervalMs: 100, what: 'two simulated minutes' });
    const lastSeq = sim.stats().lastSeq;
    await stack.stopSim('s3');
    const vEnd = sim.clock.startedAtMs + (lastSeq * 1000) / 10;
    await waitFor(async () => ((await run(`SELECT count("seq") FROM "kpp_unit" WHERE "unit" = 'd1' AND time >= ${vEnd}ms`))[0]?.values[0]?.[1] ?? 0) === 1, {
      timeoutMs: 30_000,
      what: 'the last frame of d1 in InfluxDB',
    });
    const stoppedAgoS = (Date.now() - vEnd) / 1000;
    log(`d1: last frame ${(stoppedAgoS / 60).toFixed(1)} min ago`);
    expect(stoppedAgoS).toBeGreaterThanOrEqual(3600);

    // Grafana's evaluations over the next minutes: d1 is in every result (as 0) and stays Alerting.
    const book = new AlertBook(RULES, run);
    const started = Date.now();
    for (let k = 0; k < 3; k++) {
      const at = Date.now();
      const [e] = await book.evaluate(at, ['kpp-stale-stream']);
      const d1 = e?.instances.find((i) => i.key === 'unit=d1');
      expect([k, d1?.value, book.state('kpp-stale-stream').instances.get('unit=d1')?.state]).toEqual([k, 0, 'Alerting']);
      if (k < 2) await sleep(Math.max(0, at + INTERVAL_MS - Date.now()));
    }
    log(`stale stream over ${((Date.now() - started) / 1000).toFixed(0)} s: ${book.state('kpp-stale-stream').summary()}`);
    // The units that run do not fire; the rule's labels are per unit.
    expect(firingUnits(book, 'kpp-stale-stream').filter((k) => k.startsWith('unit=u'))).toEqual([]);
    expect(firingUnits(book, 'kpp-stale-stream')).toContain('unit=d1');
  }, 120_000);
});
