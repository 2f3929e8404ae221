import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { envName, resolveConfig } from '../src/config.js';

const schema = z.object({
  mqttPort: z.number().int().min(1).max(65535).default(1883),
  anonymous: z.boolean().default(false),
  users: z.array(z.string()).default([]),
  name: z.string().default('b1'),
});

describe('resolveConfig', () => {
  it('names env variables after the component and key', () => {
    expect(envName('broker', 'mqttPort')).toBe('KPP_BROKER_MQTT_PORT');
  });

  it('applies defaults < file < env < flags', () => {
    const r = resolveConfig('broker', schema, {
      file: { mqttPort: 1000, name: 'from-file' },
      env: { KPP_BROKER_MQTT_PORT: '2000', KPP_BROKER_ANONYMOUS: 'true', KPP_BROKER_USERS: 'a, b' },
      flags: { mqttPort: 3000, name: undefined },
    });
    expect(r).toEqual({ ok: true, value: { mqttPort: 3000, anonymous: true, users: ['a', 'b'], name: 'from-file' } });
  });

  it('names the key, value and source of a bad value', () => {
    const r = resolveConfig('broker', schema, { env: { KPP_BROKER_MQTT_PORT: 'abc' } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.message).toContain('mqttPort = "abc" (from KPP_BROKER_MQTT_PORT)');
    const r2 = resolveConfig('broker', schema, { flags: { mqttPort: 70000 } });
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.reason.message).toContain('mqttPort = 70000 (from --mqtt-port)');
  });

  it('rejects unknown keys in the file', () => {
    const r = resolveConfig('broker', schema, { file: { mqtPort: 1 }, fileName: 'b.json' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.message).toBe('broker config: unknown key "mqtPort" in b.json');
  });
});
