import {
  DataSourceApi,
  LoadingState,
  rangeUtil,
  type CoreApp,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
  type DataFrame,
  type MetricFindValue,
  type ScopedVars,
  type TestDataSourceResponse,
} from '@grafana/data';
import { getTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { FIELD_CATALOGUE, isValidUnitId, type FieldSpec } from '@kpp/protocol';
import { merge, Observable } from 'rxjs';
import {
  Connection,
  FrameSource,
  historyRange,
  LiveQuery,
  probeBroker,
  systemScheduler,
  type HistoryFetcher,
  type Scheduler,
  type CredentialSource,
  type TransportFactory,
} from './core';
import { mqttTransport } from './core/mqtt-transport';
import { emissionFrames, historyFrames, noticeFrame } from './frames';
import { grafanaHistoryFetcher } from './history-grafana';
import { LEGACY_NOTICE, legacyLogin } from './legacy';
import { DEFAULT_QUERY, DEFAULTS, TOKEN_ROUTE, type KppOptions, type KppQuery } from './types';
import { fetchViewerToken } from './viewer-token';

/** What tests and the preview page may swap; Grafana constructs the data source without it. */
export interface DataSourceDeps {
  transport?: TransportFactory;
  scheduler?: Scheduler;
  templateSrv?: Pick<TemplateSrv, 'replace' | 'getVariables'>;
  /** History fetcher factory by data-source uid (default: through Grafana's DataSourceSrv). */
  history?: (uid: string) => HistoryFetcher;
}

/**
 * A range ending this close to now (or later) is live: it streams, opened with history. One
 * ending earlier is history only. Relative ranges ("now-1h" → "now") end at the instant Grafana
 * made the request, absolute ones wherever they were drawn; both are judged on `range.to`.
 */
export const LIVE_EDGE_MS = 5000;
/** The master clock's tick when none has been seen (history-only queries subscribe to nothing). */
const DEFAULT_TICK_MS = 100;

export function isLiveRange(toMs: number, nowMs: number): boolean {
  return toMs >= nowMs - LIVE_EDGE_MS;
}

/** Units of a query: ids, or 'all' for `+` (also written `*` or `All`). */
export function parseUnits(text: string): string[] | 'all' {
  const parts = text
    .split(/[\s,|{}()]+/)
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.some((p) => p === '+' || p === '*' || p === '$__all' || p.toLowerCase() === 'all')) return 'all';
  return [...new Set(parts.filter(isValidUnitId))];
}

/**
 * KPP Live: a frontend-only streaming data source. `query()` returns one Observable per target
 * (LoadingState.Streaming) merged with rxjs; the teardown unsubscribes. All targets of all panels
 * share one MQTT-over-WebSocket connection and its reference-counted subscriptions.
 */
export class DataSource extends DataSourceApi<KppQuery, KppOptions> {
  readonly options: Required<Pick<KppOptions, 'brokerUrl' | 'topicPrefix' | 'playoutDelayMs' | 'maxFps' | 'stream'>> &
    KppOptions;
  private readonly scheduler: Scheduler;
  private readonly transport: TransportFactory;
  /** How the browser logs in: a fetched token, a legacy stored password, or anonymously (undefined). */
  private readonly login: CredentialSource | { username: string; password: string } | undefined;
  private connectionInstance: Connection | undefined;
  private sourceInstance: FrameSource | undefined;

  constructor(
    instanceSettings: DataSourceInstanceSettings<KppOptions>,
    private readonly deps: DataSourceDeps = {}
  ) {
    super(instanceSettings);
    const j = instanceSettings.jsonData ?? {};
    this.options = {
      ...j,
      brokerUrl: j.brokerUrl || DEFAULTS.brokerUrl,
      topicPrefix: j.topicPrefix || DEFAULTS.topicPrefix,
      playoutDelayMs: positive(j.playoutDelayMs, DEFAULTS.playoutDelayMs),
      maxFps: Math.min(60, positive(j.maxFps, DEFAULTS.maxFps)),
      stream: j.stream ?? DEFAULTS.stream,
    };
    this.scheduler = deps.scheduler ?? systemScheduler;
    this.transport = deps.transport ?? mqttTransport;
    const legacy = legacyLogin(j);
    if (j.tokenUrl) {
      // Grafana's proxy URL of this data source; the route adds the API key server-side.
      const url = `${instanceSettings.url ?? ''}/${TOKEN_ROUTE}`;
      this.login = () => fetchViewerToken(url);
    } else if (legacy) {
      console.warn(LEGACY_NOTICE);
      this.login = legacy;
    }
  }

  /** Credentials for one connection attempt (anonymous: none). */
  private async credentials(): Promise<{ username?: string; password?: string }> {
    if (typeof this.login === 'function') return this.login();
    return this.login ?? {};
  }

  /** The one connection of this data-source instance (opened on the first subscription). */
  get connection(): Connection {
    this.connectionInstance ??= new Connection(
      {
        url: this.options.brokerUrl,
        ...(typeof this.login === 'function' ? { credentials: this.login } : this.login),
        clientId: `kpp-grafana-${this.uid}-${Math.random().toString(16).slice(2, 8)}`.slice(0, 64),
      },
      this.transport,
      this.scheduler
    );
    return this.connectionInstance;
  }

  get source(): FrameSource {
    this.sourceInstance ??= new FrameSource(this.connection, this.scheduler, {
      prefix: this.options.topicPrefix,
      stream: this.options.stream,
    });
    return this.sourceInstance;
  }

  override getDefaultQuery(_app: CoreApp): Partial<KppQuery> {
    return DEFAULT_QUERY;
  }

  override filterQuery(query: KppQuery): boolean {
    return !query.hide && Boolean(query.unit) && (query.fields?.length ?? 0) > 0;
  }

  /** Units of a query after template variables (multi-value ones included) are replaced. */
  resolveUnits(unit: string, scopedVars?: ScopedVars): string[] | 'all' {
    const srv = this.deps.templateSrv ?? getTemplateSrv();
    const text = srv.replace(unit ?? '', scopedVars, (value: string | string[]) =>
      Array.isArray(value) ? value.join(',') : value
    );
    return parseUnits(text);
  }

  query(request: DataQueryRequest<KppQuery>): Observable<DataQueryResponse> {
    const targets = request.targets.filter((t) => this.filterQuery({ ...DEFAULT_QUERY, ...t } as KppQuery));
    if (targets.length === 0) return done([]);
    const live = isLiveRange(request.range.to.valueOf(), this.scheduler.now());
    return merge(
      ...targets.map((t) => {
        const target = { ...DEFAULT_QUERY, ...t } as KppQuery;
        const units = this.resolveUnits(target.unit, request.scopedVars);
        if (units !== 'all' && units.length === 0)
          return done(
            [noticeFrame(target.refId, 'warning', `"${target.unit}" resolves to no unit: pick a unit, or give the variable a value.`)],
            `kpp-live-${target.refId}`
          );
        return live ? this.stream(target, units, request) : this.history(target, units, request);
      })
    );
  }

  /** Template variables replaced in the queries Explore and "split" hand on (unit and alias). */
  override interpolateVariablesInQueries(queries: KppQuery[], scopedVars: ScopedVars): KppQuery[] {
    const srv = this.deps.templateSrv ?? getTemplateSrv();
    return queries.map((q) => ({
      ...q,
      unit: srv.replace(q.unit ?? '', scopedVars, (value: string | string[]) => (Array.isArray(value) ? value.join(',') : value)),
      ...(q.alias ? { alias: srv.replace(q.alias, scopedVars) } : {}),
    }));
  }

  /** A range that ends in the past: history only, Done, no subscription (no connection either). */
  private history(target: KppQuery, units: string[] | 'all', request: DataQueryRequest<KppQuery>): Observable<DataQueryResponse> {
    const key = `kpp-live-${target.refId}`;
    const uid = this.options.historyDatasourceUid;
    if (!uid)
      return done(
        [noticeFrame(target.refId, 'info', 'This range ends in the past: set a history data source (InfluxDB) in the data source settings to see it.')],
        key
      );
    return new Observable<DataQueryResponse>((subscriber) => {
      let cancelled = false;
      historyRange({
        units,
        fields: target.fields ?? [],
        fromMs: request.range.from.valueOf(),
        toMs: request.range.to.valueOf(),
        maxDataPoints: request.maxDataPoints ?? DEFAULTS.maxDataPoints,
        tickMs: this.sourceInstance?.clockSync.tickMs ?? DEFAULT_TICK_MS,
        fetch: (this.deps.history ?? grafanaHistoryFetcher)(uid),
      }).then(
        (series) => {
          if (cancelled) return;
          subscriber.next({ key, state: LoadingState.Done, data: historyFrames(series, { refId: target.refId, alias: target.alias }) });
          subscriber.complete();
        },
        (err: unknown) => {
          if (cancelled) return;
          const message = `History unavailable: ${err instanceof Error ? err.message : String(err)}`;
          subscriber.next({ key, state: LoadingState.Error, data: [], error: { message } });
          subscriber.complete();
        }
      );
      return () => {
        cancelled = true;
      };
    });
  }

  /** A range that ends now: live, opened with the range's history when a history source is set. */
  private stream(target: KppQuery, units: string[] | 'all', request: DataQueryRequest<KppQuery>): Observable<DataQueryResponse> {
    return new Observable<DataQueryResponse>((subscriber) => {
      const fromMs = request.range.from.valueOf();
      const toMs = request.range.to.valueOf();
      const windowMs = windowOf(target.windowLength, toMs - fromMs);
      const uid = this.options.historyDatasourceUid;
      const history = uid ? (this.deps.history ?? grafanaHistoryFetcher)(uid) : undefined;
      const key = `kpp-live-${target.refId}`;
      const live = new LiveQuery(
        this.source,
        {
          units,
          fields: target.fields ?? [],
          smoothing: { kind: target.smoothing ?? 'none', alpha: target.alpha, window: target.window },
          interpolate: target.interpolate ?? false,
          windowMs,
          maxDataPoints: request.maxDataPoints ?? DEFAULTS.maxDataPoints,
          playout: { delayMs: this.options.playoutDelayMs, maxFps: this.options.maxFps, adaptive: true },
          ...(history ? { backfill: { fetch: history, fromMs: toMs - windowMs, toMs } } : {}),
        },
        this.scheduler,
        (emission) => {
          subscriber.next({
            key,
            state: LoadingState.Streaming,
            data: emissionFrames(emission, { refId: target.refId, alias: target.alias }),
          });
        }
      );
      live.start();
      return () => live.stop();
    });
  }

  /** Health check: connect, wait for the clock, count units. */
  async testDatasource(): Promise<TestDataSourceResponse> {
    let login: { username?: string; password?: string };
    try {
      login = await this.credentials();
    } catch (err) {
      return { status: 'error', message: `No broker token: ${err instanceof Error ? err.message : String(err)}` };
    }
    const result = await probeBroker(this.transport, this.scheduler, {
      url: this.options.brokerUrl,
      ...login,
      prefix: this.options.topicPrefix,
    });
    return { status: result.ok ? 'success' : 'error', message: result.message };
  }

  /** Units that publish a retained catalogue (listens for `waitMs`). */
  async listUnits(waitMs = 800): Promise<string[]> {
    const release = this.source.meta('+', () => undefined);
    await new Promise((r) => this.scheduler.setTimeout(() => r(undefined), waitMs));
    release();
    return this.source.knownUnits();
  }

  /** The field catalogue of a unit: its retained meta when known, else the protocol's catalogue. */
  fieldCatalogue(unit?: string): FieldSpec[] {
    const meta = unit ? this.source.knownMeta(unit) : this.source.knownUnits().map((u) => this.source.knownMeta(u))[0];
    return meta?.fields ?? [...FIELD_CATALOGUE];
  }

  /** Template variables of type query: `units` lists the units, `fields` the catalogue. */
  override async metricFindQuery(query: string): Promise<MetricFindValue[]> {
    if (query.trim() === 'fields') return this.fieldCatalogue().map((f) => ({ text: f.name }));
    return (await this.listUnits()).map((u) => ({ text: u }));
  }

  /** Closes the connection (Grafana drops data-source instances when settings change). */
  dispose(): void {
    this.connectionInstance?.close();
  }
}

/** One response, Done, then complete. */
function done(data: DataFrame[], key?: string): Observable<DataQueryResponse> {
  return new Observable((s) => {
    s.next({ data, state: LoadingState.Done, ...(key ? { key } : {}) });
    s.complete();
  });
}

function positive(v: unknown, fallback: number): number {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : fallback;
}

function windowOf(text: string | undefined, rangeMs: number): number {
  if (text && text.trim() !== '') {
    try {
      const ms = rangeUtil.intervalToMs(text.trim());
      if (ms > 0) return ms;
    } catch {
      /* fall through to the range */
    }
  }
  return Math.max(1000, rangeMs);
}
