import { decodeClock, decodeMeta, parseTopic, topics, TOPIC_ROOT } from '@kpp/protocol';
import type { Scheduler } from './scheduler';
import type { CloseReason, Transport, TransportFactory } from './transport';

export interface ProbeOptions {
  url: string;
  username?: string;
  password?: string;
  prefix?: string;
  /** How long to wait for a live clock tick (ms), default 5000. */
  clockTimeoutMs?: number;
  clientId?: string;
}

/** After the first live tick: more ticks for the lag, retained catalogues for the unit count. */
const GRACE_MS = 400;

export type ProbeResult =
  | { ok: true; message: string; rateHz: number; units: number; behindMs: number }
  | { ok: false; kind: 'refused' | 'auth' | 'timeout' | 'no_clock' | 'bad_url'; message: string };

/**
 * The data source's health check: connect once (no retry), wait for a live tick of the master
 * clock and count the units that have a retained catalogue. Answers e.g. "Connected: clock
 * 10.0 Hz, 3 units, 2 ms behind", or says exactly what is wrong.
 */
export function probeBroker(factory: TransportFactory, scheduler: Scheduler, opts: ProbeOptions): Promise<ProbeResult> {
  const prefix = (opts.prefix ?? TOPIC_ROOT).replace(/\/+$/, '') || TOPIC_ROOT;
  const clockTimeoutMs = opts.clockTimeoutMs ?? 5000;
  if (!/^wss?:\/\/[^/]+/.test(opts.url)) {
    return Promise.resolve({
      ok: false,
      kind: 'bad_url',
      message: `Broker URL "${opts.url}" is not a ws:// or wss:// URL (e.g. ws://localhost:8083/mqtt)`,
    });
  }
  return new Promise<ProbeResult>((resolve) => {
    const units = new Set<string>();
    let done = false;
    let timer: unknown;
    let lastRetainedClock: { ts: number } | undefined;
    let transport: Transport | undefined;
    let graceTimer: unknown;
    let minBehind = Infinity;
    let rateHz = 0;
    const finish = (result: ProbeResult) => {
      if (done) return;
      done = true;
      if (timer !== undefined) scheduler.clearTimeout(timer);
      if (graceTimer !== undefined) scheduler.clearTimeout(graceTimer);
      transport?.close();
      resolve(result);
    };
    transport = factory(
      {
        url: opts.url,
        clientId: opts.clientId ?? `kpp-grafana-probe-${Math.random().toString(16).slice(2, 10)}`,
        username: opts.username,
        password: opts.password,
        connectTimeoutMs: 5000,
        keepaliveS: 10,
      },
      {
        onConnect: () => {
          transport?.subscribe([topics.clock(prefix), topics.meta('+', prefix)]);
          timer = scheduler.setTimeout(() => {
            const age = lastRetainedClock ? Math.round((scheduler.now() - lastRetainedClock.ts) / 1000) : undefined;
            finish({
              ok: false,
              kind: 'no_clock',
              message:
                `Connected to ${opts.url}, but no clock on ${topics.clock(prefix)} within ${clockTimeoutMs / 1000} s` +
                (age !== undefined
                  ? ` (the retained clock is ${age} s old: is the simulator running?)`
                  : ' (is the simulator running? is the topic prefix right?)'),
            });
          }, clockTimeoutMs);
        },
        onMessage: (topic, payload, retained) => {
          const parsed = parseTopic(topic, prefix);
          if (!parsed.ok) return;
          if (parsed.value.kind === 'unit' && parsed.value.sub === 'meta') {
            if (decodeMeta(payload, { expectedUnit: parsed.value.unit }).ok) units.add(parsed.value.unit);
            return;
          }
          if (parsed.value.kind !== 'clock') return;
          const clock = decodeClock(payload);
          if (!clock.ok) return;
          if (retained) {
            lastRetainedClock = clock.value;
            return;
          }
          // The lag is the smallest over the ticks of a short grace period, which also lets the
          // retained catalogues of every unit arrive before they are counted.
          const behind = scheduler.now() - clock.value.ts;
          minBehind = Math.min(minBehind, behind);
          rateHz = clock.value.rate_hz;
          if (graceTimer !== undefined) return;
          if (timer !== undefined) scheduler.clearTimeout(timer);
          timer = undefined;
          graceTimer = scheduler.setTimeout(() => {
            const behindMs = Math.max(0, Math.round(minBehind));
            const n = units.size;
            finish({
              ok: true,
              rateHz,
              units: n,
              behindMs,
              message: `Connected: clock ${rateHz.toFixed(1)} Hz, ${n} unit${n === 1 ? '' : 's'}, ${behindMs} ms behind`,
            });
          }, GRACE_MS);
        },
        onClose: (reason: CloseReason) => finish(closeResult(reason, opts.url)),
      }
    );
    if (done) transport.close();
  });
}

function closeResult(reason: CloseReason, url: string): ProbeResult {
  switch (reason.kind) {
    case 'auth':
      return {
        ok: false,
        kind: 'auth',
        message: `Authentication failed: the broker at ${url} refused the username or password (${reason.message})`,
      };
    case 'timeout':
      return { ok: false, kind: 'timeout', message: `Connection refused: no answer from ${url} within 5 s` };
    case 'refused':
      return { ok: false, kind: 'refused', message: `Connection refused: could not open ${url} (${reason.message})` };
    default:
      return {
        ok: false,
        kind: 'refused',
        message: `Connection refused: the broker at ${url} closed the connection (${reason.message})`,
      };
  }
}
