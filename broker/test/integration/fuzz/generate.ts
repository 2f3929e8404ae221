/**
 * Generators for the fuzz test: seeded, so a failing case reproduces from its seed and index.
 * Frames, health and commands are built from the protocol's catalogue and codecs, then broken
 * in ways that matter downstream (types, ranges, sizes, nesting, line-protocol special
 * characters); MQTT packets are built valid with mqtt-packet and then corrupted byte-wise.
 */
import mqttPacket, { type Packet } from 'mqtt-packet';
import {
  FIELD_CATALOGUE,
  FRAME_VERSION,
  TS_MAX_MS,
  TS_MIN_MS,
  UNIT_STATES,
  topics,
} from '@kpp/protocol';
import type { SeededRandom } from '@kpp/protocol';


/** Characters line protocol treats specially, and a few more that break naive escaping. */
export const LP_SPECIAL = [
  ' ',
  ',',
  '=',
  '"',
  "'",
  '\n',
  '\r',
  '\\',
  '\t',
  '#',
  '\u0000',
  '\u2028',
  'é',
  '😀',
];

/** Unit ids a topic may carry that are not valid unit ids (so the writer must refuse them). */
export function badUnitId(r: SeededRandom): string {
  const base = r.pick(['u1', 'f1', 'unit', 'x']);
  switch (r.int(8)) {
    case 0:
      return base + r.pick(LP_SPECIAL) + r.int(10);
    case 1:
      return r.pick(LP_SPECIAL) + base;
    case 2:
      return base.toUpperCase();
    case 3:
      return 'u'.repeat(33); // one too long
    case 4:
      return '';
    case 5:
      return '$' + base;
    case 6:
      return base + r.pick(['.', '-x-', '_', '~', '%20', '..', '\u200b']);
    default:
      return `${r.int(10)}${base}`; // must start with a letter
  }
}

export type Json = Record<string, unknown>;

/** A valid frame for `unit` at `ts`: every catalogue field in range, sensors sometimes dropped out. */
export function validFrame(r: SeededRandom, unit: string, ts: number): Json {
  const frame: Json = {
    v: FRAME_VERSION,
    unit,
    seq: r.int(2 ** 31),
    t: round3(r.next() * 1e6),
    ts,
  };
  for (const f of FIELD_CATALOGUE) {
    if (f.kind === 'enum') frame[f.name] = r.pick(f.values ?? UNIT_STATES);
    else if (f.kind === 'boolean') frame[f.name] = r.chance(0.5);
    else if (f.sensor && r.chance(0.1)) frame[f.name] = null;
    else {
      const pick = r.int(6);
      let v =
        pick === 0
          ? f.min
          : pick === 1
            ? f.max
            : pick === 2
              ? Math.min(f.max, Math.max(f.min, 0))
              : f.min + (f.max - f.min) * r.next();
      if (f.integer) v = Math.round(v);
      if (!f.integer && pick === 3) v = Number(v.toPrecision(1 + r.int(17)));
      frame[f.name] = Math.min(f.max, Math.max(f.min, v));
    }
  }
  return frame;
}

const WRONG_VALUES: unknown[] = [
  '12',
  'NaN',
  true,
  false,
  [],
  [1],
  {},
  { value: 1 },
  '',
  null,
  Infinity,
  -Infinity,
];

/** A frame broken in one of many ways (some of them may, rarely, still be valid: the test asks the protocol which). */
export function brokenFramePayload(r: SeededRandom, unit: string, ts: number): string | Buffer {
  const f = validFrame(r, unit, ts);
  const field = r.pick(FIELD_CATALOGUE);
  switch (r.int(22)) {
    case 0:
      delete f[r.pick(['v', 'unit', 'seq', 't', 'ts', field.name])];
      return JSON.stringify(f);
    case 1:
      f[`extra${r.pick(LP_SPECIAL)}`] = 1;
      return JSON.stringify(f);
    case 2:
      f[field.name] = r.pick(WRONG_VALUES);
      return JSON.stringify(f);
    case 3:
      if (field.kind === 'number')
        f[field.name] = r.chance(0.5) ? field.max * 2 + 1 : field.min - 1 - Math.abs(field.min);
      else f[field.name] = 'not-a-member';
      return JSON.stringify(f);
    case 4:
      f.state = r.pick(UNIT_STATES) + r.pick(LP_SPECIAL);
      return JSON.stringify(f);
    case 5:
      f.state = r.pick([
        'run ning',
        'a,b=c',
        '"quoted"',
        'x\\',
        'running\nkpp_unit,unit=u2 seq=1 1',
        '',
      ]);
      return JSON.stringify(f);
    case 6:
      f.unit = badUnitId(r);
      return JSON.stringify(f);
    case 7:
      f.unit = unit === 'f1' ? 'f2' : 'f1'; // payload and topic disagree
      return JSON.stringify(f);
    case 8:
      f.ts = r.pick([ts + 0.5, String(ts), TS_MIN_MS - 1, TS_MAX_MS + 1, -ts, null]);
      return JSON.stringify(f);
    case 9:
      f.seq = r.pick([-1, 1.5, 2 ** 53, '1', null]);
      return JSON.stringify(f);
    case 10:
      f.v = r.pick([0, 2, '1', null]);
      return JSON.stringify(f);
    case 11: // a field's value deeply nested
      f[field.name] = '__nest__';
      return JSON.stringify(f).replace(
        '"__nest__"',
        nestText(r.chance(0.3) ? 5000 : 1 + r.int(50)),
      );
    case 12:
      return nestText(1 + r.int(20_000)); // deeply nested, not an object
    case 13:
      return JSON.stringify(f) + ' '.repeat(16 * 1024); // valid JSON over the 16 KiB frame limit
    case 14:
      return JSON.stringify(f).slice(0, r.int(200));
    case 15:
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(f))]); // BOM
    case 16: {
      // invalid UTF-8 (an overlong NUL) inside a string field
      const text = JSON.stringify(f);
      const at = text.indexOf('"state":"') + 9;
      return Buffer.concat([
        Buffer.from(text.slice(0, at)),
        Buffer.from([0xc0, 0x80]),
        Buffer.from(text.slice(at)),
      ]);
    }
    case 17:
      return Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28]);
    case 18:
      return r.pick(['', 'null', '[]', '{}', '"frame"', '1', 'true', '{"unit":', '{}{}']);
    case 19:
      // Duplicate keys: JSON.parse keeps the last.
      return JSON.stringify(f).replace('{', `{"unit":"${badUnitId(r).replace(/["\\]/g, '')}",`);
    case 20:
      f[field.name] = 'x'.repeat(1 + r.int(3000));
      return JSON.stringify(f);
    default:
      return JSON.stringify(f).replace(`"ts":${ts}`, `"ts":${ts + 0.5},"ts":${ts}`); // duplicate key: the last wins
  }
}

function nestText(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** A valid health message of component/instance at ts. */
export function validHealth(r: SeededRandom, component: string, instance: string, ts: number): Json {
  const metrics: Record<string, number> = {};
  const n = 1 + r.int(12);
  for (let i = 0; i < n; i++) {
    const name = `${r.pick(['cpu', 'rss', 'lag', 'q', 'x'])}${r.pick(['', '_', '.', '-'])}${i}`;
    metrics[name] = r.pick([0, -0, 1, -1, 1e300, -1e-300, r.next() * 1e6, Number.MAX_SAFE_INTEGER]);
  }
  return { component, instance, ts, metrics };
}

export function brokenHealthPayload(
  r: SeededRandom,
  component: string,
  instance: string,
  ts: number,
): string {
  const h = validHealth(r, component, instance, ts);
  const metrics = h.metrics as Record<string, unknown>;
  switch (r.int(10)) {
    case 0:
      metrics[`bad${r.pick(LP_SPECIAL)}name`] = 1;
      break;
    case 1:
      metrics[r.pick(Object.keys(metrics))] = r.pick(['NaN', null, true, [], {}, '1']);
      break;
    case 2:
      h.component = component + 'x';
      break;
    case 3:
      h.instance = r.pick(LP_SPECIAL) + instance;
      break;
    case 4:
      h.ts = r.pick([null, 'now', ts + 0.25, -1]);
      break;
    case 5:
      for (let i = 0; i < 300; i++) metrics[`m${i}`] = i; // over the 256-metric limit
      break;
    case 6:
      h.metrics = r.pick([[], null, 1, 'x', { a: { b: 1 } }]);
      break;
    case 7:
      return JSON.stringify(h) + ' '.repeat(17 * 1024); // over the 16 KiB health limit
    case 8:
      (h as Json).extra = 1;
      break;
    default:
      metrics[''] = 1;
  }
  return JSON.stringify(h);
}

/** Commands: some valid, most not; nobody consumes them here (the broker just routes). */
export function commandPayload(r: SeededRandom): string {
  const id = r.chance(0.8) ? `c${r.int(1e6)}` : r.pick(['', 'x'.repeat(200), null, 1]);
  const cmd = r.pick([
    'start',
    'stop',
    'pause',
    'reset',
    'set',
    'inject_fault',
    'clear_fault',
    'explode',
    '',
    null,
  ]);
  const body: Json = { id, cmd };
  if (r.chance(0.5))
    body.params = r.pick([
      { target_speed_mps: 0.8 },
      { nope: 1 },
      [],
      'x',
      { a: 'b'.repeat(5000) },
    ]);
  if (r.chance(0.1)) return nestText(1000 + r.int(5000));
  return JSON.stringify(body);
}

/** Topic filters for SUBSCRIBE/UNSUBSCRIBE: wildcards in every legal and illegal place, `$`, the ACL's edges. */
export function topicFilter(r: SeededRandom): string {
  return r.pick([
    '#',
    '+',
    '+/+',
    '$SYS/#',
    '$kpp/#',
    topics.everything(),
    topics.allFrames(),
    'kpp/v1/units/#/frame', // # not last: invalid
    'kpp/v1/units/u+/frame', // + not a whole level: invalid
    'kpp/+/units/+/frame',
    '',
    '/',
    '//',
    'a/'.repeat(120) + 'b', // more levels than allowed
    `kpp/v1/units/${badUnitId(r)}/frame`,
    'kpp/v1/\u0000',
    'x'.repeat(70_000),
  ]);
}

/** Topics for PUBLISH, frames and otherwise; some contain wildcards or `$` (never allowed in PUBLISH). */
export function publishTopic(r: SeededRandom, unitPrefix: string): string {
  const unit = `${unitPrefix}${r.int(50)}`;
  return r.pick([
    topics.frame(unit),
    topics.frame(unit),
    topics.frame(unit),
    topics.frame(badUnitId(r)),
    topics.state(unit),
    topics.compact(unit),
    topics.cmd(unit),
    topics.clock(),
    topics.health('simulator', 's1'),
    `${topics.frame(unit)}/extra`,
    `kpp/v1/units/${unit}/FRAME`,
    `/${topics.frame(unit)}`,
    `$${topics.frame(unit)}`,
    '$SYS/broker/uptime',
    'kpp/v1/units/+/frame',
    'kpp/v1/#',
    '',
    'a/'.repeat(120) + 'b',
    `kpp/v1/units/${unit}${r.pick(LP_SPECIAL)}/frame`,
  ]);
}

/** A packet a connected client might send, valid by construction (mqtt-packet will generate it). */
export function validPacket(r: SeededRandom, payload: () => string | Buffer, unitPrefix: string): Packet {
  const messageId = 1 + r.int(65_535);
  switch (r.int(10)) {
    case 0:
    case 1:
    case 2:
    case 3: {
      const qos = r.pick([0, 1, 1, 2] as const);
      return {
        cmd: 'publish',
        topic: publishTopic(r, unitPrefix),
        payload: payload(),
        qos,
        retain: r.chance(0.1),
        dup: r.chance(0.1),
        ...(qos > 0 ? { messageId } : {}),
      } as Packet;
    }
    case 4:
      return {
        cmd: 'subscribe',
        messageId,
        subscriptions: Array.from({ length: 1 + r.int(3) }, () => ({
          topic: topicFilter(r),
          qos: r.pick([0, 1, 2] as const),
        })),
      } as Packet;
    case 5:
      return {
        cmd: 'unsubscribe',
        messageId,
        unsubscriptions: Array.from({ length: 1 + r.int(3) }, () => topicFilter(r)),
      } as Packet;
    case 6:
      return {
        cmd: r.pick(['puback', 'pubrec', 'pubrel', 'pubcomp'] as const),
        messageId,
      } as Packet;
    case 7:
      return { cmd: 'pingreq' };
    case 8:
      return connectPacket(r); // a second CONNECT is a protocol violation
    default:
      return {
        cmd: r.pick(['disconnect', 'pingresp', 'connack', 'suback'] as const),
        ...(r.chance(0.5) ? { messageId, granted: [0], returnCode: 0, sessionPresent: false } : {}),
      } as Packet;
  }
}

/** CONNECT packets, odd ones included (will on a wildcard topic, no client id with a persistent session, keepalive 0…). */
export function connectPacket(r: SeededRandom, auth?: { username: string; password: string }): Packet {
  return {
    cmd: 'connect',
    protocolId: r.chance(0.9) ? 'MQTT' : r.pick(['MQIsdp', 'MQTX', '']),
    protocolVersion: r.chance(0.9) ? 4 : r.pick([3, 5, 0, 7] as const),
    clientId: r.chance(0.8) ? `fz-${r.int(1e9)}` : r.pick(['', 'x'.repeat(300), '$sys', 'a/b#']),
    clean: r.chance(0.8),
    keepalive: r.pick([0, 1, 60, 65_535]),
    ...(auth
      ? { username: auth.username, password: Buffer.from(auth.password) }
      : r.chance(0.5)
        ? { username: r.pick(['sim', 'admin', 'nobody', '']) }
        : {}),
    ...(r.chance(0.2)
      ? {
          will: {
            topic: r.chance(0.5) ? topicFilter(r) : publishTopic(r, 'r'),
            payload: Buffer.from('bye'),
            qos: r.pick([0, 1, 2] as const),
            retain: r.chance(0.5),
          },
        }
      : {}),
  } as Packet;
}

/** The bytes of a packet, corrupted (or not) in one of several ways. */
export function packetBytes(r: SeededRandom, packet: Packet): Buffer {
  let bytes: Buffer;
  try {
    bytes = mqttPacket.generate(packet);
  } catch {
    bytes = Buffer.from([0x30, 0x00]);
  }
  if (r.chance(0.45)) return bytes;
  const b = Buffer.from(bytes);
  switch (r.int(9)) {
    case 0: // flip a few bytes
      for (let i = 0, n = 1 + r.int(4); i < n; i++)
        if (b.length > 0) b[r.int(b.length)] = r.int(256);
      return b;
    case 1: // truncate
      return b.subarray(0, r.int(b.length));
    case 2: // trailing garbage
      return Buffer.concat([b, randomBytes(r, 1 + r.int(64))]);
    case 3: // remaining length lies (up to the 4-byte maximum, 256 MB)
      return Buffer.concat([
        b.subarray(0, 1),
        Buffer.from(r.pick([[0xff, 0xff, 0xff, 0x7f], [0xff, 0xff, 0xff, 0xff], [0x80], [0x00]])),
        b.subarray(2),
      ]);
    case 4: // reserved packet types and flags
      b[0] = r.pick([0x00, 0xf0, 0x3f, 0x6f, 0x82, 0xa0, 0x31]);
      return b;
    case 5: // the same packet many times in one write
      return Buffer.concat(Array.from({ length: 2 + r.int(50) }, () => bytes));
    case 6:
      return randomBytes(r, 1 + r.int(200));
    case 7: // string lengths that overrun the packet
      if (b.length > 4) b.writeUInt16BE(0xffff, 2 + r.int(Math.max(1, b.length - 4)));
      return b;
    default: // insert a byte
      return Buffer.concat([
        b.subarray(0, r.int(b.length)),
        Buffer.from([r.int(256)]),
        b.subarray(r.int(b.length)),
      ]);
  }
}

export function randomBytes(r: SeededRandom, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = r.int(256);
  return out;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
