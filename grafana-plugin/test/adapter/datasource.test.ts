import {
  dateTime,
  FieldType,
  LoadingState,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
} from '@grafana/data';
import { ManualScheduler, type HistoryFetcher, type HistoryRequest } from '../../src/core';
import { DataSource, parseUnits } from '../../src/datasource';
import { framesToSeries } from '../../src/history-grafana';
import { DEFAULT_QUERY, type KppOptions, type KppQuery } from '../../src/types';
import { FakeBroker, flush } from '../support/fake-broker';
import { FakeSimulator } from '../support/sim';

const T0 = 1_700_000_000_000;

function settings(jsonData: KppOptions = {}): DataSourceInstanceSettings<KppOptions> {
  return {
    id: 1,
    uid: 'kpp-live',
    type: 'kpp-live-datasource',
    name: 'KPP Live',
    jsonData,
    access: 'proxy',
    readOnly: false,
    meta: {} as DataSourceInstanceSettings['meta'],
  } as DataSourceInstanceSettings<KppOptions>;
}

const templateSrv = {
  getVariables: () => [],
  replace: (text: string, _vars?: unknown, format?: unknown) => {
    const value = text === '$unit' ? ['u1', 'u2'] : text;
    return typeof format === 'function' ? (format as (v: unknown) => string)(value) : String(value);
  },
};

function setup(jsonData: KppOptions = {}, history?: HistoryFetcher) {
  const broker = new FakeBroker();
  const scheduler = new ManualScheduler(T0 - 1000);
  const sim = new FakeSimulator(broker, ['u1', 'u2', 'u3'], T0);
  const ds = new DataSource(settings(jsonData), {
    transport: broker.factory,
    scheduler,
    templateSrv: templateSrv as never,
    ...(history ? { history: () => history } : {}),
  });
  const run = async (from: number, to: number) => {
    for (let seq = from; seq < to; seq++) {
      scheduler.advanceTo(T0 + seq * 100 + 2);
      sim.tick(seq);
      await flush();
    }
  };
  return { broker, scheduler, sim, ds, run };
}

function request(targets: Array<Partial<KppQuery>>, range?: { fromMs: number; toMs: number }): DataQueryRequest<KppQuery> {
  const to = dateTime(range?.toMs ?? T0);
  const from = dateTime(range?.fromMs ?? T0 - 60_000);
  return {
    requestId: 'r1',
    app: 'dashboard',
    interval: '100ms',
    intervalMs: 100,
    maxDataPoints: 1000,
    range: { from, to, raw: range ? { from, to } : { from: 'now-1m', to: 'now' } },
    scopedVars: {},
    startTime: T0,
    timezone: 'utc',
    targets: targets.map((t, i) => ({ ...DEFAULT_QUERY, refId: String.fromCharCode(65 + i), ...t }) as KppQuery),
  };
}

describe('parseUnits', () => {
  it('reads ids, lists and + for every unit', () => {
    expect(parseUnits('u1')).toEqual(['u1']);
    expect(parseUnits('u1,u2 u2')).toEqual(['u1', 'u2']);
    expect(parseUnits('{u1,u3}')).toEqual(['u1', 'u3']);
    expect(parseUnits('+')).toBe('all');
    expect(parseUnits('$__all')).toBe('all');
    expect(parseUnits('not a valid UNIT')).toEqual(['not', 'a', 'valid']);
  });
});

describe('DataSource.query', () => {
  it('streams one Observable per target with LoadingState.Streaming and plain frames; teardown unsubscribes', async () => {
    const { ds, run, broker } = setup({ playoutDelayMs: 150, maxFps: 30 });
    const responses: DataQueryResponse[] = [];
    const sub = ds
      .query(
        request([
          { unit: 'u1', fields: ['p_net_w', 'state'], alias: '{{unit}} · {{field}}' },
          { unit: 'u2', fields: ['p_net_w'] },
        ])
      )
      .subscribe((r) => responses.push(r));
    await flush();
    await run(0, 30);
    expect(responses.length).toBeGreaterThan(10);
    expect(responses.every((r) => r.state === LoadingState.Streaming)).toBe(true);
    expect(new Set(responses.map((r) => r.key))).toEqual(new Set(['kpp-live-A', 'kpp-live-B']));
    const a = [...responses].reverse().find((r) => r.key === 'kpp-live-A')!;
    const frame = a.data[0];
    expect(frame.refId).toBe('A');
    expect(frame.fields.map((f: { name: string }) => f.name)).toEqual(['Time', 'p_net_w', 'state']);
    const p = frame.fields[1];
    expect(p.type).toBe(FieldType.number);
    expect(p.config).toMatchObject({ unit: 'watt', displayNameFromDS: 'u1 · p_net_w' });
    expect(p.labels).toEqual({ unit: 'u1' });
    expect(frame.fields[2].type).toBe(FieldType.string);
    expect(frame.fields[2].values[0]).toBe('running');
    expect(frame.meta.custom).toMatchObject({ connection: 'connected', fps: 30, playoutDelayMs: 150 });
    // A new frame object per emission (no CircularDataFrame shared between updates).
    const frames = responses.filter((r) => r.key === 'kpp-live-A').map((r) => r.data[0]);
    expect(new Set(frames).size).toBe(frames.length);
    expect(broker.subscriptions()).toEqual(expect.arrayContaining(['kpp/v1/units/u1/z', 'kpp/v1/units/u2/z']));
    sub.unsubscribe();
    expect(broker.subscriptions()).not.toContain('kpp/v1/units/u1/z');
    expect(broker.subscriptions()).not.toContain('kpp/v1/units/u2/z');
  });

  it('interpolates a multi-value $unit variable: one labelled series per unit', async () => {
    const { ds, run } = setup();
    let last: DataQueryResponse | undefined;
    const sub = ds.query(request([{ unit: '$unit', fields: ['p_net_w'] }])).subscribe((r) => (last = r));
    await flush();
    await run(0, 20);
    expect(last!.data.map((f: { name: string }) => f.name)).toEqual(['u1', 'u2']);
    sub.unsubscribe();
  });

  it('+ yields one series per unit', async () => {
    const { ds, run } = setup();
    let last: DataQueryResponse | undefined;
    const sub = ds.query(request([{ unit: '+', fields: ['p_net_w'] }])).subscribe((r) => (last = r));
    await flush();
    await run(0, 20);
    expect(
      last!.data.map((f: { fields: Array<{ labels?: Record<string, string> }> }) => f.fields[1]?.labels?.unit)
    ).toEqual(['u1', 'u2', 'u3']);
    sub.unsubscribe();
  });

  it('shows the connection state on the panel while the broker is away', async () => {
    const { ds, run, broker, scheduler } = setup();
    let last: DataQueryResponse | undefined;
    const sub = ds.query(request([{ unit: 'u1', fields: ['p_net_w'] }])).subscribe((r) => (last = r));
    await flush();
    await run(0, 10);
    broker.stop();
    scheduler.advance(10);
    expect(last!.data[0].meta.notices[0]).toMatchObject({ severity: 'warning' });
    expect(last!.data[0].meta.notices[0].text).toMatch(/reconnecting/);
    sub.unsubscribe();
  });

  it('testDatasource answers in words', async () => {
    const { ds, sim, scheduler } = setup({ brokerUrl: 'ws://x/mqtt' });
    const pending = ds.testDatasource();
    await flush();
    scheduler.advanceTo(T0 + 2);
    sim.tick(0);
    scheduler.advance(400);
    await expect(pending).resolves.toEqual({
      status: 'success',
      message: 'Connected: clock 10.0 Hz, 3 units, 2 ms behind',
    });
  });
});

describe('DataSource time ranges', () => {
  /** History of one point a second for each requested unit over the requested range. */
  const recording = () => {
    const requests: HistoryRequest[] = [];
    const fetch: HistoryFetcher = async (req) => {
      requests.push(req);
      const ts: number[] = [];
      for (let t = Math.ceil(req.fromMs / 1000) * 1000; t <= req.toMs; t += 1000) ts.push(t);
      const units = req.units === 'all' ? ['u1'] : req.units;
      return units.map((unit) => ({ unit, aggregated: false, ts, columns: req.fields.map(() => ts.map((t) => t / 1000)) }));
    };
    return { requests, fetch };
  };

  it('a range ending an hour ago is history only: one Done response, complete, no subscription', async () => {
    const h = recording();
    const { ds, broker } = setup({ historyDatasourceUid: 'influx' }, h.fetch);
    const responses: DataQueryResponse[] = [];
    let complete = false;
    ds.query(request([{ unit: 'u1', fields: ['p_net_w'] }], { fromMs: T0 - 2 * 3600_000, toMs: T0 - 3600_000 })).subscribe({
      next: (r) => responses.push(r),
      complete: () => (complete = true),
    });
    await flush();
    await flush();
    expect(complete).toBe(true);
    expect(responses.map((r) => r.state)).toEqual([LoadingState.Done]);
    expect(h.requests).toEqual([expect.objectContaining({ units: ['u1'], fromMs: T0 - 2 * 3600_000, toMs: T0 - 3600_000 })]);
    const ts = responses[0]!.data[0].fields[0].values as number[];
    expect(ts.length).toBeGreaterThan(500);
    expect(ts.length).toBeLessThanOrEqual(1000);
    expect(ts[ts.length - 1]).toBeLessThanOrEqual(T0 - 3600_000);
    expect(broker.subscriptions()).toEqual([]);
  });

  it('an absolute range ending within a few seconds of now streams, opened with its history; one ending earlier does not', async () => {
    const h = recording();
    const { ds, broker, run, scheduler } = setup({ historyDatasourceUid: 'influx' }, h.fetch);
    const now = scheduler.now();
    const states: LoadingState[] = [];
    const sub = ds.query(request([{ unit: 'u2', fields: ['p_net_w'] }], { fromMs: now - 600_000, toMs: now - 3000 })).subscribe((r) => states.push(r.state as LoadingState));
    await flush();
    await run(0, 10);
    expect(new Set(states)).toEqual(new Set([LoadingState.Streaming]));
    expect(broker.subscriptions()).toContain('kpp/v1/units/u2/z');
    // History of the whole range first (later requests only close the seam with live).
    expect(h.requests[0]).toMatchObject({ fromMs: now - 600_000, toMs: now - 3000 });
    sub.unsubscribe();
    expect(broker.subscriptions()).not.toContain('kpp/v1/units/u2/z');
    const later: LoadingState[] = [];
    ds.query(request([{ unit: 'u2', fields: ['p_net_w'] }], { fromMs: scheduler.now() - 600_000, toMs: scheduler.now() - 60_000 })).subscribe((r) => later.push(r.state as LoadingState));
    await flush();
    expect(later).toEqual([LoadingState.Done]);
    expect(broker.subscriptions()).not.toContain('kpp/v1/units/u2/z');
  });

  it('a past range without a history data source says so on the panel', async () => {
    const { ds } = setup();
    const responses: DataQueryResponse[] = [];
    ds.query(request([{ unit: 'u1', fields: ['p_net_w'] }], { fromMs: T0 - 7200_000, toMs: T0 - 3600_000 })).subscribe((r) => responses.push(r));
    expect(responses.map((r) => r.state)).toEqual([LoadingState.Done]);
    expect(responses[0]!.data[0].meta.notices[0].text).toMatch(/history data source/);
  });

  it('a variable that resolves to no unit gives a notice and no subscription', async () => {
    const { ds, broker } = setup();
    const responses: DataQueryResponse[] = [];
    ds.query(request([{ unit: '$empty', fields: ['p_net_w'] }])).subscribe((r) => responses.push(r));
    await flush();
    expect(responses.map((r) => r.state)).toEqual([LoadingState.Done]);
    expect(responses[0]!.data[0].meta.notices[0]).toEqual({ severity: 'warning', text: expect.stringContaining('"$empty" resolves to no unit') });
    expect(broker.subscriptions()).toEqual([]);
  });

  it('interpolateVariablesInQueries replaces the unit (multi-value as a list) and the alias for Explore', () => {
    const { ds } = setup();
    const [q] = ds.interpolateVariablesInQueries([{ ...DEFAULT_QUERY, refId: 'A', unit: '$unit', alias: '{{unit}}' } as KppQuery], {});
    expect(q).toMatchObject({ refId: 'A', unit: 'u1,u2', alias: '{{unit}}' });
  });
});

describe('framesToSeries', () => {
  it('reads the table format (a unit column)', () => {
    const frame = {
      fields: [
        { name: 'Time', type: FieldType.time, values: [1, 2], config: {} },
        { name: 'unit', type: FieldType.string, values: ['u1', 'u2'], config: {} },
        { name: 'p_net_w', type: FieldType.number, values: [10, 20], config: {} },
      ],
      length: 2,
    };
    expect(framesToSeries([frame as never])).toEqual([
      { unit: 'u1', columns: ['time', 'p_net_w'], values: [[1, 10]] },
      { unit: 'u2', columns: ['time', 'p_net_w'], values: [[2, 20]] },
    ]);
  });

  it('reads the time-series format (labels), merging columns on time', () => {
    const f = (name: string, values: number[]) => ({
      fields: [
        { name: 'Time', type: FieldType.time, values: [1, 2], config: {} },
        {
          name: 'Value',
          type: FieldType.number,
          values,
          labels: { unit: 'u1' },
          config: { displayNameFromDS: `kpp_unit.${name}` },
        },
      ],
      length: 2,
    });
    expect(framesToSeries([f('a', [1, 2]) as never, f('b', [3, 4]) as never])).toEqual([
      {
        unit: 'u1',
        columns: ['time', 'a', 'b'],
        values: [
          [1, 1, 3],
          [2, 2, 4],
        ],
      },
    ]);
  });
});
