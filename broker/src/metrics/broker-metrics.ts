import { Counter, Gauge, Registry } from 'prom-client';
import {
  CONNECT_REJECTIONS,
  DISCONNECT_REASONS,
  DROP_REASONS,
  SUBSCRIBE_DENIALS,
  keysOf,
  type ConnectRejection,
  type DisconnectReason,
  type DropReason,
  type SubscribeDenial,
} from '../reasons.js';

export const TRANSPORTS = ['tcp', 'ws'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Cumulative counts since the broker started. Payload bytes, not wire bytes. */
export interface BrokerCounters {
  messagesIn: number;
  bytesIn: number;
  messagesOut: number;
  bytesOut: number;
  connections: Record<Transport, number>;
  dropped: Record<DropReason, number>;
  rejected: Record<ConnectRejection, number>;
  subscribeDenied: Record<SubscribeDenial, number>;
  disconnects: Record<DisconnectReason, number>;
}

/** Values read when metrics are scraped or health is published. */
export interface BrokerGauges {
  clients: number;
  largestBacklogBytes: number;
  slowClients: number;
  /** 1 while the MQTT-over-WebSocket listener accepts connections (the browsers' live path). */
  wsListening: number;
  /** Open WebSocket connections: live viewers and any other WebSocket client. */
  wsClients: number;
}

export interface ProcessGauges {
  cpu_pct: number;
  rss_bytes: number;
  loop_lag_p99_ms: number;
}

const zeros = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

/**
 * Every count the broker keeps, in one place: plain numbers for `stats()` and the health
 * message, mirrored into a prom-client registry of this broker's own (never the global one,
 * so several brokers in one process do not mix). Every labelled series exists from the start
 * at 0, so dashboards and alert rules see it before the first event.
 */
export class BrokerMetrics {
  readonly registry = new Registry();
  private readonly counts: BrokerCounters = {
    messagesIn: 0,
    bytesIn: 0,
    messagesOut: 0,
    bytesOut: 0,
    connections: zeros(TRANSPORTS),
    dropped: zeros(keysOf(DROP_REASONS)),
    rejected: zeros(keysOf(CONNECT_REJECTIONS)),
    subscribeDenied: zeros(keysOf(SUBSCRIBE_DENIALS)),
    disconnects: zeros(keysOf(DISCONNECT_REASONS)),
  };
  private processGauges: ProcessGauges = { cpu_pct: 0, rss_bytes: 0, loop_lag_p99_ms: 0 };

  private readonly connectionsTotal: Counter<'transport'>;
  private readonly droppedTotal: Counter<'reason'>;
  private readonly rejectedTotal: Counter<'reason'>;
  private readonly deniedTotal: Counter<'reason'>;
  private readonly disconnectsTotal: Counter<'reason'>;

  constructor(brokerId: string, gauges: () => BrokerGauges) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ broker: brokerId });
    // Counted per message as plain numbers (two additions on the hot path) and copied into the
    // registry only when it is scraped.
    const total = (name: string, help: string, read: () => number) =>
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    total(
      'kpp_broker_messages_received_total',
      'PUBLISH packets accepted from clients (forbidden ones included)',
      () => this.counts.messagesIn,
    );
    total(
      'kpp_broker_received_payload_bytes_total',
      'Payload bytes of the PUBLISH packets accepted from clients',
      () => this.counts.bytesIn,
    );
    total(
      'kpp_broker_messages_sent_total',
      'PUBLISH packets forwarded to subscribers (retained and queued ones included)',
      () => this.counts.messagesOut,
    );
    total(
      'kpp_broker_sent_payload_bytes_total',
      'Payload bytes of the PUBLISH packets forwarded to subscribers',
      () => this.counts.bytesOut,
    );
    this.connectionsTotal = new Counter({
      name: 'kpp_broker_connections_total',
      help: 'Network connections accepted, by transport',
      labelNames: ['transport'],
      registers,
    });
    this.droppedTotal = new Counter({
      name: 'kpp_broker_messages_dropped_total',
      help: 'Messages not routed or not delivered, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.rejectedTotal = new Counter({
      name: 'kpp_broker_connections_rejected_total',
      help: 'Connections refused, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.deniedTotal = new Counter({
      name: 'kpp_broker_subscriptions_denied_total',
      help: 'Subscriptions answered with SUBACK 0x80, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.disconnectsTotal = new Counter({
      name: 'kpp_broker_disconnects_total',
      help: 'Clients disconnected by the broker, by reason',
      labelNames: ['reason'],
      registers,
    });
    for (const t of TRANSPORTS) this.connectionsTotal.inc({ transport: t }, 0);
    for (const r of keysOf(DROP_REASONS)) this.droppedTotal.inc({ reason: r }, 0);
    for (const r of keysOf(CONNECT_REJECTIONS)) this.rejectedTotal.inc({ reason: r }, 0);
    for (const r of keysOf(SUBSCRIBE_DENIALS)) this.deniedTotal.inc({ reason: r }, 0);
    for (const r of keysOf(DISCONNECT_REASONS)) this.disconnectsTotal.inc({ reason: r }, 0);

    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge('kpp_broker_clients', 'Connected MQTT clients', () => gauges().clients);
    gauge(
      'kpp_broker_largest_backlog_bytes',
      'Largest outbound backlog of one client',
      () => gauges().largestBacklogBytes,
    );
    gauge(
      'kpp_broker_slow_clients',
      'Clients whose backlog is over the slow-consumer bound',
      () => gauges().slowClients,
    );
    gauge(
      'kpp_broker_cpu_percent',
      'CPU used by the broker process, % of one core',
      () => this.processGauges.cpu_pct,
    );
    gauge(
      'kpp_broker_rss_bytes',
      'Resident set size of the broker process',
      () => this.processGauges.rss_bytes,
    );
    gauge(
      'kpp_broker_event_loop_lag_p99_seconds',
      'Event-loop delay, 99th percentile over the last health interval',
      () => this.processGauges.loop_lag_p99_ms / 1000,
    );
  }

  messageIn(bytes: number): void {
    this.counts.messagesIn++;
    this.counts.bytesIn += bytes;
  }

  messageOut(bytes: number): void {
    this.counts.messagesOut++;
    this.counts.bytesOut += bytes;
  }

  connection(transport: Transport): void {
    this.counts.connections[transport]++;
    this.connectionsTotal.inc({ transport });
  }

  drop(reason: DropReason): void {
    this.counts.dropped[reason]++;
    this.droppedTotal.inc({ reason });
  }

  rejectConnection(reason: ConnectRejection): void {
    this.counts.rejected[reason]++;
    this.rejectedTotal.inc({ reason });
  }

  denySubscription(reason: SubscribeDenial): void {
    this.counts.subscribeDenied[reason]++;
    this.deniedTotal.inc({ reason });
  }

  disconnect(reason: DisconnectReason): void {
    this.counts.disconnects[reason]++;
    this.disconnectsTotal.inc({ reason });
  }

  setProcess(gauges: ProcessGauges): void {
    this.processGauges = gauges;
  }

  /** A copy of the cumulative counts. */
  snapshot(): BrokerCounters {
    return structuredClone(this.counts);
  }

  /** Prometheus text exposition format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
