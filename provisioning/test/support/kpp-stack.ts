/**
 * The KPP stack in this process, writing into a real influxd: @kpp/broker (with accounts per
 * role, so its health reaches InfluxDB like in `kpp up`), @kpp/writer (v1 API) and
 * @kpp/simulator services that tests start and stop at will.
 */
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { destination, pino } from 'pino';
import { brokerConfig, createBroker, hashPassword, staticUserStore, type KppBroker, type Role, type UserRecord } from '@kpp/broker';
import { encodeFrame, topics, type CommandAck, type Command } from '@kpp/protocol';
import { Fleet, SimulatorService, simulatorConfigSchema, tickStamp, type SimulatorConfig, type SimulatorDeps } from '@kpp/simulator';
import { startInfluxd, tempDir, waitFor, type Influxd, type TempDir } from '@kpp/testkit';
import { createWriter, writerConfigSchema, type Writer } from '@kpp/writer';

export type TimeSource = NonNullable<SimulatorDeps['clock']>;
/** A command without its id (the stack numbers them). */
export type CommandBody = Command extends infer C ? (C extends Command ? Omit<C, 'id'> : never) : never;

/** One account per role; the password is `<name>-password`. */
const ACCOUNTS: Record<string, Role> = { sim: 'simulator', writer: 'writer', ops: 'operator', viewer: 'viewer' };
export const passwordOf = (user: string) => `${user}-password`;
const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };

/** Logs to stderr with KPP_TEST_LOG=info (or debug), silent otherwise. */
export const testLogger = () => pino({ level: process.env.KPP_TEST_LOG ?? 'silent' }, destination(2));

export interface KppStack {
  influxd: Influxd;
  broker: KppBroker;
  mqttUrl: string;
  /** The broker's MQTT-over-WebSocket port. */
  wsPort: number;
  dir: TempDir;
  writer: Writer | undefined;
  sims: Map<string, SimulatorService>;
  startWriter(): Promise<Writer>;
  stopWriter(): Promise<void>;
  startSim(instance: string, over?: Partial<SimulatorConfig>, time?: TimeSource): Promise<SimulatorService>;
  stopSim(instance: string): Promise<void>;
  /** Sends a command as the operator and waits for its ack. */
  command(unit: string, cmd: CommandBody): Promise<CommandAck>;
  /** Publishes raw bytes on a topic as `user` (QoS 1). */
  publishAs(user: string, topic: string, payload: string): Promise<void>;
  stop(): Promise<void>;
}

const connect = (url: string, user: string): Promise<MqttClient> =>
  mqtt.connectAsync(url, { protocolVersion: 4, username: user, password: passwordOf(user), clientId: `test-${user}-${process.pid}-${Math.random().toString(16).slice(2, 8)}`, reconnectPeriod: 0 });

export async function startKppStack(): Promise<KppStack> {
  const [influxd, dir, users] = await Promise.all([
    startInfluxd(),
    tempDir('kpp-provisioning-it-'),
    Promise.all(Object.entries(ACCOUNTS).map(async ([name, role]) => [name, { role, password: await hashPassword(passwordOf(name), TEST_SCRYPT) }] as const)),
  ]);
  const config = brokerConfig({ mqttPort: 0, wsPort: 0, httpPort: 0, id: 'b1', healthIntervalMs: 1000 });
  if (!config.ok) throw new Error(config.reason.message);
  const logger = testLogger();
  const broker = createBroker(config.value, { logger, users: staticUserStore(Object.fromEntries(users) as Record<string, UserRecord>) });
  const ports = await broker.start();
  const mqttUrl = `mqtt://127.0.0.1:${ports.mqttPort}`;
  const ops = await connect(mqttUrl, 'ops');
  const acks = new Map<string, (ack: CommandAck) => void>();
  ops.on('message', (_topic, payload) => {
    const ack = JSON.parse(payload.toString()) as CommandAck;
    acks.get(ack.id)?.(ack);
  });
  await ops.subscribeAsync(topics.cmdAck('+'), { qos: 1 });
  const others = new Map<string, MqttClient>();
  let seq = 0;

  const stack: KppStack = {
    influxd,
    broker,
    mqttUrl,
    wsPort: ports.wsPort,
    dir,
    writer: undefined,
    sims: new Map(),
    async startWriter() {
      if (stack.writer) throw new Error('writer already running');
      const writer = createWriter(
        writerConfigSchema.parse({
          mqttUrl,
          mqttUsername: 'writer',
          mqttPassword: passwordOf('writer'),
          influxApi: 'v1',
          influxUrl: influxd.url,
          db: 'kpp',
          spoolDir: join(dir.path, 'spool'),
          deadLetterFile: join(dir.path, 'dead-letter.jsonl'),
          instance: 'w1',
          flushIntervalMs: 250,
          retryMaxDelayMs: 1000,
        }),
        { logger },
      );
      await writer.start();
      await waitFor(() => writer.stats().mqttConnected && writer.stats().bootstrapped, { what: 'writer connected and bootstrapped' });
      stack.writer = writer;
      return writer;
    },
    async stopWriter() {
      const w = stack.writer;
      stack.writer = undefined;
      await w?.stop();
    },
    async startSim(instance, over = {}, time) {
      if (stack.sims.has(instance)) throw new Error(`simulator ${instance} already running`);
      const sim = new SimulatorService(
        simulatorConfigSchema.parse({ mqttUrl, username: 'sim', password: passwordOf('sim'), instance, units: 3, rateHz: 10, ...over }),
        { logger, ...(time ? { clock: time } : {}) },
      );
      await sim.start();
      stack.sims.set(instance, sim);
      await waitFor(() => sim.stats().link.connected, { what: `simulator ${instance} connected` });
      return sim;
    },
    async stopSim(instance) {
      const sim = stack.sims.get(instance);
      stack.sims.delete(instance);
      await sim?.stop();
    },
    async command(unit, cmd) {
      const id = `t${++seq}`;
      const acked = new Promise<CommandAck>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ack for ${JSON.stringify(cmd)} on ${unit}`)), 5000);
        acks.set(id, (ack) => {
          clearTimeout(timer);
          acks.delete(id);
          resolve(ack);
        });
      });
      await ops.publishAsync(topics.cmd(unit), JSON.stringify({ id, ...cmd }), { qos: 1 });
      return acked;
    },
    async publishAs(user, topic, payload) {
      let client = others.get(user);
      if (!client) {
        client = await connect(mqttUrl, user);
        others.set(user, client);
      }
      await client.publishAsync(topic, payload, { qos: 1 });
    },
    async stop() {
      for (const id of [...stack.sims.keys()]) await stack.stopSim(id);
      await stack.stopWriter();
      await ops.endAsync(true);
      for (const c of others.values()) await c.endAsync(true);
      await broker.stop();
      await influxd.stop();
      await dir.remove();
    },
  };
  return stack;
}

/** A real frame of `unit` at `ts` with one field of the wrong type: the writer must reject it. */
export function malformedFrame(unit: string, ts: number): string {
  const [frame] = new Fleet({ units: 1, unitPrefix: unit.slice(0, 1), seed: 1 }).tick(tickStamp(0, ts, 10), 0);
  const json = JSON.parse(encodeFrame({ ...frame!, unit })) as Record<string, unknown>;
  json.p_el_w = 'a lot';
  return JSON.stringify(json);
}

/**
 * Simulated time that runs `speed` times faster than the wall clock from `startMs`: the master
 * clock ticks (and stamps frames) at simulated instants, so a fault that takes minutes to
 * develop does so in seconds, with frames whose `ts` are real epoch times in the past.
 */
export function fastTime(startMs: number, speed: number): TimeSource & { speed: number } {
  const wall0 = performance.now();
  return {
    speed,
    now: () => startMs + (performance.now() - wall0) * speed,
    setTimeout: (fn, ms) => setTimeout(fn, ms / speed),
    clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
  };
}
