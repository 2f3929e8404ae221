import { describe, expect, it } from '@jest/globals';
import {
  createCompactDecoder,
  createCompactEncoder,
  decodeCommand,
  decodeFrame,
  encodeCommand,
  encodeFrame,
  FIELD_CATALOGUE,
  MAX_COMMAND_BYTES,
  MAX_FRAME_BYTES,
  REJECTION_CODES,
  type Command,
  type Frame,
  type RejectionCode,
  type Result,
} from '../src/index.js';
import { seededRandom, type SeededRandom } from '../src/prng.js';
import { syntheticFrames } from './support/synthetic-frames.js';

/**
 * Generated malformed payloads: each mutation below is invalid by construction, so every case
 * must be rejected — with a known code, a message, and (where the mutation targets one field)
 * that field named — and nothing may throw. Seeded, so a failure reproduces exactly.
 */

interface Mutant {
  mutation: string;
  payload: string | Uint8Array;
  /** Acceptable codes (any listed); undefined = any rejection. */
  codes?: RejectionCode[];
  /** Text the message must contain (usually the field name). */
  names?: string;
}

type Json = Record<string, unknown>;

const CLOCK = ['v', 'unit', 'seq', 't', 'ts'];
const NUMBER_FIELDS = FIELD_CATALOGUE.filter((f) => f.kind === 'number');
const utf8 = new TextEncoder();

function randomBytes(r: SeededRandom, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = r.int(256);
  return out;
}

function nest(depth: number, inner: string, open = '[', close = ']'): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

/** Puts `text` as the raw JSON value of `key` (for values JSON.stringify cannot write). */
function withRawValue(obj: Json, key: string, text: string): string {
  const marker = '"__raw_marker__"';
  return JSON.stringify({ ...obj, [key]: '__raw_marker__' }).replace(marker, text);
}

const WRONG_FOR_NUMBER: unknown[] = [
  '12',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  true,
  false,
  [],
  [1],
  {},
  { value: 1 },
  '',
];
const WRONG_FOR_BOOLEAN: unknown[] = [0, 1, 'true', 'false', null, [], {}, [true]];
const WRONG_FOR_STRING: unknown[] = [0, 1.5, null, true, [], {}, ['running']];
const UNICODE_UNITS = [
  'ü1',
  '单元',
  'u1\u200b',
  'u\u00001',
  '😀',
  'U1',
  'u 1',
  '-u1',
  'u1/frame',
  'u'.repeat(33),
  '',
  'ｕ１',
];
const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
];

function frameMutants(r: SeededRandom, base: Frame): Mutant {
  const obj = { ...base } as unknown as Json;
  const text = encodeFrame(base);
  const field = r.pick(FIELD_CATALOGUE);
  const numberField = r.pick(NUMBER_FIELDS);
  switch (r.int(16)) {
    case 0: {
      const key = r.pick([...CLOCK, ...FIELD_CATALOGUE.map((f) => f.name)]);
      delete obj[key];
      return {
        mutation: 'drop field',
        payload: JSON.stringify(obj),
        codes: ['MISSING_FIELD'],
        names: key,
      };
    }
    case 1: {
      const wrong =
        field.kind === 'number'
          ? r.pick(WRONG_FOR_NUMBER)
          : field.kind === 'boolean'
            ? r.pick(WRONG_FOR_BOOLEAN)
            : r.pick(WRONG_FOR_STRING);
      obj[field.name] = wrong;
      return {
        mutation: 'wrong type',
        payload: JSON.stringify(obj),
        codes: ['WRONG_TYPE'],
        names: field.name,
      };
    }
    case 2: {
      const key = r.pick(['seq', 't', 'ts', 'unit']);
      obj[key] =
        key === 'unit'
          ? r.pick([1, null, true, ['u1'], { id: 'u1' }])
          : r.pick(['1', null, true, [], {}]);
      return {
        mutation: 'wrong clock type',
        payload: JSON.stringify(obj),
        codes: ['WRONG_TYPE'],
        names: key,
      };
    }
    case 3: {
      const literal = r.pick([
        'NaN',
        'Infinity',
        '-Infinity',
        'undefined',
        '0x10',
        '01',
        '.5',
        '+1',
        '1.',
        "'1'",
      ]);
      return {
        mutation: 'non-JSON number',
        payload: withRawValue(obj, numberField.name, literal),
        codes: ['NOT_JSON'],
      };
    }
    case 4: {
      const key = r.pick([numberField.name, 'seq', 't', 'ts', 'v']);
      return {
        mutation: 'overflow to Infinity',
        payload: withRawValue(obj, key, r.pick(['1e999', '-1e999', '9'.repeat(400)])),
        codes: ['NOT_FINITE'],
        names: key,
      };
    }
    case 5: {
      const up = r.next() < 0.5;
      obj[numberField.name] = up
        ? numberField.max + Math.max(1, Math.abs(numberField.max))
        : numberField.min - Math.max(1, Math.abs(numberField.min));
      return {
        mutation: 'out of range',
        payload: JSON.stringify(obj),
        codes: ['OUT_OF_RANGE'],
        names: numberField.name,
      };
    }
    case 6: {
      const depth = 1 + r.int(20000);
      const where = r.int(3);
      if (where === 0)
        return {
          mutation: 'nested array',
          payload: nest(depth, text),
          codes: depth * 2 + text.length > MAX_FRAME_BYTES ? ['OVERSIZE'] : ['NOT_OBJECT'],
        };
      if (where === 1)
        return {
          mutation: 'unbalanced nesting',
          payload: '['.repeat(depth),
          codes: depth > MAX_FRAME_BYTES ? ['OVERSIZE'] : ['NOT_JSON'],
        };
      const payload = withRawValue(obj, field.name, nest(depth, '1', '{"a":', '}'));
      return {
        mutation: 'nested value',
        payload,
        codes: utf8.encode(payload).length > MAX_FRAME_BYTES ? ['OVERSIZE'] : ['WRONG_TYPE'],
        names: payload.length > MAX_FRAME_BYTES ? undefined : field.name,
      };
    }
    case 7: {
      const n = r.int(3000);
      return { mutation: 'garbage bytes', payload: randomBytes(r, n) };
    }
    case 8: {
      const bytes = utf8.encode(text);
      return {
        mutation: 'truncated',
        payload: bytes.slice(0, r.int(bytes.length)),
        codes: ['NOT_JSON'],
      };
    }
    case 9: {
      const pad = MAX_FRAME_BYTES - text.length + 1 + r.int(50000);
      const payload =
        r.next() < 0.5 ? text + ' '.repeat(pad) : JSON.stringify({ ...obj, note: 'x'.repeat(pad) });
      return {
        mutation: 'oversize',
        payload: r.next() < 0.5 ? payload : utf8.encode(payload),
        codes: ['OVERSIZE'],
      };
    }
    case 10: {
      obj['unit'] = r.pick(UNICODE_UNITS);
      return {
        mutation: 'unicode unit',
        payload: JSON.stringify(obj),
        codes: ['BAD_UNIT_ID'],
        names: 'unit',
      };
    }
    case 11: {
      const key = r.pick(['p_el_w\u200b', 'ünknown', '电力', '😀', 'P_EL_W', 'p_el_w ', '']);
      obj[key] = 1;
      return { mutation: 'unicode key', payload: JSON.stringify(obj), codes: ['UNKNOWN_FIELD'] };
    }
    case 12: {
      const key = r.pick(PROTO_KEYS);
      const value = r.pick(['{"polluted":true}', '1', 'null', '[]', '"x"']);
      const payload =
        r.next() < 0.5
          ? `{"${key}":${value},` + text.slice(1)
          : text.slice(0, -1) + `,"${key}":${value}}`;
      return { mutation: 'prototype key', payload, codes: ['UNKNOWN_FIELD'], names: key };
    }
    case 13: {
      obj['v'] = r.pick([0, 2, 3, 1.5, -1, 100, 2 ** 40]);
      return {
        mutation: 'wrong version',
        payload: JSON.stringify(obj),
        codes: ['WRONG_VERSION'],
        names: 'v',
      };
    }
    case 14: {
      const bytes = utf8.encode(text);
      const at = r.int(bytes.length);
      const bad = r.pick([
        [0xff],
        [0xc0, 0x80],
        [0xed, 0xa0, 0x80],
        [0xf8, 0x88, 0x80, 0x80, 0x80],
        [0x80],
      ]);
      const out = new Uint8Array(bytes.length + bad.length);
      out.set(bytes.subarray(0, at));
      out.set(bad, at);
      out.set(bytes.subarray(at), at + bad.length);
      return { mutation: 'invalid UTF-8', payload: out, codes: ['NOT_JSON'] };
    }
    default: {
      const notObject = r.pick(['null', 'true', '42', '"frame"', '[]', JSON.stringify([base])]);
      return { mutation: 'not an object', payload: notObject, codes: ['NOT_OBJECT'] };
    }
  }
}

const BASE_COMMANDS: Command[] = [
  { id: 'c-1', cmd: 'start' },
  { id: 'c-2', cmd: 'set', params: { target_speed_mps: 1.5, nanobubbles: true } },
  { id: 'c-3', cmd: 'inject_fault', fault: 'chain_jam' },
  { id: 'c-4', cmd: 'clear_fault', fault: 'sensor_dropout' },
];

function commandMutants(r: SeededRandom): Mutant {
  const base = r.pick(BASE_COMMANDS);
  const obj = JSON.parse(encodeCommand(base)) as Json;
  const text = encodeCommand(base);
  const set = (): Json => JSON.parse(encodeCommand(BASE_COMMANDS[1] as Command)) as Json;
  switch (r.int(14)) {
    case 0: {
      const key = r.pick(Object.keys(obj));
      delete obj[key];
      return {
        mutation: 'drop field',
        payload: JSON.stringify(obj),
        codes: ['MISSING_FIELD'],
        names: key,
      };
    }
    case 1: {
      const key = r.pick(['id', 'cmd']);
      obj[key] = r.pick([1, null, true, [], {}, ['start']]);
      return {
        mutation: 'wrong type',
        payload: JSON.stringify(obj),
        codes: ['WRONG_TYPE'],
        names: key,
      };
    }
    case 2: {
      obj['cmd'] = r.pick([
        'START',
        'stárt',
        'start ',
        '',
        'launch',
        '__proto__',
        'constructor',
        'inject',
        'set_params',
        '😀',
      ]);
      return {
        mutation: 'unknown kind',
        payload: JSON.stringify(obj),
        codes: ['UNKNOWN_COMMAND'],
        names: 'cmd',
      };
    }
    case 3: {
      const o = JSON.parse(encodeCommand(BASE_COMMANDS[2] as Command)) as Json;
      o['fault'] = r.pick(['CHAIN_JAM', 'meteor', '', 'chain jam', '__proto__', 'toString']);
      return {
        mutation: 'unknown fault',
        payload: JSON.stringify(o),
        codes: ['UNKNOWN_FAULT'],
        names: 'fault',
      };
    }
    case 4: {
      obj['id'] = r.pick(['', 'x'.repeat(65 + r.int(500)), '😀'.repeat(40)]);
      return {
        mutation: 'bad id length',
        payload: JSON.stringify(obj),
        codes: ['OUT_OF_RANGE'],
        names: 'id',
      };
    }
    case 5: {
      const o = set();
      const name = r.pick(['target_speed_mps', 'load_w']);
      (o['params'] as Json)[name] = r.pick(['x'.repeat(65), null, [], {}, [1], { v: 1 }]);
      return {
        mutation: 'bad param value',
        payload: JSON.stringify(o),
        codes: ['WRONG_TYPE'],
        names: name,
      };
    }
    case 6: {
      const payload = `{"id":"c","cmd":"set","params":{"target_speed_mps":${r.pick(['1e999', '-1e999', '1' + '0'.repeat(400)])}}}`;
      return {
        mutation: 'param overflow',
        payload,
        codes: ['NOT_FINITE'],
        names: 'target_speed_mps',
      };
    }
    case 7: {
      const key = r.pick(['__proto__', '_x', '1abc', 'a b', 'ä', '', 'x'.repeat(65), 'a/b']);
      const payload = `{"id":"c","cmd":"set","params":{${JSON.stringify(key)}:1}}`;
      return { mutation: 'bad param name', payload, codes: ['UNKNOWN_PARAMETER'] };
    }
    case 8: {
      const key = r.pick([...PROTO_KEYS, 'params', 'fault', 'ts', 'extra']);
      const o = r.pick(BASE_COMMANDS);
      if ((key === 'params' && o.cmd === 'set') || (key === 'fault' && 'fault' in o))
        return {
          mutation: 'prototype key',
          payload: text.slice(0, -1) + ',"__proto__":{"admin":true}}',
          codes: ['UNKNOWN_FIELD'],
          names: '__proto__',
        };
      const payload = encodeCommand(o).slice(0, -1) + `,${JSON.stringify(key)}:{"admin":true}}`;
      return { mutation: 'unknown field', payload, codes: ['UNKNOWN_FIELD'], names: key };
    }
    case 9: {
      const depth = 1 + r.int(20000);
      const payload = nest(depth, text);
      return {
        mutation: 'nested',
        payload,
        codes: payload.length > MAX_COMMAND_BYTES ? ['OVERSIZE'] : ['NOT_OBJECT'],
      };
    }
    case 10:
      return { mutation: 'garbage bytes', payload: randomBytes(r, r.int(2000)) };
    case 11: {
      const bytes = utf8.encode(text);
      return {
        mutation: 'truncated',
        payload: bytes.slice(0, r.int(bytes.length)),
        codes: ['NOT_JSON'],
      };
    }
    case 12: {
      const payload =
        text.slice(0, -1) + `,"pad":"${'x'.repeat(MAX_COMMAND_BYTES + r.int(20000))}"}`;
      return {
        mutation: 'oversize',
        payload: r.next() < 0.5 ? payload : utf8.encode(payload),
        codes: ['OVERSIZE'],
      };
    }
    default:
      return {
        mutation: 'not an object',
        payload: r.pick(['null', '"start"', '[]', '[{"id":"c","cmd":"start"}]', '0']),
        codes: ['NOT_OBJECT'],
      };
  }
}

function expectRejected(result: Result<unknown>, m: Mutant): void {
  const label = `${m.mutation}: ${typeof m.payload === 'string' ? m.payload.slice(0, 120) : `${m.payload.length} bytes`}`;
  if (result.ok) throw new Error(`accepted a malformed payload (${label})`);
  expect(REJECTION_CODES).toContain(result.reason.code);
  expect(typeof result.reason.message).toBe('string');
  expect(result.reason.message.length).toBeGreaterThan(0);
  if (m.codes && !m.codes.includes(result.reason.code))
    throw new Error(
      `${label}: got ${result.reason.code} (${result.reason.message}), expected ${m.codes.join('|')}`,
    );
  if (m.names !== undefined && !result.reason.message.includes(m.names))
    throw new Error(`${label}: message "${result.reason.message}" does not name ${m.names}`);
}

describe('generated malformed payloads', () => {
  const frames = syntheticFrames({ count: 200, seed: 11 });

  it('decodeFrame rejects 1500 mutated frames with a reason, never throwing or polluting prototypes', () => {
    const r = seededRandom(0x5eed_f4a3);
    const seen = new Map<string, number>();
    for (let i = 0; i < 1500; i++) {
      const m = frameMutants(r, r.pick(frames));
      seen.set(m.mutation, (seen.get(m.mutation) ?? 0) + 1);
      expectRejected(decodeFrame(m.payload), m);
      // Same verdict whichever way the payload arrives.
      const other = typeof m.payload === 'string' ? utf8.encode(m.payload) : undefined;
      if (other) expect(decodeFrame(other)).toEqual(decodeFrame(m.payload));
    }
    expect(seen.size).toBe(18); // 16 mutation kinds, nesting in three shapes
    for (const [mutation, count] of seen) expect([mutation, count >= 20]).toEqual([mutation, true]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    // The unmutated frames are accepted, so the rejections above are down to the mutations.
    for (const f of frames) expect(decodeFrame(encodeFrame(f)).ok).toBe(true);
  });

  it('decodeCommand rejects 1400 mutated commands with a reason, never throwing', () => {
    const r = seededRandom(0xc0ffee);
    const seen = new Map<string, number>();
    for (let i = 0; i < 1400; i++) {
      const m = commandMutants(r);
      seen.set(m.mutation, (seen.get(m.mutation) ?? 0) + 1);
      expectRejected(decodeCommand(m.payload), m);
    }
    expect(seen.size).toBeGreaterThanOrEqual(14);
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
    for (const c of BASE_COMMANDS)
      expect(decodeCommand(encodeCommand(c))).toEqual({ ok: true, value: c });
  });

  it('the compact decoder rejects 2000 corrupted payloads and stays in step with the stream', () => {
    const r = seededRandom(0xb1a5);
    const encoder = createCompactEncoder({ rateHz: 10 });
    const stream = frames.map((f) => encoder.encode(f));
    const reference = createCompactDecoder();
    const expected = stream.map((bytes) => reference.decode(bytes));
    const decoder = createCompactDecoder();
    const seen = new Map<string, number>();
    let cases = 0;
    for (let k = 0; k < stream.length; k++) {
      const good = stream[k] as Uint8Array;
      for (let j = 0; j < 10; j++) {
        let payload: Uint8Array;
        let mutation: string;
        switch (r.int(7)) {
          case 0:
            mutation = 'truncated';
            payload = good.slice(0, r.int(good.length));
            break;
          case 1: {
            mutation = 'byte changed';
            payload = good.slice();
            const at = r.int(payload.length);
            payload[at] = (payload[at] as number) ^ (1 + r.int(255));
            break;
          }
          case 2: {
            mutation = 'two bits flipped';
            payload = good.slice();
            const bit = r.int(payload.length * 8 - 1);
            for (const b of [bit, bit + 1 + r.int(Math.min(8, payload.length * 8 - bit - 1))]) {
              const at = b >> 3;
              payload[at] = (payload[at] as number) ^ (1 << (b & 7));
            }
            break;
          }
          case 3:
            mutation = 'bytes appended';
            payload = new Uint8Array([...good, ...randomBytes(r, 1 + r.int(8))]);
            break;
          case 4:
            mutation = 'garbage';
            payload = randomBytes(r, r.int(600));
            break;
          case 5:
            mutation = 'garbage behind a valid magic';
            payload = new Uint8Array([good[0] as number, ...randomBytes(r, r.int(300))]);
            break;
          default:
            mutation = 'JSON on the binary topic';
            payload = utf8.encode(encodeFrame(frames[k] as Frame));
        }
        seen.set(mutation, (seen.get(mutation) ?? 0) + 1);
        const result = decoder.decode(payload);
        expectRejected(result, { mutation, payload });
        cases++;
      }
      // The corrupt payloads left no trace: the real frame still decodes, exactly as it should.
      expect(decoder.decode(good)).toEqual(expected[k]);
      expect((expected[k] as Result<Frame>).ok).toBe(true);
    }
    expect(cases).toBe(2000);
    expect(seen.size).toBe(7);
    for (const junk of [null, undefined, 'a1', [0xa1, 1], {}, new ArrayBuffer(8)] as unknown[]) {
      const result = decoder.decode(junk as Uint8Array);
      expect(result.ok ? 'accepted' : result.reason.code).toBe('BAD_BINARY');
    }
  });
});
