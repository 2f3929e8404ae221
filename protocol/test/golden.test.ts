import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createCompactDecoder,
  createCompactEncoder,
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
  REJECTION_CODES,
  type Frame,
  type Payload,
  type RejectionCode,
  type Result,
} from '../src/index.js';

/**
 * Telegraf-style golden files: test/golden/<decoder>-<case>/{input.json, expected.json[, options.json]}.
 * input.json is the raw payload (it may be deliberately invalid); expected.json is
 * { ok: true, value } or { ok: false, code, field? } where field must appear in the message.
 */
const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), 'golden');

type Expected =
  | { ok: true; value?: unknown; hex?: string | string[] }
  | { ok: false; code: RejectionCode; field?: string };

interface Case {
  name: string;
  decoder: string;
  input: Buffer;
  expected: Expected;
  options: Record<string, unknown> | undefined;
}

const cases: Case[] = readdirSync(GOLDEN)
  .sort()
  .map((name) => {
    const dir = join(GOLDEN, name);
    const optionsFile = join(dir, 'options.json');
    return {
      name,
      decoder: name.slice(0, name.indexOf('-')),
      input: readFileSync(join(dir, 'input.json')),
      expected: JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected,
      options: existsSync(optionsFile)
        ? (JSON.parse(readFileSync(optionsFile, 'utf8')) as Record<string, unknown>)
        : undefined,
    };
  });

/** Each JSON decoder, and the encoder that must reproduce a value it accepted. */
const decoders: Record<
  string,
  { decode: (p: Payload, o?: never) => Result<unknown>; encode?: (v: never) => string }
> = {
  frame: { decode: decodeFrame as never, encode: encodeFrame as never },
  command: { decode: decodeCommand as never, encode: encodeCommand as never },
  ack: { decode: decodeCommandAck as never, encode: encodeCommandAck as never },
  clock: { decode: decodeClock as never, encode: encodeClock as never },
  health: { decode: decodeHealth as never, encode: encodeHealth as never },
  meta: { decode: decodeMeta as never },
};

const FRAME_CODES: RejectionCode[] = [
  'OVERSIZE',
  'NOT_JSON',
  'NOT_OBJECT',
  'WRONG_VERSION',
  'MISSING_FIELD',
  'WRONG_TYPE',
  'NOT_FINITE',
  'OUT_OF_RANGE',
  'UNKNOWN_FIELD',
  'BAD_UNIT_ID',
  'UNIT_MISMATCH',
];
const COMMAND_CODES: RejectionCode[] = [
  'OVERSIZE',
  'NOT_JSON',
  'NOT_OBJECT',
  'MISSING_FIELD',
  'WRONG_TYPE',
  'NOT_FINITE',
  'OUT_OF_RANGE',
  'UNKNOWN_FIELD',
  'UNKNOWN_COMMAND',
  'UNKNOWN_PARAMETER',
  'UNKNOWN_FAULT',
];

describe('golden files', () => {
  it('cover every rejection reason of frames and commands, and valid cases of every decoder', () => {
    const covered = (decoder: string) =>
      new Set(
        cases
          .filter((c) => c.decoder === decoder && !c.expected.ok)
          .map((c) => (c.expected as { code: string }).code),
      );
    expect([...covered('frame')].sort()).toEqual([...FRAME_CODES].sort());
    expect([...covered('command')].sort()).toEqual([...COMMAND_CODES].sort());
    for (const decoder of [...Object.keys(decoders), 'compact'])
      expect(cases.filter((c) => c.decoder === decoder && c.expected.ok).length).toBeGreaterThan(0);
  });

  const jsonCases = cases.filter((c) => c.decoder !== 'compact');
  it.each(jsonCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const codec = decoders[c.decoder];
    if (codec === undefined) throw new Error(`golden case ${c.name}: no decoder "${c.decoder}"`);
    const asBytes = codec.decode(new Uint8Array(c.input), c.options as never);
    if (c.expected.ok) {
      expect(asBytes).toEqual({ ok: true, value: c.expected.value });
      // Text in, same answer; and the encoder's output decodes to the same value again.
      expect(codec.decode(c.input.toString('utf8'), c.options as never)).toEqual(asBytes);
      if (codec.encode && asBytes.ok) {
        const again = codec.decode(codec.encode(asBytes.value as never), c.options as never);
        expect(again).toEqual(asBytes);
      }
    } else {
      expect(asBytes.ok).toBe(false);
      if (asBytes.ok) return;
      expect(asBytes.reason.code).toBe(c.expected.code);
      expect(REJECTION_CODES).toContain(asBytes.reason.code);
      if (c.expected.field !== undefined)
        expect(asBytes.reason.message).toContain(c.expected.field);
    }
  });

  describe('compact wire format is pinned', () => {
    const compactCases = cases.filter((c) => c.decoder === 'compact');
    it.each(compactCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
      const parsed = JSON.parse(c.input.toString('utf8')) as Frame | Frame[];
      const frames = Array.isArray(parsed) ? parsed : [parsed];
      const expected = c.expected as { hex: string | string[] };
      const hex = Array.isArray(expected.hex) ? expected.hex : [expected.hex];
      const encoder = createCompactEncoder({ rateHz: 10 });
      const decoder = createCompactDecoder();
      frames.forEach((frame, i) => {
        const bytes = encoder.encode(frame);
        // A change here is a wire-format change: bump COMPACT_VERSION, then regenerate.
        expect(Buffer.from(bytes).toString('hex')).toBe(hex[i]);
        const decoded = decoder.decode(Buffer.from(hex[i] as string, 'hex'));
        expect(decoded).toEqual({ ok: true, value: frame });
      });
    });
  });
});
