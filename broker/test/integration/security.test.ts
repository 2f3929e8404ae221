/**
 * Must show 2: anonymous and wrong-password connections refused, ACL enforced (forbidden
 * publishes acknowledged, dropped and counted; forbidden subscriptions SUBACK 0x80), oversize
 * payloads disconnect only their sender, rapid connects are rate-limited, and garbage or
 * truncated packets on the TCP and WebSocket ports do not bring the broker down.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import WebSocket from 'ws';
import { topics } from '@kpp/protocol';
import { requireBinary, sleep, startProcess, tempDir, waitFor, type TempDir } from '@kpp/testkit';
import { FileUserStore, addUser, DROPPED_TOPIC } from '../../src/index.js';
import { RawMqttClient } from './support/raw-mqtt.js';
import {
  TEST_SCRYPT,
  TEST_USERS,
  credentials,
  passwordOf,
  startTestBroker,
  testLogger,
  type TestBroker,
} from './support/test-broker.js';
import { frameJson } from './support/frames.js';

const clients: MqttClient[] = [];
const raws: RawMqttClient[] = [];
async function connectAs(
  b: TestBroker,
  user: string | undefined,
  transport: 'tcp' | 'ws' = 'tcp',
): Promise<MqttClient> {
  const c = await mqtt.connectAsync(transport === 'tcp' ? b.tcpUrl : b.wsUrl, {
    ...(user ? credentials(user) : {}),
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  clients.push(c);
  return c;
}
async function raw(port: number): Promise<RawMqttClient> {
  const c = await RawMqttClient.open(port);
  raws.push(c);
  return c;
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  for (const r of raws.splice(0)) r.destroy();
});

/** Collects messages; `settle` waits for a marker published after everything else, so "nothing else came" is known, not guessed. */
function collector(c: MqttClient) {
  const got: { topic: string; payload: string }[] = [];
  c.on('message', (topic, payload) => {
    // The broker's own retained health report is not part of any test's traffic.
    if (!topic.startsWith('kpp/v1/health/broker/'))
      got.push({ topic, payload: payload.toString() });
  });
  return {
    got,
    async settle(publisher: MqttClient, markerTopic: string) {
      const marker = `marker-${Math.random()}`;
      await publisher.publishAsync(markerTopic, marker, { qos: 1 });
      await waitFor(() => got.some((m) => m.payload === marker), { what: 'marker message' });
      return got.filter((m) => m.payload !== marker);
    },
  };
}

describe('authentication and access control (users file on disk)', () => {
  let dir: TempDir;
  let b: TestBroker;
  beforeAll(async () => {
    dir = await tempDir('kpp-broker-security-');
    const usersFile = join(dir.path, 'users.json');
    for (const [name, role] of Object.entries(TEST_USERS))
      await addUser(usersFile, name, passwordOf(name), role, { scrypt: TEST_SCRYPT });
    b = await startTestBroker(
      { id: 'security', usersFile },
      new FileUserStore(usersFile, testLogger()),
    );
  });
  afterAll(async () => {
    await b?.stop();
    await dir?.remove();
  });

  it('refuses anonymous clients: CONNACK 5, and mosquitto_pub fails', async () => {
    const anon = await raw(b.ports.mqttPort);
    anon.sendConnect('anon-1');
    expect(await anon.connack()).toBe(5);
    const pub = await startProcess('mosquitto_pub', requireBinary('mosquitto_pub'), {
      args: [
        '-h',
        '127.0.0.1',
        '-p',
        String(b.ports.mqttPort),
        '-V',
        'mqttv311',
        '-t',
        topics.cmd('u1'),
        '-m',
        '{}',
        '-q',
        '1',
      ],
    });
    expect(await pub.exited).not.toBe(0);
    expect(pub.output).toMatch(/not authori[sz]ed/i);
    expect(b.broker.stats().counters.rejected.not_authorized).toBe(2);
  });

  it('refuses a wrong password and an unknown user: CONNACK 4', async () => {
    const before = b.broker.stats().counters.rejected.bad_credentials;
    const wrong = await raw(b.ports.mqttPort);
    wrong.sendConnect('wrong-1', { username: 'viewer', password: 'not-the-password' });
    const unknown = await raw(b.ports.mqttPort);
    unknown.sendConnect('unknown-1', { username: 'nobody', password: 'whatever-password' });
    expect([await wrong.connack(), await unknown.connack()]).toEqual([4, 4]);
    const sub = await startProcess('mosquitto_sub', requireBinary('mosquitto_sub'), {
      args: [
        '-h',
        '127.0.0.1',
        '-p',
        String(b.ports.mqttPort),
        '-V',
        'mqttv311',
        '-u',
        'viewer',
        '-P',
        'nope',
        '-t',
        '#',
        '-C',
        '1',
      ],
    });
    expect(await sub.exited).not.toBe(0);
    expect(sub.output).toMatch(/bad user ?name or password/i);
    expect(b.broker.stats().counters.rejected.bad_credentials - before).toBe(3);
    const good = await raw(b.ports.mqttPort);
    good.sendConnect('good-1', credentials('viewer'));
    expect(await good.connack()).toBe(0);
  });

  it('drops (and counts) a viewer publishing to cmd, frame or clock; the viewer stays connected', async () => {
    const admin = await connectAs(b, 'admin');
    const seen = collector(admin);
    await admin.subscribeAsync('#', { qos: 1 });
    const before = b.broker.stats().counters.dropped.forbidden;
    const viewer = await connectAs(b, 'viewer', 'ws');
    // PUBACKs arrive: MQTT 3.1.1 has no negative acknowledgement (see authorize-publish.ts).
    await viewer.publishAsync(topics.cmd('u1'), JSON.stringify({ id: 'x', cmd: 'stop' }), {
      qos: 1,
    });
    await viewer.publishAsync(topics.frame('u1'), frameJson('u1', 1), { qos: 1 });
    await viewer.publishAsync(topics.clock(), '{"forged":true}', { qos: 1, retain: true });
    await viewer.publishAsync(topics.frame('u1'), frameJson('u1', 2), { qos: 0 });
    const sim = await connectAs(b, 'sim');
    const leaked = await seen.settle(sim, topics.frame('u1'));
    expect(leaked).toEqual([]);
    expect(b.broker.stats().counters.dropped.forbidden - before).toBe(4);
    expect(viewer.connected).toBe(true);
    // The forged clock was not retained either.
    const late = await connectAs(b, 'viewer');
    const lateSeen = collector(late);
    await late.subscribeAsync(topics.clock(), { qos: 1 });
    expect(await lateSeen.settle(sim, topics.clock())).toEqual([]);
  });

  it('lets each role publish only where its ACL says', async () => {
    const admin = await connectAs(b, 'admin');
    const seen = collector(admin);
    await admin.subscribeAsync('kpp/v1/#', { qos: 1 });
    const ops = await connectAs(b, 'ops');
    const writer = await connectAs(b, 'writer');
    await ops.publishAsync(topics.cmd('u1'), '{"id":"a","cmd":"pause"}', { qos: 1 }); // allowed
    await ops.publishAsync(topics.frame('u1'), frameJson('u1', 3), { qos: 1 }); // forbidden
    await writer.publishAsync(topics.health('writer', 'w1'), '{"ok":1}', { qos: 0 }); // allowed
    await writer.publishAsync(topics.health('broker', 'w1'), '{"ok":1}', { qos: 1 }); // forbidden
    const got = await seen.settle(await connectAs(b, 'sim'), topics.clock());
    expect(got.map((m) => m.topic).sort()).toEqual(
      [topics.cmd('u1'), topics.health('writer', 'w1')].sort(),
    );
    expect(got.every((m) => m.topic !== DROPPED_TOPIC)).toBe(true);
  });

  it('checks wills against the role at CONNECT: a forbidden will never goes out, an allowed one does', async () => {
    const admin = await connectAs(b, 'admin');
    const seen = collector(admin);
    await admin.subscribeAsync('kpp/v1/#', { qos: 1 });
    const before = b.broker.stats().counters.dropped.forbidden;
    const withWill = async (user: string, topic: string) => {
      const c = await raw(b.ports.mqttPort);
      c.send({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: `will-${user}`,
        clean: true,
        keepalive: 60,
        username: user,
        password: Buffer.from(passwordOf(user)),
        will: { topic, payload: Buffer.from(`will of ${user}`), qos: 1, retain: false },
      });
      expect(await c.connack()).toBe(0);
      c.destroy(); // no DISCONNECT: the will is due
    };
    await withWill('viewer', topics.cmd('u1'));
    await withWill('sim', topics.state('u3'));
    await waitFor(() => seen.got.some((m) => m.payload === 'will of sim'), {
      what: 'the allowed will',
    });
    const got = await seen.settle(await connectAs(b, 'sim'), topics.clock());
    expect(got).toEqual([{ topic: topics.state('u3'), payload: 'will of sim' }]);
    expect(b.broker.stats().counters.dropped.forbidden - before).toBe(1);
  });

  it('answers a forbidden subscription with SUBACK 0x80 and counts it', async () => {
    const before = b.broker.stats().counters.subscribeDenied.forbidden;
    const viewer = await raw(b.ports.mqttPort);
    viewer.sendConnect('viewer-sub', credentials('viewer'));
    expect(await viewer.connack()).toBe(0);
    viewer.send({
      cmd: 'subscribe',
      messageId: 7,
      subscriptions: [
        { topic: 'kpp/v1/#', qos: 1 },
        { topic: '#', qos: 0 },
        { topic: '$SYS/#', qos: 0 },
        { topic: DROPPED_TOPIC, qos: 0 },
      ],
    });
    const suback = await waitFor(() => viewer.packets.find((p) => p.cmd === 'suback'), {
      what: 'SUBACK',
    });
    expect((suback as { granted: number[] }).granted).toEqual([1, 128, 128, 128]);
    expect(b.broker.stats().counters.subscribeDenied.forbidden - before).toBe(3);
  });
});

describe('anonymous read-only (allowAnonymousRead)', () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startTestBroker({ id: 'anon-read', allowAnonymousRead: true });
  });
  afterAll(() => b?.stop());

  it('lets anonymous clients subscribe but never publish', async () => {
    const anon = await connectAs(b, undefined, 'ws');
    const seen = collector(anon);
    await anon.subscribeAsync('kpp/v1/#', { qos: 1 });
    await anon.publishAsync(topics.cmd('u1'), '{"id":"z","cmd":"stop"}', { qos: 1 });
    await anon.publishAsync(topics.frame('u1'), frameJson('u1', 1), { qos: 0 });
    const sim = await connectAs(b, 'sim');
    await sim.publishAsync(topics.frame('u2'), frameJson('u2', 1), { qos: 1 });
    const got = await seen.settle(sim, topics.clock());
    expect(got.map((m) => m.topic)).toEqual([topics.frame('u2')]);
    expect(b.broker.stats().counters.dropped.forbidden).toBe(2);
  });
});

describe('limits', () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startTestBroker({
      id: 'limits',
      maxTopicLevels: 8,
      maxClients: 50,
      keepaliveMaxSeconds: 1,
      keepaliveMinSeconds: 1,
      connectTimeoutMs: 1000,
      connectBurst: 10_000,
    });
  });
  afterAll(() => b?.stop());

  it.each(['tcp', 'ws'] as const)(
    'disconnects a client sending an oversize payload over %s; others keep receiving',
    async (transport) => {
      const limit = 256 * 1024;
      const viewer = await connectAs(b, 'viewer');
      const seen = collector(viewer);
      await viewer.subscribeAsync('kpp/v1/#', { qos: 1 });
      const sim = await connectAs(b, 'sim');
      let seq = 0;
      const steady = setInterval(
        () => sim.publish(topics.frame('u1'), frameJson('u1', ++seq), { qos: 1 }),
        20,
      );
      try {
        const big = await connectAs(b, 'sim', transport);
        const closed = new Promise<void>((resolve) => big.once('close', () => resolve()));
        const before = b.broker.stats().counters.disconnects.oversize;
        await waitFor(() => seen.got.length >= 5, { what: 'steady frames before' });
        big.publish(topics.frame('u9'), Buffer.alloc(limit + 1, 0x41), { qos: 0 });
        await closed;
        expect(b.broker.stats().counters.disconnects.oversize - before).toBe(1);
        const count = seen.got.length;
        await waitFor(() => seen.got.length >= count + 10, {
          what: 'frames after the oversize client was dropped',
        });
      } finally {
        clearInterval(steady);
      }
      const got = await seen.settle(sim, topics.clock());
      expect(got.filter((m) => m.topic === topics.frame('u9'))).toEqual([]);
      // A payload at the limit is fine.
      const ok = await connectAs(b, 'sim', transport);
      await ok.publishAsync(topics.frame('u8'), Buffer.alloc(limit, 0x41), { qos: 1 });
      await waitFor(() => seen.got.some((m) => m.topic === topics.frame('u8')), {
        what: 'the payload at the limit',
      });
      expect(ok.connected).toBe(true);
    },
  );

  it('drops publishes and refuses subscriptions deeper than maxTopicLevels', async () => {
    const deep = 'kpp/v1/units/u1/frame/a/b/c/d';
    const admin = await connectAs(b, 'admin');
    const seen = collector(admin);
    await admin.subscribeAsync('kpp/v1/#', { qos: 1 });
    await admin.publishAsync(deep, 'x', { qos: 1 });
    expect(await seen.settle(admin, topics.clock())).toEqual([]);
    expect(b.broker.stats().counters.dropped.topic_levels).toBe(1);
    const granted = await admin
      .subscribeAsync(deep, { qos: 0 })
      .catch((err: { packet?: { granted: number[] } }) => err.packet?.granted);
    expect(granted).toEqual([128]);
  });

  it('refuses clients over maxClients with CONNACK 3', async () => {
    const before = b.broker.stats().counters.rejected.max_clients;
    const open: RawMqttClient[] = [];
    for (let i = 0; open.length < 60; i++) {
      const c = await raw(b.ports.mqttPort);
      c.sendConnect(`many-${i}`, credentials('viewer'));
      open.push(c);
    }
    const codes = await Promise.all(open.map((c) => c.connack()));
    const refused = codes.filter((c) => c === 3).length;
    expect(codes.filter((c) => c === 0).length).toBeLessThanOrEqual(50);
    expect(refused).toBeGreaterThanOrEqual(10);
    expect(b.broker.stats().counters.rejected.max_clients - before).toBe(refused);
  });

  it('clamps keepalive: a silent client that asked for none is dropped after 1.5 × keepaliveMaxSeconds', async () => {
    const before = b.broker.stats().counters.disconnects.keepalive_timeout;
    const silent = await raw(b.ports.mqttPort);
    // Timed from before CONNECT, so a stall of this process cannot shorten what is measured.
    const t0 = Date.now();
    silent.sendConnect('silent', credentials('viewer'), 0);
    expect(await silent.connack()).toBe(0);
    await waitFor(() => silent.closed, { timeoutMs: 10_000, what: 'keepalive disconnect' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1450);
    expect(b.broker.stats().counters.disconnects.keepalive_timeout - before).toBe(1);
  });
});

describe('connection rate limit', () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startTestBroker({
      id: 'ratelimit',
      allowAnonymousRead: true,
      connectRatePerSecond: 20,
      connectBurst: 40,
    });
  });
  afterAll(() => b?.stop());

  it('admits a burst and then the configured rate out of 1000 rapid connects from one address', async () => {
    const t0 = Date.now();
    const outcomes: (number | 'closed')[] = [];
    for (let wave = 0; wave < 10; wave++) {
      const batch = await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const c = await raw(b.ports.mqttPort);
          c.sendConnect(`rapid-${wave}-${i}`);
          const code = await c.connack();
          c.destroy();
          return code;
        }),
      );
      outcomes.push(...batch);
    }
    const elapsedS = (Date.now() - t0) / 1000;
    const admitted = outcomes.filter((o) => o === 0).length;
    const refused = outcomes.filter((o) => o === 'closed').length;
    console.log(
      `rate limit: 1000 connects in ${elapsedS.toFixed(2)} s, ${admitted} admitted, ${refused} refused`,
    );
    expect(admitted + refused).toBe(1000);
    expect(admitted).toBeGreaterThanOrEqual(40);
    expect(admitted).toBeLessThanOrEqual(40 + Math.ceil(20 * elapsedS) + 1);
    expect(b.broker.stats().counters.rejected.rate_limited).toBe(refused);

    // WebSocket upgrades from the same address share the bucket: refused with 429. More than
    // the bucket's burst, so that a stall refilling it cannot admit them all.
    const statuses = await Promise.all(
      Array.from(
        { length: 100 },
        () =>
          new Promise<number>((resolve) => {
            const ws = new WebSocket(b.wsUrl, 'mqtt');
            ws.on('open', () => {
              ws.close();
              resolve(101);
            });
            ws.on('unexpected-response', (_req, res) => {
              resolve(res.statusCode ?? 0);
              ws.terminate();
            });
            ws.on('error', () => undefined);
          }),
      ),
    );
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);

    // Once the bucket refills, the same address is served again.
    await sleep(1000);
    const later = await connectAs(b, 'viewer');
    expect(later.connected).toBe(true);
  });
});

describe('garbage and truncated packets', () => {
  let b: TestBroker;
  beforeAll(async () => {
    b = await startTestBroker({
      id: 'garbage',
      connectTimeoutMs: 1000,
      connectRatePerSecond: 10_000,
      connectBurst: 10_000,
    });
  });
  afterAll(() => b?.stop());

  let seed = 12345;
  const randomBytes = (n: number) =>
    Buffer.from(
      Array.from(
        { length: n },
        () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 8) & 0xff,
      ),
    );
  const connectPacket = mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clientId: 'trunc',
    clean: true,
    keepalive: 30,
    username: 'sim',
    password: Buffer.from(passwordOf('sim')),
  });
  const publishPacket = mqttPacket.generate({
    cmd: 'publish',
    topic: topics.frame('u1'),
    payload: Buffer.from(frameJson('u1', 1)),
    qos: 1,
    messageId: 3,
    retain: false,
    dup: false,
  });

  /** Writes `chunks` to a raw socket on `port`, then leaves it open for `holdMs` (or ends it). */
  function sendRaw(port: number, chunks: Buffer[], end: boolean): Promise<void> {
    return new Promise((resolve) => {
      const s = netConnect(port, '127.0.0.1');
      s.on('error', () => resolve());
      s.on('close', () => resolve());
      s.on('connect', () => {
        for (const c of chunks) s.write(c);
        if (end) s.end();
        setTimeout(() => s.destroy(), 3000);
      });
    });
  }

  function sendWs(url: string, messages: Buffer[]): Promise<void> {
    return new Promise((resolve) => {
      const ws = new WebSocket(url, 'mqtt');
      ws.on('error', () => resolve());
      ws.on('close', () => resolve());
      ws.on('open', () => {
        for (const m of messages) ws.send(m);
        setTimeout(() => ws.terminate(), 3000);
      });
    });
  }

  it('survives random bytes and truncated packets on the TCP and WebSocket ports', async () => {
    const { mqttPort, wsPort } = b.ports;
    const cases: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      cases.push(sendRaw(mqttPort, [randomBytes(1 + ((i * 97) % 3000))], i % 2 === 0));
      cases.push(sendRaw(wsPort, [randomBytes(1 + ((i * 61) % 2000))], i % 2 === 0)); // not even HTTP
      cases.push(sendWs(b.wsUrl, [randomBytes(1 + ((i * 53) % 1500)), randomBytes(7)]));
    }
    const truncations = [
      connectPacket.subarray(0, 5),
      connectPacket.subarray(0, connectPacket.length - 1),
      Buffer.concat([connectPacket, publishPacket.subarray(0, 20)]),
      Buffer.concat([connectPacket, publishPacket.subarray(0, 2)]),
      Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]), // malformed remaining length
      publishPacket, // PUBLISH before CONNECT
      Buffer.concat([connectPacket, connectPacket]), // second CONNECT
      Buffer.concat([connectPacket, randomBytes(500)]),
    ];
    for (const t of truncations) {
      cases.push(sendRaw(mqttPort, [t], true));
      cases.push(sendRaw(mqttPort, [t], false)); // left hanging: the broker must time it out
      cases.push(sendWs(b.wsUrl, [t]));
      cases.push(sendWs(b.wsUrl, [t.subarray(0, 3), t.subarray(3)]));
    }
    // A WebSocket upgrade followed by bytes that are not WebSocket frames.
    cases.push(
      sendRaw(
        wsPort,
        [
          Buffer.from(
            `GET /mqtt HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n`,
          ),
          randomBytes(300),
        ],
        false,
      ),
    );
    await Promise.all(cases);

    // Still serving both transports, and every half-open connection got closed.
    for (const transport of ['tcp', 'ws'] as const) {
      const viewer = await connectAs(b, 'viewer', transport);
      const seen = collector(viewer);
      await viewer.subscribeAsync(topics.allFrames(), { qos: 1 });
      const sim = await connectAs(b, 'sim', transport === 'tcp' ? 'ws' : 'tcp');
      await sim.publishAsync(topics.frame('u1'), frameJson('u1', 5), { qos: 1 });
      expect((await seen.settle(sim, topics.frame('u2'))).length).toBe(1);
    }
    const stats = b.broker.stats();
    expect(stats.state).toBe('running');
    expect(stats.clients).toBe(4);
    expect(stats.counters.disconnects.protocol_error).toBeGreaterThan(50);
    expect(stats.counters.messagesIn).toBeGreaterThanOrEqual(4);
  });
});
