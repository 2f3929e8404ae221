import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDispatcher } from '../src/handlers/dispatcher.js';

/**
 * Golden cases (Telegraf style): golden/<case>/input.json holds a topic and a payload (JSON
 * value, or a string sent as is); expected.txt is the line protocol the writer spools, or
 * `REJECT <CODE>`, or `IGNORE`. UPDATE_GOLDEN=1 rewrites expected.txt (review the diff).
 */
const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'golden');
const dispatch = createDispatcher({ topicRoot: 'kpp/v1', skipHealthOf: new Set(['writer/w1']) });

describe('golden: MQTT message → spooled line protocol', () => {
  for (const name of readdirSync(dir).sort()) {
    it(name, () => {
      const input = JSON.parse(readFileSync(join(dir, name, 'input.json'), 'utf8')) as { topic: string; payload: unknown };
      const payload = typeof input.payload === 'string' ? input.payload : JSON.stringify(input.payload);
      const r = dispatch(input.topic, Buffer.from(payload));
      const actual = !r.ok ? `REJECT ${r.reason.code}` : r.value ? r.value.line : 'IGNORE';
      const file = join(dir, name, 'expected.txt');
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) writeFileSync(file, actual + '\n');
      expect(actual).toBe(readFileSync(file, 'utf8').trimEnd());
    });
  }
});
