import { describe, expect, it } from '@jest/globals';
import {
  buildMeta,
  COMMAND_KINDS,
  decodeClock,
  decodeCommand,
  decodeCommandAck,
  decodeFrame,
  decodeHealth,
  decodeMeta,
  encodeClock,
  encodeCommand,
  encodeCommandAck,
  encodeFrame,
  encodeHealth,
  encodeMeta,
  FAULT_KINDS,
  FIELD_CATALOGUE,
  FRAME_CLOCK_FIELDS,
  FRAME_VERSION,
  MAX_FRAME_BYTES,
  peekCommandHeader,
  utf8ByteLength,
  validateFrame,
  type Command,
  type CommandAck,
  type Frame,
  type Result,
} from '../src/index.js';
import { syntheticFrames } from './support/synthetic-frames.js';

const codeOf = (r: Result<unknown>) => (r.ok ? 'accepted' : r.reason.code);

describe('field catalogue', () => {
  it('is consistent enough for the validator and the compact codec to rely on', () => {
    const names = FIELD_CATALOGUE.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    for (const f of FIELD_CATALOGUE) {
      expect(f.name).toMatch(/^[a-z][a-z0-9_]*$/);
      expect((FRAME_CLOCK_FIELDS as readonly string[]).includes(f.name)).toBe(false);
      expect(f.resolution).toBeGreaterThan(0);
      expect(f.min).toBeLessThan(f.max);
      expect(f.values !== undefined).toBe(f.kind === 'enum');
      if (f.sensor === true) expect(f.kind).toBe('number');
      if (f.integer === true) expect([f.kind, f.resolution]).toEqual(['number', 1]);
      // Quantizing at the range edges must not leave the range.
      if (f.kind === 'number')
        for (const edge of [f.min, f.max])
          expect(Math.abs(edge / f.resolution - Math.round(edge / f.resolution))).toBeLessThan(
            1e-6,
          );
    }
  });
});

describe('JSON frame codec', () => {
  const frames = syntheticFrames({ count: 1200, seed: 3 });

  it('round-trips frames exactly, with clock fields first and then catalogue order', () => {
    const order = [...FRAME_CLOCK_FIELDS, ...FIELD_CATALOGUE.map((f) => f.name)];
    for (const frame of frames) {
      const text = encodeFrame(frame);
      expect(Object.keys(JSON.parse(text) as object)).toEqual(order);
      expect(decodeFrame(text)).toEqual({ ok: true, value: frame });
    }
    // Key order of the input does not matter to the encoder.
    const shuffled = Object.fromEntries(
      Object.entries(frames[5] as Frame).reverse(),
    ) as unknown as Frame;
    expect(encodeFrame(shuffled)).toBe(encodeFrame(frames[5] as Frame));
  });

  it('writes only catalogue fields, and null for non-finite numbers (which decode rejects)', () => {
    const frame = { ...(frames[0] as Frame), extra: 1, p_el_w: Number.POSITIVE_INFINITY } as Frame;
    const text = encodeFrame(frame);
    expect(text).not.toContain('extra');
    expect(text).toContain('"p_el_w":null');
    expect(codeOf(decodeFrame(text))).toBe('WRONG_TYPE');
    expect(codeOf(validateFrame(frame))).toBe('NOT_FINITE');
  });

  it('validates parsed objects the same way (validateFrame)', () => {
    expect(validateFrame(frames[1])).toEqual({ ok: true, value: frames[1] });
    expect(codeOf(validateFrame(null))).toBe('NOT_OBJECT');
    expect(codeOf(validateFrame([frames[1]]))).toBe('NOT_OBJECT');
    expect(codeOf(validateFrame(frames[1], { expectedUnit: 'u2' }))).toBe('UNIT_MISMATCH');
    const throwing = new Proxy(
      {},
      {
        get: () => {
          throw new Error('boom');
        },
      },
    );
    expect(validateFrame(throwing).ok).toBe(false);
  });

  it('accepts sensor dropouts as null and nothing else as null', () => {
    for (const f of FIELD_CATALOGUE) {
      const result = decodeFrame(JSON.stringify({ ...(frames[2] as Frame), [f.name]: null }));
      expect([f.name, codeOf(result)]).toEqual([
        f.name,
        f.sensor === true ? 'accepted' : 'WRONG_TYPE',
      ]);
    }
  });

  it('checks the size before parsing, in bytes, for text and for bytes', () => {
    const text = encodeFrame(frames[3] as Frame);
    const limit = utf8ByteLength(text);
    expect(decodeFrame(text, { maxBytes: limit }).ok).toBe(true);
    expect(codeOf(decodeFrame(text, { maxBytes: limit - 1 }))).toBe('OVERSIZE');
    // Multi-byte characters count as bytes: a string short in UTF-16 units can still be too big.
    const wide = '€'.repeat(Math.ceil(MAX_FRAME_BYTES / 3) + 1);
    expect(wide.length).toBeLessThan(MAX_FRAME_BYTES);
    expect(codeOf(decodeFrame(wide))).toBe('OVERSIZE');
    expect(codeOf(decodeFrame(new TextEncoder().encode(wide)))).toBe('OVERSIZE');
    expect(utf8ByteLength('a€😀\ud800')).toBe(1 + 3 + 4 + 3);
  });

  it('decodes from a view into a larger buffer (Buffer pool slices)', () => {
    const text = encodeFrame(frames[4] as Frame);
    const pool = new Uint8Array(text.length + 20);
    pool.set(new TextEncoder().encode(text), 10);
    expect(decodeFrame(pool.subarray(10, 10 + text.length))).toEqual({
      ok: true,
      value: frames[4],
    });
  });

  it('never throws on inputs that are not payloads at all', () => {
    for (const junk of [undefined, null, 42, {}, [], () => 1, Symbol('x')] as unknown[])
      expect(codeOf(decodeFrame(junk as string))).toBe('NOT_JSON');
  });

  it('does not let __proto__ in a payload touch any prototype', () => {
    const result = decodeFrame(
      encodeFrame(frames[0] as Frame).replace('{', '{"__proto__":{"polluted":1},'),
    );
    expect(codeOf(result)).toBe('UNKNOWN_FIELD');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('checks the version before anything else, so a v2 frame is reported as such', () => {
    const v2 = { v: 2, unit: 'u1', seq: 1, something_new: true };
    expect(codeOf(decodeFrame(JSON.stringify(v2)))).toBe('WRONG_VERSION');
    expect(FRAME_VERSION).toBe(1);
  });
});

describe('commands and acks', () => {
  const commands: Command[] = [
    ...COMMAND_KINDS.filter((k) => k !== 'set' && k !== 'inject_fault' && k !== 'clear_fault').map(
      (cmd, i) => ({ id: `c${i}`, cmd }) as Command,
    ),
    {
      id: 'set-1',
      cmd: 'set',
      params: { target_speed_mps: 0.5, h1_nanobubbles: false, 'valve.margin_pa': 40000 },
    },
    ...FAULT_KINDS.map((fault) => ({ id: `f-${fault}`, cmd: 'inject_fault', fault }) as Command),
    ...FAULT_KINDS.map((fault) => ({ id: `g-${fault}`, cmd: 'clear_fault', fault }) as Command),
  ];

  it('round-trip every kind and fault with a stable key order', () => {
    for (const command of commands) {
      const text = encodeCommand(command);
      expect(Object.keys(JSON.parse(text) as object).slice(0, 2)).toEqual(['id', 'cmd']);
      expect(decodeCommand(text)).toEqual({ ok: true, value: command });
    }
  });

  it('returns a fresh params object, not the parsed one', () => {
    const result = decodeCommand('{"id":"a","cmd":"set","params":{"constructor":1,"x":true}}');
    expect(result).toEqual({
      ok: true,
      value: { id: 'a', cmd: 'set', params: { constructor: 1, x: true } },
    });
  });

  it('peekCommandHeader salvages id and cmd from a rejected command so it can be acked', () => {
    const payload = '{"id":"abc","cmd":"self_destruct","now":true}';
    expect(codeOf(decodeCommand(payload))).toBe('UNKNOWN_COMMAND');
    expect(peekCommandHeader(payload)).toEqual({ id: 'abc', cmd: 'self_destruct' });
    expect(peekCommandHeader('{"id":5}')).toEqual({ id: null, cmd: null });
    expect(peekCommandHeader('not json')).toEqual({ id: null, cmd: null });
  });

  it('round-trip ok and error acks and reject malformed ones', () => {
    const acks: CommandAck[] = [
      { id: 'c1', cmd: 'start', ok: true, ts: 1_767_225_600_000 },
      {
        id: '',
        cmd: 'bogus',
        ok: false,
        code: 'UNKNOWN_COMMAND',
        error: 'cmd "bogus" is not known',
        ts: 1_767_225_600_001,
      },
      {
        id: 'c2',
        cmd: 'pause',
        ok: false,
        code: 'COMMAND_FAILED',
        error: 'unit is stopped',
        ts: 1_767_225_600_002,
      },
    ];
    for (const ack of acks)
      expect(decodeCommandAck(encodeCommandAck(ack))).toEqual({ ok: true, value: ack });
    expect(
      codeOf(decodeCommandAck('{"id":"c1","cmd":"start","ok":"yes","ts":1767225600000}')),
    ).toBe('WRONG_TYPE');
    expect(
      codeOf(decodeCommandAck('{"id":"c1","cmd":"start","ok":false,"ts":1767225600000}')),
    ).toBe('MISSING_FIELD');
    expect(codeOf(decodeCommandAck('{"id":"c1","cmd":"start","ok":true,"ts":12}'))).toBe(
      'OUT_OF_RANGE',
    );
  });
});

describe('clock, health and meta messages', () => {
  it('clock round-trips and is strict', () => {
    const clock = { seq: 12, ts: 1_767_225_601_200, rate_hz: 10, started_at: 1_767_225_600_000 };
    expect(decodeClock(encodeClock(clock))).toEqual({ ok: true, value: clock });
    expect(codeOf(decodeClock(JSON.stringify({ ...clock, extra: 1 })))).toBe('UNKNOWN_FIELD');
    expect(codeOf(decodeClock(JSON.stringify({ ...clock, rate_hz: 5000 })))).toBe('OUT_OF_RANGE');
    expect(codeOf(decodeClock(JSON.stringify({ ...clock, seq: 1.5 })))).toBe('WRONG_TYPE');
    expect(
      codeOf(
        decodeClock('{"seq":1,"ts":1767225601200,"rate_hz":1e999,"started_at":1767225600000}'),
      ),
    ).toBe('NOT_FINITE');
  });

  it('health round-trips, checks ids against the topic and keeps metrics flat and finite', () => {
    const health = {
      component: 'writer',
      instance: 'w-1',
      ts: 1_767_225_600_000,
      metrics: { points_per_s: 512.5, spool_bytes: 0 },
    };
    expect(decodeHealth(encodeHealth(health))).toEqual({ ok: true, value: health });
    const expected = { component: 'writer', instance: 'w-2' };
    expect(codeOf(decodeHealth(encodeHealth(health), { expected }))).toBe('UNIT_MISMATCH');
    expect(codeOf(decodeHealth(encodeHealth({ ...health, instance: 'W 1' })))).toBe(
      'BAD_COMPONENT_ID',
    );
    expect(
      codeOf(
        decodeHealth(
          '{"component":"writer","instance":"w-1","ts":1767225600000,"metrics":{"__proto__":1}}',
        ),
      ),
    ).toBe('UNKNOWN_FIELD');
    expect(
      codeOf(
        decodeHealth(
          '{"component":"writer","instance":"w-1","ts":1767225600000,"metrics":{"x":1e999}}',
        ),
      ),
    ).toBe('NOT_FINITE');
    expect(codeOf(decodeHealth('{"component":"writer","instance":"w-1","ts":1767225600000}'))).toBe(
      'MISSING_FIELD',
    );
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`m${i}`, i]));
    expect(codeOf(decodeHealth(encodeHealth({ ...health, metrics: many })))).toBe('OUT_OF_RANGE');
  });

  it('meta carries the catalogue, the unit, the frame version and the fault kinds', () => {
    const meta = decodeMeta(encodeMeta('u7'), { expectedUnit: 'u7' });
    if (!meta.ok) throw new Error(meta.reason.message);
    expect(meta.value.unit).toBe('u7');
    expect(meta.value.frame_version).toBe(FRAME_VERSION);
    expect(meta.value.fault_kinds).toEqual([...FAULT_KINDS]);
    expect(meta.value.fields).toEqual(
      FIELD_CATALOGUE.map((f) => ({ ...f, ...(f.values ? { values: [...f.values] } : {}) })),
    );
    expect(meta.value).toEqual(buildMeta('u7'));
    expect(codeOf(decodeMeta(encodeMeta('u7'), { expectedUnit: 'u8' }))).toBe('UNIT_MISMATCH');
    const broken = JSON.parse(encodeMeta('u7')) as { fields: Record<string, unknown>[] };
    (broken.fields[1] as Record<string, unknown>)['resolution'] = -1;
    expect(codeOf(decodeMeta(JSON.stringify(broken)))).toBe('OUT_OF_RANGE');
    const dup = JSON.parse(encodeMeta('u7')) as { fields: unknown[] };
    dup.fields.push(dup.fields[0]);
    expect(codeOf(decodeMeta(JSON.stringify(dup)))).toBe('WRONG_TYPE');
  });
});
