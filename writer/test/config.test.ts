import { describe, expect, it } from '@jest/globals';
import { resolveConfig } from '@kpp/runtime';
import { writerConfigSchema } from '../src/config.js';

describe('writer config', () => {
  it('has working defaults', () => {
    const c = writerConfigSchema.parse({});
    expect(c).toMatchObject({
      clientId: 'kpp-writer',
      topicRoot: 'kpp/v1',
      influxApi: 'v1',
      db: 'kpp',
      rp: 'autogen',
      fsyncIntervalMs: 100,
      healthIntervalMs: 1000,
      batchSize: 2000,
      maxRetries: 0,
    });
  });

  it('resolves KPP_WRITER_* variables and flags, and names a bad value', () => {
    const r = resolveConfig('writer', writerConfigSchema, {
      env: { KPP_WRITER_INFLUX_API: 'v2', KPP_WRITER_BATCH_SIZE: '500', KPP_WRITER_TOKEN: 't' },
      flags: { influxUrl: 'http://influx:8086', org: 'plant' },
    });
    expect(r.ok && r.value).toMatchObject({ influxApi: 'v2', batchSize: 500, token: 't', influxUrl: 'http://influx:8086', org: 'plant' });
    const bad = resolveConfig('writer', writerConfigSchema, { env: { KPP_WRITER_FSYNC_INTERVAL_MS: '250' } });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.reason.message).toContain('fsyncIntervalMs = "250" (from KPP_WRITER_FSYNC_INTERVAL_MS)');
    const api = resolveConfig('writer', writerConfigSchema, { flags: { influxApi: 'v3' } });
    expect(!api.ok && api.reason.message).toContain('influxApi = "v3" (from --influx-api)');
    const inst = resolveConfig('writer', writerConfigSchema, { flags: { instance: 'Writer 1' } });
    expect(!inst.ok && inst.reason.message).toContain('[a-z][a-z0-9_-]{0,31}');
  });
});
