/**
 * MQTT 3.1.1 CONNECT conformance (§3.1.2–3.1.4, and §1.5.3 for the strings a CONNECT carries):
 * one table of hand-built CONNECT packets written to a raw TCP socket, run unchanged against
 * our broker and against Debian's Mosquitto. Each row names the rule and what the server must
 * do: answer with a CONNACK return code, and keep or close the connection.
 *
 * Both brokers take anonymous clients and know the user `viewer` (a users file for ours, a
 * mosquitto_passwd file for Mosquitto), so a row expects the same of both unless it says
 * otherwise in `mosquitto` (a place where Mosquitto answers differently; ours follows the spec).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { chmod } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { requireBinary, sleep, startMosquitto, tempDir, waitFor } from '@kpp/testkit';
import { brokerConfig, createBroker, type KppBroker } from '../../src/index.js';
import { RawMqttClient } from './support/raw-mqtt.js';
import { credentials, startTestBroker } from './support/test-broker.js';

// ---- Hand-built packets -------------------------------------------------------------------

/** A length-prefixed field (§1.5.3 strings, §3.1.3.4 binary data) from raw bytes. */
const field = (bytes: Buffer | string): Buffer => {
  const body = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  const len = Buffer.alloc(2);
  len.writeUInt16BE(body.length);
  return Buffer.concat([len, body]);
};

/** Fixed header + remaining length (§2.2.3) + body. */
const packet = (firstByte: number, body: Buffer): Buffer => {
  const len: number[] = [];
  let n = body.length;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    len.push(b);
  } while (n > 0);
  return Buffer.concat([Buffer.from([firstByte, ...len]), body]);
};

const FLAG = {
  cleanSession: 0x02,
  will: 0x04,
  willQos1: 0x08,
  willQos2: 0x10,
  willRetain: 0x20,
  password: 0x40,
  username: 0x80,
  reserved: 0x01,
} as const;

interface ConnectSpec {
  /** First byte of the fixed header (CONNECT: 0x10, flags 0 [MQTT-2.2.2-2]). */
  header?: number;
  protocolName?: Buffer | string;
  level?: number;
  /** Connect flags; derived from the fields below when absent. */
  flags?: number;
  /** Added to the derived flags (to set one the fields do not imply). */
  extraFlags?: number;
  cleanSession?: boolean;
  keepalive?: number;
  clientId?: Buffer | string;
  will?: { topic: Buffer | string; payload: Buffer };
  username?: Buffer | string;
  password?: Buffer;
}

/** A CONNECT exactly as described: nothing is checked, so rows can break any rule. */
function connectPacket(spec: ConnectSpec): Buffer {
  const derived =
    (spec.cleanSession === false ? 0 : FLAG.cleanSession) |
    (spec.will ? FLAG.will : 0) |
    (spec.username !== undefined ? FLAG.username : 0) |
    (spec.password !== undefined ? FLAG.password : 0);
  const flags = (spec.flags ?? derived) | (spec.extraFlags ?? 0);
  const keepalive = Buffer.alloc(2);
  keepalive.writeUInt16BE(spec.keepalive ?? 60);
  const level = spec.level ?? 4;
  return packet(
    spec.header ?? 0x10,
    Buffer.concat([
      field(spec.protocolName ?? 'MQTT'),
      Buffer.from([level, flags]),
      keepalive,
      // MQTT 5 (§3.1.2.11 of 5.0): a properties length, none here.
      ...(level === 5 ? [Buffer.from([0])] : []),
      field(spec.clientId ?? 'kpp-conformance'),
      ...(spec.will ? [field(spec.will.topic), field(spec.will.payload)] : []),
      ...(spec.username !== undefined ? [field(spec.username)] : []),
      ...(spec.password !== undefined ? [field(spec.password)] : []),
    ]),
  );
}

const PINGREQ = Buffer.from([0xc0, 0x00]);
const PINGRESP = Buffer.from([0xd0, 0x00]);
const SUBSCRIBE = packet(
  0x82,
  Buffer.concat([Buffer.from([0x00, 0x01]), field('a/b'), Buffer.from([0])]),
);
const PUBLISH_QOS0 = packet(0x30, Buffer.concat([field('a/b'), Buffer.from('x')]));

// ---- Observation --------------------------------------------------------------------------

/** What the server did: the CONNACK return code it sent (null: none), and whether it still serves. */
interface Outcome {
  connack: number | null;
  open: boolean;
}

/** Long enough for a loaded CI machine; only a failing row ever waits this long. */
const WAIT_MS = 8000;

/**
 * Writes `first`, waits for a CONNACK or the close; after CONNACK 0 writes `then` (if any) and
 * a PINGREQ, and the connection counts as open only if the PINGRESP comes back.
 */
async function observe(
  port: number,
  first: Buffer,
  { then, byteByByte = false }: { then?: Buffer; byteByByte?: boolean } = {},
): Promise<Outcome> {
  const socket: Socket = connect(port, '127.0.0.1');
  let received = Buffer.alloc(0);
  let closed = false;
  socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  socket.on('error', () => undefined);
  socket.on('close', () => (closed = true));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    if (byteByByte) {
      socket.setNoDelay(true);
      for (const byte of first) {
        socket.write(Buffer.from([byte]));
        await sleep(2);
      }
    } else socket.write(first);
    await waitFor(() => closed || received.length >= 4, {
      timeoutMs: WAIT_MS,
      intervalMs: 5,
      what: 'CONNACK or close',
    });
    if (received.length > 0 && received[0] !== 0x20)
      throw new Error(`expected CONNACK, got packet type 0x${received[0]!.toString(16)}`);
    const connack = received.length >= 4 ? received[3]! : null;
    if (connack === 0 && !closed) {
      if (then) socket.write(then);
      socket.write(PINGREQ);
      await waitFor(
        () => closed || (received.length > 4 && received.subarray(-2).equals(PINGRESP)),
        {
          timeoutMs: WAIT_MS,
          intervalMs: 5,
          what: 'PINGRESP or close',
        },
      );
    } else if (!closed) {
      // A refusing server closes the connection after its CONNACK [MQTT-3.2.2-5].
      await waitFor(() => closed, { timeoutMs: WAIT_MS, intervalMs: 5, what: 'close' }).catch(
        () => undefined,
      );
    }
    return { connack, open: !closed };
  } finally {
    socket.destroy();
  }
}

// ---- The table ----------------------------------------------------------------------------

interface Row {
  rule: string;
  what: string;
  connect: ConnectSpec | Buffer;
  /** Sent after CONNACK 0 (before the liveness PINGREQ). */
  then?: Buffer;
  /** The first packet written one byte at a time (a slow link). */
  byteByByte?: boolean;
  expect: Outcome;
  /** Mosquitto's own answer where it differs from the spec (ours must follow the spec). */
  mosquitto?: Outcome;
}

const ACCEPTED: Outcome = { connack: 0, open: true };
const CLOSED: Outcome = { connack: null, open: false };
const refused = (code: number): Outcome => ({ connack: code, open: false });

const WILL = { topic: 'kpp/conformance/will', payload: Buffer.from('gone') };
const ALNUM23 = 'aZ09bY18cX27dW36eV45fU5';
const viewer = credentials('viewer');

const ROWS: Row[] = [
  { rule: '3.1', what: 'a well-formed CONNECT is accepted', connect: {}, expect: ACCEPTED },
  {
    rule: 'MQTT-3.1.0-1',
    what: 'first packet PINGREQ, not CONNECT: closed',
    connect: PINGREQ,
    expect: CLOSED,
  },
  {
    rule: 'MQTT-3.1.0-1',
    what: 'first packet PUBLISH, not CONNECT: closed',
    connect: PUBLISH_QOS0,
    expect: CLOSED,
  },
  {
    rule: 'MQTT-3.1.0-1',
    what: 'first packet SUBSCRIBE, not CONNECT: closed',
    connect: SUBSCRIBE,
    expect: CLOSED,
  },
  {
    rule: 'MQTT-3.1.0-2',
    what: 'a second CONNECT on the connection: closed',
    connect: {},
    then: connectPacket({}),
    expect: { connack: 0, open: false },
  },
  {
    rule: 'MQTT-3.1.2-1',
    what: 'protocol name "MQTX": closed (no CONNACK)',
    connect: { protocolName: 'MQTX' },
    expect: CLOSED,
  },
  {
    rule: 'MQTT-3.1.2-1',
    what: 'protocol name "mqtt" (case matters): closed',
    connect: { protocolName: 'mqtt' },
    expect: CLOSED,
  },
  {
    rule: 'MQTT-3.1.2-2',
    what: 'protocol level 6: CONNACK 0x01, closed',
    connect: { level: 6 },
    expect: refused(1),
  },
  {
    rule: 'MQTT-3.1.2-2',
    what: 'protocol level 0: CONNACK 0x01, closed',
    connect: { level: 0 },
    expect: refused(1),
  },
  {
    rule: 'MQTT-2.2.2-2',
    what: 'CONNECT fixed header flags not 0: closed',
    connect: { header: 0x12 },
    expect: CLOSED,
  },
  {
    rule: '3.1',
    what: 'CONNECT written one byte at a time: accepted',
    connect: {},
    byteByByte: true,
    expect: ACCEPTED,
  },
  {
    rule: '3.1',
    what: 'CONNECT and PINGREQ in one segment: accepted',
    connect: Buffer.concat([connectPacket({}), PINGREQ]),
    expect: ACCEPTED,
  },
  {
    rule: '3.1.3.3',
    what: 'will message of 20 000 bytes (3-byte remaining length): accepted',
    connect: { will: { topic: 'kpp/conformance/will', payload: Buffer.alloc(20_000, 0x61) } },
    expect: ACCEPTED,
  },
  {
    rule: 'MQTT-3.1.2-2',
    what: 'protocol level 5 (MQTT 5): CONNACK 0x01, closed; Mosquitto speaks MQTT 5 and accepts',
    connect: { level: 5 },
    expect: refused(1),
    mosquitto: ACCEPTED,
  },
  {
    rule: '3.2.2.3',
    what: 'wrong password: CONNACK 0x04 (bad user name or password), closed; Mosquitto answers 0x05 (not authorized), which the table also allows',
    connect: { username: viewer.username, password: Buffer.from('not-the-password') },
    expect: refused(4),
    mosquitto: refused(5),
  },
  {
    rule: 'MQTT-3.1.2-3',
    what: 'reserved connect flag set: closed',
    connect: { extraFlags: FLAG.reserved },
    expect: CLOSED,
  },
  {
    rule: 'MQTT-3.1.2-8',
    what: 'will flag with will topic and message: accepted',
    connect: { will: WILL, extraFlags: FLAG.willQos1 },
    expect: ACCEPTED,
  },
  {
    rule: 'MQTT-3.1.2-11',
    what: 'will QoS 1 without the will flag: closed',
    connect: { extraFlags: FLAG.willQos1 },
    expect: CLOSED,
  },
  {
    rule: 'MQTT-3.1.2-13',
    what: 'will QoS 2 without the will flag: closed',
    connect: { extraFlags: FLAG.willQos2 },
    expect: CLOSED,
  },
  {
    rule: 'MQTT-3.1.2-14',
    what: 'will QoS 3: closed',
    connect: { will: WILL, extraFlags: FLAG.willQos1 | FLAG.willQos2 },
    expect: CLOSED,
  },
  {
    rule: 'MQTT-3.1.2-15',
    what: 'will retain without the will flag: closed',
    connect: { extraFlags: FLAG.willRetain },
    expect: CLOSED,
  },
  {
    rule: 'MQTT-3.1.2-22',
    what: 'password flag without the user name flag: closed',
    connect: { password: Buffer.from('secret') },
    expect: CLOSED,
  },
  {
    rule: 'MQTT-3.1.2-18/19',
    what: 'user name and password of a known user: accepted',
    connect: { username: viewer.username, password: Buffer.from(viewer.password) },
    expect: ACCEPTED,
  },
  {
    rule: 'MQTT-3.1.2-24',
    what: 'keepalive 0 (no keepalive): accepted',
    connect: { keepalive: 0 },
    expect: ACCEPTED,
  },
  {
    rule: 'MQTT-3.1.3-3',
    what: 'client id truncated (payload shorter than its length): closed',
    connect: packet(
      0x10,
      Buffer.concat([
        field('MQTT'),
        Buffer.from([4, FLAG.cleanSession, 0, 60, 0, 10]),
        Buffer.from('abc'),
      ]),
    ),
    expect: CLOSED,
  },
  {
    rule: 'MQTT-3.1.3-5',
    what: 'client id of 23 characters 0-9a-zA-Z, persistent session: accepted',
    connect: { clientId: ALNUM23, cleanSession: false },
    expect: ACCEPTED,
  },
  {
    rule: 'MQTT-3.1.3-6/7',
    what: 'empty client id with CleanSession=1: accepted (the server assigns one)',
    connect: { clientId: '' },
    expect: ACCEPTED,
  },
  {
    rule: 'MQTT-3.1.3-8',
    what: 'empty client id with CleanSession=0: CONNACK 0x02, closed',
    connect: { clientId: '', cleanSession: false },
    expect: refused(2),
  },
  {
    rule: 'MQTT-1.5.3-1',
    what: 'client id ill-formed UTF-8 (lone continuation byte): closed',
    connect: { clientId: Buffer.from([0x6b, 0x80, 0x70]) },
    expect: CLOSED,
  },
  {
    rule: 'MQTT-1.5.3-1',
    what: 'client id ill-formed UTF-8 (encoded surrogate U+D800): closed',
    connect: { clientId: Buffer.from([0x6b, 0xed, 0xa0, 0x80]) },
    expect: CLOSED,
  },
  {
    rule: 'MQTT-1.5.3-1',
    what: 'will topic ill-formed UTF-8 (overlong "/"): closed',
    connect: { will: { topic: Buffer.from([0x61, 0xc0, 0xaf]), payload: Buffer.from('x') } },
    expect: CLOSED,
  },
  {
    rule: 'MQTT-1.5.3-1',
    what: 'user name ill-formed UTF-8 (truncated sequence): closed',
    connect: { username: Buffer.from([0x76, 0xe2, 0x82]), password: Buffer.from('x') },
    expect: CLOSED,
  },
  {
    rule: 'MQTT-1.5.3-2',
    what: 'client id with U+0000: closed',
    connect: { clientId: Buffer.from([0x6b, 0x00, 0x70]) },
    expect: CLOSED,
  },
];

// ---- Targets ------------------------------------------------------------------------------

interface Target {
  port: number;
  stop(): Promise<void>;
}

const run = promisify(execFile);

const TARGETS: [name: 'ours' | 'mosquitto', start: () => Promise<Target>][] = [
  [
    'ours',
    async () => {
      const b = await startTestBroker({ id: 'conformance', allowAnonymousRead: true });
      return { port: b.ports.mqttPort, stop: b.stop };
    },
  ],
  [
    'mosquitto',
    async () => {
      const dir = await tempDir('kpp-conformance-');
      const passwords = join(dir.path, 'passwords');
      await run(requireBinary('mosquitto_passwd'), [
        '-b',
        '-c',
        passwords,
        viewer.username,
        viewer.password,
      ]);
      // Run as root, mosquitto drops to its own user before it reads the file.
      await chmod(dir.path, 0o755);
      await chmod(passwords, 0o644);
      const m = await startMosquitto({ config: [`password_file ${passwords}`] });
      return {
        port: m.port,
        stop: async () => {
          await m.stop();
          await dir.remove();
        },
      };
    },
  ],
];

describe.each(TARGETS)('MQTT 3.1.1 CONNECT conformance: %s', (name, start) => {
  let target: Target;
  beforeAll(async () => {
    target = await start();
  });
  afterAll(async () => {
    await target?.stop();
  });

  it.each(ROWS)('[$rule] $what', async (row) => {
    const first = Buffer.isBuffer(row.connect) ? row.connect : connectPacket(row.connect);
    const outcome = await observe(target.port, first, row);
    const expected = name === 'mosquitto' && row.mosquitto ? row.mosquitto : row.expect;
    expect(outcome).toEqual(expected);
  });

  it('[MQTT-3.1.4-2] a second client with the same client id takes over: the first is closed', async () => {
    const first = await RawMqttClient.open(target.port);
    try {
      first.sendConnect('kpp-takeover');
      expect(await first.connack()).toBe(0);
      expect(await observe(target.port, connectPacket({ clientId: 'kpp-takeover' }))).toEqual(
        ACCEPTED,
      );
      await waitFor(() => first.closed, { timeoutMs: WAIT_MS, what: 'the first client closed' });
    } finally {
      first.destroy();
    }
  });
});

describe('our broker: CONNECT refusals are counted and logged', () => {
  const lines: Record<string, unknown>[] = [];
  let broker: KppBroker;
  let port: number;
  let wsUrl: string;
  beforeAll(async () => {
    const config = brokerConfig({
      mqttPort: 0,
      wsPort: 0,
      httpPort: 0,
      id: 'conformance-log',
      allowAnonymousRead: true,
      connectTimeoutMs: 500,
    });
    if (!config.ok) throw new Error(config.reason.message);
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    broker = createBroker(config.value, { logger: pino({ level: 'info' }, sink) });
    const ports = await broker.start();
    port = ports.mqttPort;
    wsUrl = `ws://127.0.0.1:${ports.wsPort}/mqtt`;
  });
  afterAll(() => broker?.stop());

  const counters = () => broker.stats().counters;
  const logged = (rule: string) => lines.filter((l) => l.rule === rule).length;

  it('an MQTT 5 client (mqtt.js over TCP and WebSocket, mosquitto_sub -V mqttv5) gets CONNACK 1: unsupported_protocol', async () => {
    const before = counters().rejected.unsupported_protocol;
    for (const url of [`mqtt://127.0.0.1:${port}`, wsUrl]) {
      const err = await mqtt
        .connectAsync(url, { protocolVersion: 5, reconnectPeriod: 0, connectTimeout: 10_000 })
        .then(
          (c) => c.endAsync().then(() => undefined),
          (e: Error) => e,
        );
      expect(err?.message).toMatch(/unacceptable protocol version/i);
    }
    const v5 = ['-V', 'mqttv5', '-h', '127.0.0.1', '-p', String(port), '-t', 'kpp/v1/#', '-C', '1'];
    const sub = await run(requireBinary('mosquitto_sub'), v5).then(
      () => ({ stderr: 'exited 0' }),
      (e: { stderr: string }) => e,
    );
    expect(sub.stderr).toMatch(/Unsupported Protocol Version/);
    expect(counters().rejected.unsupported_protocol - before).toBe(3);
    expect(logged('MQTT-3.1.2-2')).toBe(3);
    expect(lines.find((l) => l.rule === 'MQTT-3.1.2-2')).toMatchObject({
      detail: 'MQTT 5 is not supported (MQTT 3.1.1 only)',
      connack: 1,
    });
  });

  it('an empty client id with CleanSession=0 is counted as identifier_rejected', async () => {
    const before = counters().rejected.identifier_rejected;
    const outcome = await observe(port, connectPacket({ clientId: '', cleanSession: false }));
    expect(outcome).toEqual(refused(2));
    expect(counters().rejected.identifier_rejected - before).toBe(1);
    expect(logged('MQTT-3.1.3-8')).toBe(1);
  });

  it('a malformed CONNECT and a CONNECT that never comes count as protocol_error', async () => {
    const before = counters().disconnects.protocol_error;
    expect(await observe(port, connectPacket({ password: Buffer.from('x') }))).toEqual(CLOSED);
    // Half a CONNECT, then silence: closed once connectTimeoutMs has passed.
    expect(await observe(port, connectPacket({}).subarray(0, 6))).toEqual(CLOSED);
    expect(counters().disconnects.protocol_error - before).toBe(2);
    expect(logged('MQTT-3.1.2-22')).toBe(1);
  });
});
