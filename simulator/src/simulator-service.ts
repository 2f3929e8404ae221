import mqtt, { type MqttClient } from 'mqtt';
import {
  createCompactEncoder,
  encodeClock,
  encodeFrame,
  encodeHealth,
  encodeMeta,
  topics,
  type Frame,
  type HealthMessage,
} from '@kpp/protocol';
import { mqttClientOptions, perSecond, ProcessMetricsSampler, silentLogger, systemClock, type Clock, type Logger, type Service } from '@kpp/runtime';
import { MasterClock, type TickInfo } from './clock/index.js';
import { CommandDispatcher } from './commands/dispatcher.js';
import { shardOf, type Shard, type SimulatorConfig } from './config.js';
import { Fleet, type ParamsFile } from './fleet/index.js';
import { MqttLink } from './mqtt/mqtt-link.js';
import { PublishLog } from './mqtt/publish-log.js';

export interface SimulatorDeps {
  logger?: Logger;
  clock?: Clock;
  params?: ParamsFile;
}

export interface SimulatorStats {
  clock: ReturnType<MasterClock['stats']>;
  link: ReturnType<MqttLink['stats']>;
  commands: ReturnType<CommandDispatcher['stats']>;
  lastSeq: number;
}

/**
 * The running simulator: the master clock steps the fleet and every tick's frames go out
 * over MQTT (frame, compact stream, retained state once a second), with the clock, meta and
 * health retained. Commands arrive on …/cmd and are acked on …/cmd/ack.
 */
export class SimulatorService implements Service {
  readonly name = 'simulator';
  readonly fleet: Fleet;
  readonly clock: MasterClock;
  readonly shard: Shard;
  /** The health instance and client id suffix: `instance`, or `instance-K` for shard K. */
  readonly instance: string;
  private client: MqttClient | undefined;
  private link: MqttLink | undefined;
  private publishLog: PublishLog | undefined;
  private readonly dispatcher: CommandDispatcher;
  private readonly log: Logger;
  private readonly time: Clock;
  private readonly encoders = new Map<string, ReturnType<typeof createCompactEncoder>>();
  private readonly metrics = new ProcessMetricsSampler();
  private healthTimer: NodeJS.Timeout | undefined;
  private lastSeq = -1;
  /** Counts at the last health report, for its rates. */
  private rateBase = { at: 0, ticks: 0, published: 0 };
  private lastReport: HealthMessage | undefined;
  private tickCostMs = 0;

  constructor(
    readonly config: SimulatorConfig,
    deps: SimulatorDeps = {},
  ) {
    this.shard = shardOf(config);
    this.instance = this.shard.count > 1 ? `${config.instance}-${this.shard.index}` : config.instance;
    this.log = (deps.logger ?? silentLogger).child({ component: 'simulator', instance: this.instance });
    this.time = deps.clock ?? systemClock;
    this.fleet = new Fleet({
      shard: this.shard,
      units: config.units,
      unitPrefix: config.unitPrefix,
      seed: config.seed,
      noise: config.noise,
      params: deps.params,
    });
    this.clock = new MasterClock((tick) => this.onTick(tick), {
      rateHz: config.rateHz,
      maxCatchUpTicks: config.maxCatchUpTicks,
      time: this.time,
      ...(config.clockEpochMs !== undefined ? { startedAtMs: config.clockEpochMs } : {}),
    });
    // A shard answers for its own units; a unit no shard has is refused by shard 1 only.
    const answers = (id: string) => this.fleet.unit(id) !== undefined || (!this.fleet.inWholeFleet(id) && this.shard.index === 1);
    this.dispatcher = new CommandDispatcher((id) => this.fleet.unit(id), () => this.time.now(), answers);
  }

  async start(): Promise<void> {
    const { config } = this;
    const client = mqtt.connect(
      config.mqttUrl,
      mqttClientOptions({
        clientId: `${config.clientId}-${this.instance}`,
        username: config.username,
        password: config.password,
        reconnectMs: 1000,
        connectTimeoutMs: 5000,
        // QoS 0 (clock, compact stream) is not worth replaying; frames go through our own bounded buffer.
        queueQoSZero: false,
      }),
    );
    this.client = client;
    const capacity = Math.ceil(config.offlineBufferSeconds * config.rateHz * this.fleet.units.length);
    this.link = new MqttLink(client, capacity, (err) => this.log.warn({ err }, 'publish failed'), config.maxInflight);
    client.on('connect', () => {
      this.log.info({ url: config.mqttUrl }, 'connected to broker');
      this.publishMeta();
      client.subscribe(`${topics.everything()}`.replace('#', 'units/+/cmd'), { qos: 1 }, (err) => {
        if (err) this.log.error({ err }, 'cannot subscribe to commands');
      });
    });
    client.on('offline', () => this.log.warn('broker unreachable; buffering frames'));
    client.on('error', (err) => this.log.warn({ err: err.message }, 'mqtt error'));
    client.on('message', (topic, payload) => this.onCommand(topic, payload));
    this.clock.start();
    if (config.publishLog) {
      this.publishLog = new PublishLog(config.publishLog);
      this.publishLog.beginRun(this.clock.startedAtMs, config.rateHz);
    }
    this.rateBase = { at: this.time.now(), ticks: 0, published: 0 };
    this.healthTimer = setInterval(() => this.publishHealth(), config.healthIntervalMs);
    this.log.info({ units: this.fleet.units.length, shard: `${this.shard.index}/${this.shard.count}`, rateHz: config.rateHz, startedAt: this.clock.startedAtMs }, 'simulator started');
  }

  async stop(): Promise<void> {
    this.clock.stop();
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.metrics.stop();
    // What is buffered goes out first (while connected), then endAsync waits for the rest in flight.
    if (this.link && this.client?.connected) {
      const drained = await this.link.drain(this.config.stopDrainMs);
      if (!drained) this.log.warn(this.link.stats(), 'stopping with frames not delivered');
    }
    if (this.client) await this.client.endAsync().catch(() => undefined);
    this.publishLog?.close();
    this.log.info(this.stats(), 'simulator stopped');
  }

  health(): HealthMessage | undefined {
    return this.lastReport;
  }

  stats(): SimulatorStats {
    return {
      clock: this.clock.stats(),
      link: this.link?.stats() ?? { connected: false, published: 0, acked: 0, inflight: 0, bytesOut: 0, buffered: 0, droppedOffline: 0, skipped: 0, publishErrors: 0 },
      commands: this.dispatcher.stats(),
      lastSeq: this.lastSeq,
    };
  }

  private onTick(tick: TickInfo): void {
    const started = performance.now();
    const dtS = (1 + tick.skipped) / this.config.rateHz;
    const frames = this.fleet.tick(tick, tick.seq === 0 ? 0 : dtS);
    this.lastSeq = tick.seq;
    const link = this.link;
    if (link) {
      // Shards stamp ticks alike; one clock message per tick is enough.
      if (this.shard.index === 1) link.publish({ topic: topics.clock(), payload: encodeClock({ seq: tick.seq, ts: tick.ts, rate_hz: this.config.rateHz, started_at: this.clock.startedAtMs }), qos: 0, retain: true });
      const stateTick = tick.seq % Math.max(1, Math.round(this.config.rateHz)) === 0;
      for (const frame of frames) this.publishFrame(link, frame, stateTick);
    }
    this.tickCostMs = performance.now() - started;
  }

  private publishFrame(link: MqttLink, frame: Frame, withState: boolean): void {
    const json = encodeFrame(frame);
    const log = this.publishLog;
    link.publish({
      topic: topics.frame(frame.unit),
      payload: json,
      qos: 1,
      retain: false,
      ...(log ? { onAcked: () => log.acked(frame.unit, frame.seq) } : {}),
    });
    if (withState) link.publish({ topic: topics.state(frame.unit), payload: json, qos: 1, retain: true });
    if (this.config.compact) {
      let enc = this.encoders.get(frame.unit);
      if (!enc) {
        enc = createCompactEncoder({ keyframeIntervalTicks: Math.max(1, Math.round(this.config.rateHz)) });
        this.encoders.set(frame.unit, enc);
      }
      link.publish({ topic: topics.compact(frame.unit), payload: enc.encode(frame), qos: 0, retain: false });
    }
  }

  private publishMeta(): void {
    for (const unit of this.fleet.unitIds) {
      this.link?.publish({ topic: topics.meta(unit), payload: encodeMeta(unit), qos: 1, retain: true });
    }
  }

  private onCommand(topic: string, payload: Buffer): void {
    try {
      const out = this.dispatcher.handle(topic, payload);
      if (!out) return;
      if (!out.ack.ok) this.log.info({ unit: out.unit, ack: out.ack }, 'command rejected');
      this.link?.publish({ topic: topics.cmdAck(out.unit), payload: out.payload, qos: 1, retain: false });
    } catch (err) {
      this.log.error({ err, topic }, 'command handling failed');
    }
  }

  private publishHealth(): void {
    const now = this.time.now();
    const s = this.stats();
    const elapsedMs = Math.max(1, now - this.rateBase.at);
    const m = this.metrics.sample();
    const metrics = {
      units: this.fleet.units.length,
      rate_hz: this.config.rateHz,
      seq: s.lastSeq,
      ticks_per_s: perSecond(s.clock.ticks - this.rateBase.ticks, elapsedMs),
      overruns: s.clock.overruns,
      skipped_ticks: s.clock.skipped,
      max_late_ms: s.clock.maxLateMs,
      tick_cost_ms: this.tickCostMs,
      msgs_out_per_s: perSecond(s.link.published - this.rateBase.published, elapsedMs),
      msgs_acked: s.link.acked,
      offline_buffered: s.link.buffered,
      offline_dropped: s.link.droppedOffline,
      inflight: s.link.inflight,
      skipped: s.link.skipped,
      publish_errors: s.link.publishErrors,
      commands: s.commands.received,
      commands_rejected: s.commands.rejected,
      connected: s.link.connected ? 1 : 0,
      ...m,
    };
    this.rateBase = { at: now, ticks: s.clock.ticks, published: s.link.published };
    this.lastReport = { component: 'simulator', instance: this.instance, ts: Math.round(now), metrics };
    this.link?.publish({
      topic: topics.health('simulator', this.instance),
      payload: encodeHealth(this.lastReport),
      qos: 0,
      retain: true,
    });
  }
}
