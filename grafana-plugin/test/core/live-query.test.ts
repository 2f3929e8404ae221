import {
  Connection,
  FrameSource,
  LiveQuery,
  ManualScheduler,
  probeBroker,
  type Emission,
  type HistoryFetcher,
  type HistoryRequest,
  type LiveQueryOptions,
} from '../../src/core';
import { FakeBroker, flush } from '../support/fake-broker';
import { FakeSimulator } from '../support/sim';

const T0 = 1_700_000_000_000;
const NET_MS = 2;

function setup(units = ['u1', 'u2', 'u3']) {
  const broker = new FakeBroker();
  const scheduler = new ManualScheduler(T0 - 1000);
  const connection = new Connection(
    { url: 'ws://broker/mqtt', clientId: 'plugin', random: () => 0.5 },
    broker.factory,
    scheduler
  );
  const source = new FrameSource(connection, scheduler);
  const sim = new FakeSimulator(broker, units, T0);
  const open = (opts: Partial<LiveQueryOptions> = {}) => {
    const emissions: Emission[] = [];
    const q = new LiveQuery(
      source,
      {
        units: ['u1'],
        fields: ['p_net_w', 'state'],
        smoothing: { kind: 'none' },
        interpolate: false,
        windowMs: 60_000,
        maxDataPoints: 1000,
        playout: { delayMs: 150, maxFps: 30, adaptive: false },
        ...opts,
      },
      scheduler,
      (e) => emissions.push(e)
    );
    q.start();
    return { q, emissions };
  };
  /** Ticks seq in [from, to), each arriving NET_MS after its ts. */
  const run = async (from: number, to: number) => {
    for (let seq = from; seq < to; seq++) {
      scheduler.advanceTo(T0 + seq * 100 + NET_MS);
      sim.tick(seq);
      await flush();
    }
  };
  return { broker, scheduler, connection, source, sim, open, run };
}

const last = <T>(xs: T[]): T => xs[xs.length - 1] as T;

describe('LiveQuery', () => {
  it('shows each tick exactly playout delay (+ transport) after its ts, in order, without gaps', async () => {
    const { open, run } = setup();
    const { q, emissions } = open();
    await flush();
    await run(0, 100);
    const latencies = emissions.flatMap((e) => e.newTicks.map((ts) => e.at - ts));
    expect(latencies.length).toBeGreaterThan(95);
    for (const l of latencies) expect(l).toBeCloseTo(150 + NET_MS, 2);
    const rows = last(emissions).series[0]!.rows;
    for (let i = 1; i < rows.ts.length; i++) expect(rows.ts[i]! - rows.ts[i - 1]!).toBe(100);
    expect(rows.columns[1]).toContain(0); // the enum as its index ('running')
    expect(last(emissions).status).toMatchObject({ delayMs: 150, offsetMs: NET_MS, tickMs: 100, missing: 0, late: 0 });
    q.stop();
  });

  it('interpolates between ticks at 30 FPS on an even grid', async () => {
    const { open, run } = setup();
    const { q, emissions } = open({ interpolate: true });
    await flush();
    await run(0, 60);
    const steady = emissions.slice(10);
    const gaps = steady.slice(1).map((e, i) => e.at - steady[i]!.at);
    for (const g of gaps) expect(g).toBeCloseTo(100 / 3, 2);
    const withHead = steady.filter((e) => e.series[0]?.headTs !== undefined);
    expect(withHead.length).toBeGreaterThan(steady.length / 2);
    // The head lies between the last two ticks' values (value = seq).
    for (const e of withHead) {
      const s = e.series[0]!;
      const n = s.rows.ts.length;
      const head = s.rows.columns[0]![n - 1] as number;
      const prev = s.rows.columns[0]![n - 2] as number;
      expect(head).toBeGreaterThan(prev);
      expect(head).toBeLessThan(prev + 1);
    }
    q.stop();
  });

  it('two panels on one unit share one subscription; closing both removes it', async () => {
    const { broker, open, run } = setup();
    const a = open();
    const b = open({ smoothing: { kind: 'ema', alpha: 0.2 } });
    await flush();
    await run(0, 20);
    const subs = broker.log.filter((l) => l.op === 'subscribe').flatMap((l) => l.filters);
    expect(subs.filter((f) => f === 'kpp/v1/units/u1/z')).toHaveLength(1);
    expect(a.emissions.length).toBeGreaterThan(5);
    expect(b.emissions.length).toBeGreaterThan(5);
    a.q.stop();
    expect(broker.subscriptions()).toContain('kpp/v1/units/u1/z');
    b.q.stop();
    expect(broker.subscriptions()).not.toContain('kpp/v1/units/u1/z');
    expect(broker.log.filter((l) => l.op === 'unsubscribe').flatMap((l) => l.filters)).toContain('kpp/v1/units/u1/z');
  });

  it('`all` gives one series per unit', async () => {
    const { open, run, broker } = setup(['u1', 'u2', 'u3']);
    const { q, emissions } = open({ units: 'all' });
    await flush();
    await run(0, 20);
    expect(last(emissions).series.map((s) => s.unit)).toEqual(['u1', 'u2', 'u3']);
    expect(broker.subscriptions()).toContain('kpp/v1/units/+/z');
    q.stop();
  });

  it('resumes after a broker restart with nulls across the outage', async () => {
    const { broker, scheduler, open, run, sim } = setup();
    const { q, emissions } = open();
    await flush();
    await run(0, 50);
    broker.stop();
    const states = new Set<string>();
    for (let seq = 50; seq < 80; seq++) {
      scheduler.advanceTo(T0 + seq * 100 + NET_MS);
      sim.tick(seq); // lost: nobody is connected
      await flush();
      states.add(last(emissions).status.connection.state);
    }
    expect(states).toContain('reconnecting');
    broker.start();
    const restartedAt = scheduler.now();
    await run(80, 140);
    const firstAfter = emissions.find((e) => e.at > restartedAt && e.newTicks.some((ts) => ts > T0 + 80 * 100));
    expect(firstAfter).toBeDefined();
    expect(firstAfter!.at - restartedAt).toBeLessThan(5000);
    const rows = last(emissions).series[0]!.rows;
    const i = rows.ts.indexOf(T0 + 49 * 100);
    expect(rows.ts[i + 1]).toBe(T0 + 50 * 100);
    expect(rows.columns[0]![i + 1]).toBeNull();
    // No line across the outage: after the null the next row is a tick received after the restart.
    expect(rows.ts[i + 2]!).toBeGreaterThanOrEqual(T0 + 80 * 100);
    q.stop();
  });

  it('opens with history and continues live: no duplicate ts, no gap at the seam (writer lagging 1 s)', async () => {
    const { open, run, scheduler } = setup();
    const calls: HistoryRequest[] = [];
    // Like InfluxDB fed by a writer that is 1 s behind the stream.
    const fetch: HistoryFetcher = async (req) => {
      calls.push(req);
      const upTo = Math.min(req.toMs, scheduler.now() - 1000);
      const ts: number[] = [];
      const v: number[] = [];
      const st: number[] = [];
      for (let t = Math.ceil((req.fromMs - T0) / 100) * 100 + T0; t <= upTo; t += 100) {
        ts.push(t);
        v.push((t - T0) / 100);
        st.push(0);
      }
      return [{ unit: 'u1', aggregated: false, ts, columns: [v, st] }];
    };
    // History exists from seq -600 (60 s before the panel opens at seq 0).
    const { q, emissions } = open({ backfill: { fetch, fromMs: T0 - 60_000, toMs: T0 } });
    await flush();
    await run(0, 60);
    const rows = last(emissions).series[0]!.rows;
    const ts = rows.ts;
    // The 60 s window ends at the newest tick: history fills all of it.
    expect(ts[0]! - (ts[ts.length - 1]! - 60_000)).toBeLessThanOrEqual(100);
    expect(new Set(ts).size).toBe(ts.length);
    for (let i = 1; i < ts.length; i++) expect(ts[i]! - ts[i - 1]!).toBe(100);
    expect(rows.columns[0]).not.toContain(null);
    expect(calls.length).toBeGreaterThan(1); // the seam was fetched again
    expect(last(emissions).status.backfill).toBe('done');
    q.stop();
  });

  it('reports a failed history fetch and keeps streaming', async () => {
    const { open, run } = setup();
    const { q, emissions } = open({
      backfill: { fetch: () => Promise.reject(new Error('influx down')), fromMs: 0, toMs: T0 },
    });
    await flush();
    await run(0, 20);
    expect(last(emissions).status).toMatchObject({ backfill: 'failed', backfillError: 'influx down' });
    expect(last(emissions).series[0]!.rows.ts.length).toBeGreaterThan(10);
    q.stop();
  });
});

describe('probeBroker', () => {
  it('answers with rate, units and lag', async () => {
    const { broker, scheduler, sim } = setup(['u1', 'u2', 'u3']);
    const result = probeBroker(broker.factory, scheduler, { url: 'ws://broker/mqtt' });
    await flush();
    scheduler.advanceTo(T0 + 2);
    sim.tick(0);
    scheduler.advance(400);
    await expect(result).resolves.toMatchObject({
      ok: true,
      message: 'Connected: clock 10.0 Hz, 3 units, 2 ms behind',
    });
  });

  it('says when authentication fails', async () => {
    const { broker, scheduler } = setup();
    broker.users = { viewer: 'secret' };
    const r = await probeBroker(broker.factory, scheduler, {
      url: 'ws://b/mqtt',
      username: 'viewer',
      password: 'nope',
    });
    expect(r).toMatchObject({ ok: false, kind: 'auth' });
    expect(r.message).toMatch(/^Authentication failed/);
  });

  it('says when the connection is refused', async () => {
    const { broker, scheduler } = setup();
    broker.up = false;
    const r = await probeBroker(broker.factory, scheduler, { url: 'ws://b/mqtt' });
    expect(r).toMatchObject({ ok: false, kind: 'refused' });
    expect(r.message).toMatch(/^Connection refused/);
  });

  it('says when no clock comes within 5 s', async () => {
    const { broker, scheduler } = setup();
    const result = probeBroker(broker.factory, scheduler, { url: 'ws://b/mqtt' });
    await flush();
    scheduler.advance(5000);
    const r = await result;
    expect(r).toMatchObject({ ok: false, kind: 'no_clock' });
    expect(r.message).toContain('no clock on kpp/v1/clock within 5 s');
  });

  it('rejects a URL that is not ws:// or wss://', async () => {
    const { broker, scheduler } = setup();
    const r = await probeBroker(broker.factory, scheduler, { url: 'http://x' });
    expect(r).toMatchObject({ ok: false, kind: 'bad_url' });
  });
});
