import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { KppError } from '@kpp/protocol';
import {
  findBinary,
  freePort,
  launchInfluxd,
  startProcess,
  type ManagedProcess,
} from '@kpp/runtime';
import { startKpp } from '../stack/kpp-process.js';
import { makeUsers } from '../stack/users.js';
import { Component, type UnexpectedExit } from './component.js';
import { NetworkGate } from './network-gate.js';

/** The four processes faults are injected into. */
export const COMPONENTS = ['simulator', 'broker', 'writer', 'influxd'] as const;
export type ComponentName = (typeof COMPONENTS)[number];

export interface StackOptions {
  /** Where data, spool, publish log and process logs go. */
  dir: string;
  units: number;
  rateHz: number;
  /**
   * Broker in Redis cluster mode (sessions, subscriptions and queued QoS 1 messages in a
   * redis-server that outlives the broker process). Without it a killed broker forgets the
   * writer's session and what was queued for it.
   */
  redis: boolean;
  onUnexpectedExit?: (exit: UnexpectedExit) => void;
}

export interface StackPorts {
  influxHttp: number;
  influxRpc: number;
  mqtt: number;
  ws: number;
  http: number;
  gate: number;
  redis: number | undefined;
}

/**
 * The KPP pipeline as separate processes on fixed loopback ports: a real influxd, `kpp broker`
 * (with a redis-server in cluster mode), `kpp writer` and `kpp sim`, the clients reaching the
 * broker through a NetworkGate. Each process can be killed, stopped and started again.
 */
export class Stack {
  readonly components: Record<ComponentName, Component>;
  readonly gate: NetworkGate;
  readonly publishLogPath: string;
  readonly deadLetterPath: string;
  private redisProc: ManagedProcess | undefined;
  private stopping = false;

  private constructor(
    readonly options: StackOptions,
    readonly ports: StackPorts,
    private readonly launchers: Record<ComponentName, () => Promise<ManagedProcess>>,
    private readonly launchRedis: (() => Promise<ManagedProcess>) | undefined,
  ) {
    const logs = join(options.dir, 'logs');
    // Nothing starts again once the stack is stopping (a fault or the supervisor racing an interrupt).
    const launch = (name: ComponentName) => () =>
      this.stopping
        ? Promise.reject(new KppError('CLOSED', `${name}: the stack is stopping`))
        : launchers[name]();
    const make = (name: ComponentName) =>
      new Component(name, launch(name), join(logs, `${name}.log`), options.onUnexpectedExit);
    this.components = {
      simulator: make('simulator'),
      broker: make('broker'),
      writer: make('writer'),
      influxd: make('influxd'),
    };
    this.gate = new NetworkGate(ports.gate, { host: '127.0.0.1', port: ports.mqtt });
    this.publishLogPath = join(options.dir, 'published.log');
    this.deadLetterPath = join(options.dir, 'writer', 'dead-letter.jsonl');
  }

  get influxUrl(): string {
    return `http://127.0.0.1:${this.ports.influxHttp}`;
  }

  /** The broker itself, bypassing the gate: for monitoring that network faults must not blind. */
  get brokerUrl(): string {
    return `mqtt://127.0.0.1:${this.ports.mqtt}`;
  }

  get redisPid(): number | undefined {
    return this.redisProc?.running ? this.redisProc.pid : undefined;
  }

  /** Pids of everything running now, by name (redis included). */
  pids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const name of COMPONENTS) {
      const pid = this.components[name].pid;
      if (pid !== undefined) out[name] = pid;
    }
    if (this.redisPid !== undefined) out.redis = this.redisPid;
    return out;
  }

  static async create(options: StackOptions): Promise<Stack> {
    const influxd = findBinary('influxd');
    if (!influxd) throw new KppError('NOT_INSTALLED', 'influxd is not installed (apt-get install influxdb)');
    const redisBin = options.redis ? findBinary('redis-server') : undefined;
    if (options.redis && !redisBin)
      throw new KppError('NOT_INSTALLED', 'redis-server is not installed (apt-get install redis-server)');
    const { dir } = options;
    await mkdir(join(dir, 'logs'), { recursive: true });
    await mkdir(join(dir, 'writer'), { recursive: true });
    const ports: StackPorts = {
      influxHttp: await freePort(),
      influxRpc: await freePort(),
      mqtt: await freePort(),
      ws: await freePort(),
      http: await freePort(),
      gate: await freePort(),
      redis: options.redis ? await freePort() : undefined,
    };
    const users = await makeUsers(dir);
    const gateUrl = `mqtt://127.0.0.1:${ports.gate}`;
    const launchers: Record<ComponentName, () => Promise<ManagedProcess>> = {
      influxd: () =>
        launchInfluxd({
          bin: influxd,
          dir: join(dir, 'influxdb'),
          httpPort: ports.influxHttp,
          rpcPort: ports.influxRpc,
          timeoutMs: 60_000,
        }),
      broker: () =>
        startKpp(
          'kpp broker',
          [
            'broker',
            '--id',
            'chaos',
            '--mqtt-port',
            String(ports.mqtt),
            '--ws-port',
            String(ports.ws),
            '--http-port',
            String(ports.http),
            '--users-file',
            users.usersFile,
            '--allow-anonymous-read',
            'true',
            '--connect-rate-per-second',
            '1000',
            '--connect-burst',
            '1000',
            ...(ports.redis !== undefined
              ? ['--redis-url', `redis://127.0.0.1:${ports.redis}`]
              : []),
          ],
          { readyWhen: /"msg":"broker started"/, timeoutMs: 30_000 },
        ),
      writer: () =>
        startKpp(
          'kpp writer',
          [
            'writer',
            '--mqtt-url',
            gateUrl,
            '--influx-url',
            `http://127.0.0.1:${ports.influxHttp}`,
            '--spool-dir',
            join(dir, 'writer', 'spool'),
            '--dead-letter-file',
            join(dir, 'writer', 'dead-letter.jsonl'),
            '--client-id',
            'chaos-writer',
          ],
          {
            env: {
              KPP_WRITER_MQTT_USERNAME: users.writer.username,
              KPP_WRITER_MQTT_PASSWORD: users.writer.password,
            },
            readyWhen: /"msg":"writer started"/,
            timeoutMs: 60_000,
          },
        ),
      simulator: () =>
        startKpp(
          'kpp sim',
          [
            'sim',
            '--mqtt-url',
            gateUrl,
            '--units',
            String(options.units),
            '--rate',
            String(options.rateHz),
            '--client-id',
            'chaos-sim',
            '--publish-log',
            join(dir, 'published.log'),
          ],
          {
            env: { KPP_SIM_USERNAME: users.sim.username, KPP_SIM_PASSWORD: users.sim.password },
            readyWhen: /"msg":"simulator started"/,
            timeoutMs: 30_000,
          },
        ),
    };
    const launchRedis = redisBin
      ? () =>
          startProcess('redis-server', redisBin, {
            args: [
              '--port',
              String(ports.redis),
              '--bind',
              '127.0.0.1',
              '--save',
              '',
              '--appendonly',
              'no',
              '--dir',
              dir,
            ],
            readyWhen: /Ready to accept connections/,
          })
      : undefined;
    return new Stack(options, ports, launchers, launchRedis);
  }

  /** Starts everything in dependency order; the writer subscribes before the simulator publishes. */
  async start(): Promise<void> {
    if (this.launchRedis) this.redisProc = await this.launchRedis();
    await this.components.influxd.start();
    await this.components.broker.start();
    await this.gate.open();
    await this.components.writer.start();
    await waitUntil(
      () => this.components.writer.output().includes('"msg":"connected to MQTT broker"'),
      30_000,
      'writer to connect',
    );
    await this.components.simulator.start();
  }

  /** Stops whatever runs, in reverse order, gracefully (the writer flushes into InfluxDB). */
  async stop(): Promise<void> {
    this.stopping = true;
    const c = this.components;
    for (const comp of [c.simulator, c.writer]) {
      comp.resume();
      await comp.terminate(20_000).catch(() => undefined);
    }
    await this.gate.stop();
    for (const comp of [c.broker, c.influxd]) {
      comp.resume();
      await comp.terminate(20_000).catch(() => undefined);
    }
    const redis = this.redisProc;
    if (redis?.running) {
      await redis.stop().catch(() => undefined);
      await appendFile(join(this.options.dir, 'logs', 'redis.log'), redis.output).catch(
        () => undefined,
      );
    }
  }
}

/**
 * A stack whose processes' exits on their own are collected (and said), and which is stopped
 * when `signal` aborts; `release()` drops that listener once the run is over.
 */
export async function startWatchedStack(
  options: Omit<StackOptions, 'onUnexpectedExit'>,
  say: (line: string) => void,
  signal: AbortSignal | undefined,
): Promise<{ stack: Stack; unexpected: UnexpectedExit[]; release(): void }> {
  const unexpected: UnexpectedExit[] = [];
  const stack = await Stack.create({
    ...options,
    onUnexpectedExit: (exit) => {
      unexpected.push(exit);
      say(
        `!! ${exit.component} (pid ${exit.pid}) ${exit.during === 'run' ? 'exited by itself' : 'did not stop cleanly'}: exit code ${exit.code}`,
      );
    },
  });
  const onAbort = () => {
    say('interrupted: stopping every process');
    void stack.stop();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  return { stack, unexpected, release: () => signal?.removeEventListener('abort', onAbort) };
}

export async function waitUntil(
  check: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline)
      throw new KppError('START_TIMEOUT', `timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
