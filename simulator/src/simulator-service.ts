import { encodeHealth, topics, type HealthMessage } from '@kpp/protocol';
import { silentLogger, systemClock, type Clock, type Logger, type Service } from '@kpp/runtime';
import { MasterClock, TickSlices, type TickInfo } from './clock/index.js';
import { CommandChannel } from './commands/command-channel.js';
import { CommandDispatcher } from './commands/dispatcher.js';
import { shardOf, type Shard, type SimulatorConfig } from './config.js';
import { Fleet, type ParamsFile } from './fleet/index.js';
import { MqttOutput } from './mqtt/mqtt-output.js';
import { PublishPlan, type PlannedMessage } from './publish-plan.js';
import { SimulatorHealth, type SimulatorStats } from './simulator-health.js';

export interface SimulatorDeps {
  logger?: Logger;
  clock?: Clock;
  params?: ParamsFile;
}

export type { SimulatorStats };

/**
 * Units stepped and published per slice of a tick (see TickSlices). Small enough that the first
 * frames leave within a few ms of the tick, large enough that yielding costs nothing measurable.
 */
const SLICE_UNITS = 50;

/**
 * The running simulator: the master clock steps the fleet, the publish plan says what each
 * tick sends, and the MQTT output delivers it; commands and health ride the same output.
 */
export class SimulatorService implements Service {
  readonly name = 'simulator';
  readonly fleet: Fleet;
  readonly clock: MasterClock;
  readonly shard: Shard;
  /** The health instance and client id suffix: `instance`, or `instance-K` for shard K. */
  readonly instance: string;
  private readonly output: MqttOutput;
  private readonly plan: PublishPlan;
  private readonly dispatcher: CommandDispatcher;
  private readonly commands: CommandChannel;
  private readonly healthReports: SimulatorHealth;
  private readonly log: Logger;
  private readonly publish: (msg: PlannedMessage) => void;
  private readonly slices = new TickSlices();
  private healthTimer: NodeJS.Timeout | undefined;
  private lastSeq = -1;
  private tickCostMs = 0;

  constructor(
    readonly config: SimulatorConfig,
    deps: SimulatorDeps = {},
  ) {
    this.shard = shardOf(config);
    this.instance = this.shard.count > 1 ? `${config.instance}-${this.shard.index}` : config.instance;
    this.log = (deps.logger ?? silentLogger).child({ component: 'simulator', instance: this.instance });
    const clock = deps.clock ?? systemClock;
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
      clock,
      ...(config.clockEpochMs !== undefined ? { startedAtMs: config.clockEpochMs } : {}),
    });
    this.output = new MqttOutput(
      {
        mqttUrl: config.mqttUrl,
        clientId: `${config.clientId}-${this.instance}`,
        username: config.username,
        password: config.password,
        offlineBufferMessages: Math.ceil(config.offlineBufferSeconds * config.rateHz * this.fleet.units.length),
        maxInflight: config.maxInflight,
        stopDrainMs: config.stopDrainMs,
        publishLog: config.publishLog,
        framePaths: config.fleetBatch ? 2 : 1,
        // Twice the offline buffer's span: a message older than that was dropped, not delayed.
        frameHorizonTicks: Math.ceil(2 * config.offlineBufferSeconds * config.rateHz),
      },
      this.log,
    );
    this.publish = (msg) => this.output.publish(msg);
    this.plan = new PublishPlan({
      rateHz: config.rateHz,
      compact: config.compact,
      publishesClock: this.shard.index === 1,
      fleetBatchSource: config.fleetBatch ? this.instance : undefined,
    });
    // A shard answers for its own units; a unit no shard has is refused by shard 1 only.
    const answers = (id: string) => this.fleet.unit(id) !== undefined || (!this.fleet.inWholeFleet(id) && this.shard.index === 1);
    this.dispatcher = new CommandDispatcher((id) => this.fleet.unit(id), () => clock.now(), answers);
    this.commands = new CommandChannel(this.dispatcher, this.publish, this.log);
    this.healthReports = new SimulatorHealth(this.instance, { units: this.fleet.units.length, rateHz: config.rateHz }, clock);
  }

  async start(): Promise<void> {
    const { config } = this;
    this.output.open({
      onConnect: () => {
        this.plan.meta(this.fleet.unitIds, this.publish);
        this.output.subscribe(this.commands.filter);
      },
      onMessage: (topic, payload) => this.commands.onMessage(topic, payload),
    });
    this.clock.start();
    this.output.beginRun(this.clock.startedAtMs, config.rateHz);
    this.healthReports.begin();
    this.healthTimer = setInterval(() => this.publishHealth(), config.healthIntervalMs);
    this.log.info({ units: this.fleet.units.length, shard: `${this.shard.index}/${this.shard.count}`, rateHz: config.rateHz, startedAt: this.clock.startedAtMs }, 'simulator started');
  }

  async stop(): Promise<void> {
    this.clock.stop();
    this.slices.finish();
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.healthReports.stop();
    await this.output.close();
    this.log.info(this.stats(), 'simulator stopped');
  }

  health(): HealthMessage | undefined {
    return this.healthReports.latest();
  }

  stats(): SimulatorStats {
    return {
      clock: this.clock.stats(),
      link: this.output.stats(),
      commands: this.dispatcher.stats(),
      lastSeq: this.lastSeq,
    };
  }

  private onTick(tick: TickInfo): void {
    this.slices.start(this.tickSlices(tick));
  }

  /** One tick, SLICE_UNITS units per slice; its cost is the slices' own time, not the turns between. */
  private *tickSlices(tick: TickInfo): Generator<void> {
    const dtS = tick.seq === 0 ? 0 : (1 + tick.skipped) / this.config.rateHz;
    this.lastSeq = tick.seq;
    let cost = 0;
    let from = 0;
    for (;;) {
      const started = performance.now();
      const frames = this.fleet.tick(tick, dtS, from, from + SLICE_UNITS);
      this.plan.tick(tick, this.clock.startedAtMs, frames, this.publish, from);
      cost += performance.now() - started;
      from += SLICE_UNITS;
      if (from >= this.fleet.units.length) break;
      yield;
    }
    this.tickCostMs = cost;
  }

  private publishHealth(): void {
    const report = this.healthReports.report(this.stats(), this.tickCostMs);
    this.publish({ topic: topics.health('simulator', this.instance), payload: encodeHealth(report), qos: 0, retain: true });
  }
}
