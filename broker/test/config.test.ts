import { describe, expect, it } from '@jest/globals';
import { brokerConfig, defaultBrokerId, MAX_WORKERS, resolveBrokerConfig } from '../src/index.js';

describe('broker config', () => {
  it('has the documented defaults', () => {
    const r = resolveBrokerConfig({});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({
      host: '127.0.0.1',
      mqttPort: 1883,
      wsPort: 8083,
      wsPath: '/mqtt',
      httpPort: 9090,
      allowAnonymousRead: false,
      maxPayloadBytes: 256 * 1024,
      healthIntervalMs: 1000,
    });
    expect(r.value.id).toBeUndefined();
    expect(r.value.redisUrl).toBeUndefined();
  });

  it('reads KPP_BROKER_* variables, flags win', () => {
    const r = resolveBrokerConfig({
      env: {
        KPP_BROKER_MQTT_PORT: '1999',
        KPP_BROKER_ALLOW_ANONYMOUS_READ: 'true',
        KPP_BROKER_REDIS_URL: 'redis://r:6379',
      },
      flags: { mqttPort: 2000 },
    });
    expect(r.ok && r.value).toMatchObject({
      mqttPort: 2000,
      allowAnonymousRead: true,
      redisUrl: 'redis://r:6379',
    });
  });

  it('names the key, the value and what was expected', () => {
    const r = resolveBrokerConfig({ env: { KPP_BROKER_MAX_PAYLOAD_BYTES: 'lots' } });
    expect(!r.ok && r.reason.message).toContain(
      'maxPayloadBytes = "lots" (from KPP_BROKER_MAX_PAYLOAD_BYTES)',
    );
    const id = brokerConfig({ id: 'Broker One' });
    expect(!id.ok && id.reason.message).toContain('id = "Broker One"');
    const unknown = brokerConfig({ mqttPorts: 1 } as never);
    expect(!unknown.ok && unknown.reason.message).toContain('unknown key "mqttPorts"');
  });

  it('checks the keys that go together', () => {
    const tls = brokerConfig({ tlsCert: 'cert.pem' });
    expect(!tls.ok && tls.reason.message).toContain('tlsKey is required');
    const keepalive = brokerConfig({ keepaliveMinSeconds: 60, keepaliveMaxSeconds: 30 });
    expect(!keepalive.ok && keepalive.reason.message).toContain(
      'keepaliveMinSeconds = 60 is above keepaliveMaxSeconds = 30',
    );
    const sessions = resolveBrokerConfig({
      env: { KPP_BROKER_SESSION_FILE: 'sessions.json', KPP_BROKER_REDIS_URL: 'redis://127.0.0.1:6379' },
    });
    expect(!sessions.ok && sessions.reason.message).toBe(
      'broker config: sessionFile is for a single broker; with redisUrl the sessions are kept in Redis',
    );
    expect(resolveBrokerConfig({ env: { KPP_BROKER_SESSION_FILE: 'sessions.json' } }).ok).toBe(true);
  });

  it('runs workers only on Redis, with room in the id for the worker suffix', () => {
    const alone = resolveBrokerConfig({ flags: { workers: '2' } });
    expect(!alone.ok && alone.reason.message).toBe(
      'broker config: workers = 2 needs redisUrl (the workers share subscriptions, retained messages and sessions through Redis)',
    );
    const redisUrl = 'redis://127.0.0.1:6379';
    expect(brokerConfig({ workers: 2, redisUrl }).ok).toBe(true);
    expect(brokerConfig({ workers: 1 }).ok).toBe(true);
    const zero = brokerConfig({ workers: 0, redisUrl });
    expect(!zero.ok && zero.reason.message).toContain('workers = 0');
    const long = brokerConfig({ workers: 12, redisUrl, id: 'b'.repeat(30) });
    expect(!long.ok && long.reason.message).toContain(`id = "${'b'.repeat(30)}" is too long for workers = 12`);
    expect(brokerConfig({ workers: 12, redisUrl, id: 'b'.repeat(28) }).ok).toBe(true);
    // The longest default id (20 + pid) still takes the largest suffix.
    expect(`${defaultBrokerId(true)}-w${MAX_WORKERS}`).toMatch(/^[a-z][a-z0-9_-]{0,31}$/);
  });

  it('makes a valid default id, distinct per process in cluster mode', () => {
    expect(defaultBrokerId(false)).toMatch(/^[a-z][a-z0-9_-]{0,31}$/);
    expect(defaultBrokerId(true)).toMatch(new RegExp(`-${process.pid}$`));
  });
});
