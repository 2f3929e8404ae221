/**
 * Must show 1 (and 5's broker side): third-party MQTT 3.1.1 tools and mqtt.js work against the
 * broker. One conformance suite, run unchanged per target: Aedes over TCP, Aedes over
 * WebSocket, Aedes over TLS (mqtts + wss) and Debian's Mosquitto as the reference.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import {
  decodeClock,
  decodeFrame,
  decodeMeta,
  encodeClock,
  encodeMeta,
  topics,
} from '@kpp/protocol';
import { requireBinary, startMosquitto, startProcess, type ManagedProcess } from '@kpp/testkit';
import { credentials, startTestBroker } from './support/test-broker.js';
import { frameJson } from './support/frames.js';

const CERT = fileURLToPath(new URL('./fixtures/test-cert.pem', import.meta.url));
const KEY = fileURLToPath(new URL('./fixtures/test-key.pem', import.meta.url));

type Role = 'sim' | 'viewer' | 'ops';

interface Target {
  /** For mqtt.js (the transport under test). */
  url: string;
  mqttOptions: IClientOptions;
  /** For mosquitto_sub / mosquitto_pub (always MQTT over TCP or TLS). */
  cliArgs: string[];
  /** Credentials per role; none for an anonymous reference broker. */
  auth(role: Role): { username: string; password: string } | undefined;
  stop(): Promise<void>;
}

const TARGETS: [string, () => Promise<Target>][] = [
  [
    'Aedes over TCP',
    async () => {
      const b = await startTestBroker({ id: 'interop-tcp' });
      return {
        url: b.tcpUrl,
        mqttOptions: {},
        cliArgs: ['-h', '127.0.0.1', '-p', String(b.ports.mqttPort)],
        auth: credentials,
        stop: b.stop,
      };
    },
  ],
  [
    'Aedes over WebSocket',
    async () => {
      const b = await startTestBroker({ id: 'interop-ws' });
      return {
        url: b.wsUrl,
        mqttOptions: {},
        cliArgs: ['-h', '127.0.0.1', '-p', String(b.ports.mqttPort)],
        auth: credentials,
        stop: b.stop,
      };
    },
  ],
  [
    'Aedes over TLS (mqtts and wss)',
    async () => {
      const b = await startTestBroker({ id: 'interop-tls', tlsCert: CERT, tlsKey: KEY });
      const { readFileSync } = await import('node:fs');
      return {
        url: `wss://localhost:${b.ports.wsPort}/mqtt`,
        mqttOptions: { ca: readFileSync(CERT), rejectUnauthorized: true },
        cliArgs: ['-h', 'localhost', '-p', String(b.ports.mqttPort), '--cafile', CERT],
        auth: credentials,
        stop: b.stop,
      };
    },
  ],
  [
    'Mosquitto (reference)',
    async () => {
      const m = await startMosquitto();
      return {
        url: m.url,
        mqttOptions: {},
        cliArgs: ['-h', '127.0.0.1', '-p', String(m.port)],
        auth: () => undefined,
        stop: m.stop,
      };
    },
  ],
];

const authArgs = (a: { username: string; password: string } | undefined) =>
  a ? ['-u', a.username, '-P', a.password] : [];

async function runToExit(proc: ManagedProcess, timeoutMs: number): Promise<number | null> {
  const timer = setTimeout(() => proc.signal('SIGKILL'), timeoutMs);
  try {
    return await proc.exited;
  } finally {
    clearTimeout(timer);
  }
}

describe.each(TARGETS)('interop: %s', (_name, startTarget) => {
  let target: Target;
  const clients: MqttClient[] = [];
  const procs: ManagedProcess[] = [];
  const connectAs = async (role: Role) => {
    const c = await mqtt.connectAsync(target.url, {
      ...target.mqttOptions,
      ...target.auth(role),
      reconnectPeriod: 0,
      connectTimeout: 10_000,
    });
    clients.push(c);
    return c;
  };
  const mosquitto = async (bin: 'mosquitto_sub' | 'mosquitto_pub', role: Role, args: string[]) => {
    const p = await startProcess(bin, requireBinary(bin), {
      args: [...target.cliArgs, '-V', 'mqttv311', ...authArgs(target.auth(role)), ...args],
    });
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    target = await startTarget();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await Promise.all(procs.map((p) => p.kill()));
    await target?.stop();
  });

  // The lead extends this one with the real simulator as publisher (see the broker report).
  it("mosquitto_sub -t 'kpp/v1/units/+/frame' prints the JSON frames (in-test publisher, stand-in for the simulator)", async () => {
    const sub = await mosquitto('mosquitto_sub', 'viewer', [
      '-t',
      topics.allFrames(),
      '-q',
      '1',
      '-C',
      '10',
    ]);
    const pub = await connectAs('sim');
    let seq = 0;
    // Publish until mosquitto_sub has printed its 10 frames: no guessing when its SUBACK came.
    const timer = setInterval(() => {
      seq++;
      for (const unit of ['u1', 'u2'])
        pub.publish(topics.frame(unit), frameJson(unit, seq), { qos: 1 });
    }, 50);
    const code = await runToExit(sub, 20_000).finally(() => clearInterval(timer));
    expect({ code, output: sub.output }).toMatchObject({ code: 0 });
    const lines = sub.output.trim().split('\n');
    expect(lines).toHaveLength(10);
    const frames = lines.map((l) => decodeFrame(l));
    for (const f of frames) expect(f.ok).toBe(true);
    const units = new Set(frames.map((f) => (f.ok ? f.value.unit : '')));
    expect([...units].sort()).toEqual(['u1', 'u2']);
  });

  it('delivers retained state, meta and clock on subscribe (mosquitto_sub and mqtt.js)', async () => {
    const pub = await connectAs('sim');
    const ts = Date.now();
    await pub.publishAsync(topics.state('u7'), frameJson('u7', 42, ts), { qos: 1, retain: true });
    await pub.publishAsync(topics.meta('u7'), encodeMeta('u7'), { qos: 1, retain: true });
    await pub.publishAsync(
      topics.clock(),
      encodeClock({ seq: 42, ts, rate_hz: 10, started_at: ts - 4200 }),
      { qos: 0, retain: true },
    );
    // QoS 0 carries no ack: a QoS 1 publish after it on the same connection is processed after it.
    await pub.publishAsync(topics.frame('u7'), frameJson('u7', 43, ts + 100), { qos: 1 });

    const wanted = [topics.state('u7'), topics.meta('u7'), topics.clock()];
    const sub = await mosquitto('mosquitto_sub', 'viewer', [
      ...wanted.flatMap((t) => ['-t', t]),
      '-v',
      '-C',
      '3',
      '-q',
      '1',
    ]);
    expect(await runToExit(sub, 15_000)).toBe(0);
    const got = new Map(
      sub.output
        .trim()
        .split('\n')
        .map(
          (line) => [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)] as const,
        ),
    );
    expect([...got.keys()].sort()).toEqual([...wanted].sort());
    expect(decodeFrame(got.get(topics.state('u7')) ?? '', { expectedUnit: 'u7' })).toMatchObject({
      ok: true,
      value: { seq: 42 },
    });
    expect(decodeMeta(got.get(topics.meta('u7')) ?? '').ok).toBe(true);
    expect(decodeClock(got.get(topics.clock()) ?? '')).toMatchObject({
      ok: true,
      value: { seq: 42, rate_hz: 10 },
    });

    const viewer = await connectAs('viewer');
    const retained = new Map<string, boolean>();
    viewer.on('message', (topic, _payload, packet) => retained.set(topic, packet.retain));
    await viewer.subscribeAsync(wanted, { qos: 1 });
    const deadline = Date.now() + 10_000;
    while (retained.size < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(Object.fromEntries(retained)).toEqual(Object.fromEntries(wanted.map((t) => [t, true])));
  });

  it('mosquitto_pub reaches an mqtt.js subscriber (an operator command, QoS 1)', async () => {
    const sim = await connectAs('sim');
    const got: string[] = [];
    sim.on('message', (topic, payload) => got.push(`${topic} ${payload.toString()}`));
    await sim.subscribeAsync(topics.cmd('u1'), { qos: 1 });
    const cmd = JSON.stringify({ id: 'c1', cmd: 'pause' });
    const pub = await mosquitto('mosquitto_pub', 'ops', [
      '-t',
      topics.cmd('u1'),
      '-m',
      cmd,
      '-q',
      '1',
    ]);
    expect(await runToExit(pub, 10_000)).toBe(0);
    const deadline = Date.now() + 10_000;
    while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual([`${topics.cmd('u1')} ${cmd}`]);
  });
});
