/**
 * POST /api/v1/viewer-token and logging in with its tokens: the API key gates issuance (401
 * without it), tokens live at most 10 minutes, are bound to X-Grafana-User, read but never
 * publish, and expired or forged ones are refused and counted.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Writable } from 'node:stream';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { topics } from '@kpp/protocol';
import { sleep, waitFor } from '@kpp/testkit';
import { brokerConfig, UNBOUND_TOKEN_USER } from '../../src/index.js';
import { credentials, startTestBroker, type TestBroker } from './support/test-broker.js';

const API_KEY = 'test-api-key-0123456789';
interface TokenReply {
  username: string;
  token: string;
  expiresAt: number;
  ttlSeconds: number;
}

const clients: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
});

function requestToken(b: TestBroker, headers: Record<string, string> = {}, method = 'POST') {
  return fetch(`${b.httpUrl}/api/v1/viewer-token`, { method, headers });
}
async function token(b: TestBroker, headers: Record<string, string> = {}): Promise<TokenReply> {
  const res = await requestToken(b, { authorization: `Bearer ${API_KEY}`, ...headers });
  expect(res.status).toBe(200);
  return (await res.json()) as TokenReply;
}
async function login(b: TestBroker, username: string, password: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(b.tcpUrl, {
    username,
    password,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  clients.push(c);
  return c;
}
async function refused(b: TestBroker, username: string, password: string): Promise<number> {
  const err = (await login(b, username, password).then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: number } | undefined;
  return err?.code ?? 0;
}
const counters = (b: TestBroker) => b.broker.stats().counters;

describe('viewer tokens', () => {
  let b: TestBroker;
  const logLines: string[] = [];
  beforeAll(async () => {
    // A broker that logs everything into memory, to show the key never reaches the log.
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    b = await startTestBroker(
      { id: 'tokens', apiKeys: [API_KEY], tokenTtlSeconds: 3600 },
      undefined,
      pino({ level: 'debug' }, sink),
    );
  });
  afterAll(() => b?.stop());

  it('wrong or missing API key: 401; the key in either header: 200; GET: 405', async () => {
    expect((await requestToken(b)).status).toBe(401);
    expect((await requestToken(b, { authorization: 'Bearer wrong-key-0123456789' })).status).toBe(
      401,
    );
    expect((await requestToken(b, { 'x-kpp-api-key': `${API_KEY}x` })).status).toBe(401);
    expect((await requestToken(b, { 'x-kpp-api-key': API_KEY })).status).toBe(200);
    expect((await requestToken(b, { authorization: `Bearer ${API_KEY}` }, 'GET')).status).toBe(405);
    expect(logLines.join('')).not.toContain(API_KEY);
  });

  it('a token lives at most 10 minutes even when the config asks for an hour', async () => {
    const before = Date.now();
    const t = await token(b);
    expect(t.ttlSeconds).toBe(600);
    expect(t.expiresAt).toBeLessThanOrEqual(before + 601_000);
    expect(t.username).toBe(UNBOUND_TOKEN_USER);
  });

  it('is bound to X-Grafana-User: it logs in as that user only', async () => {
    const t = await token(b, { 'x-grafana-user': 'alice' });
    expect(t.username).toBe('alice');
    const invalid = counters(b).rejected.token_invalid;
    expect(await refused(b, 'bob', t.token)).toBe(4);
    expect(await refused(b, UNBOUND_TOKEN_USER, t.token)).toBe(4);
    expect(counters(b).rejected.token_invalid).toBe(invalid + 2);
    await login(b, 'alice', t.token);
  });

  it('reads, never publishes: a publish with a token is dropped and counted', async () => {
    const t = await token(b, { 'x-grafana-user': 'carol' });
    const viewer = await login(b, t.username, t.token);
    const got: string[] = [];
    viewer.on('message', (topic) => {
      if (!topic.startsWith('kpp/v1/health/')) got.push(topic);
    });
    await viewer.subscribeAsync('kpp/v1/#', { qos: 1 });
    const sim = await login(b, 'sim', credentials('sim').password);
    const dropped = counters(b).dropped.token_publish;
    await viewer.publishAsync(topics.cmd('u1'), 'start', { qos: 1 });
    await sim.publishAsync(topics.clock(), '{"marker":1}', { qos: 1 });
    await waitFor(() => got.includes(topics.clock()), { timeoutMs: 10_000 });
    expect(got).not.toContain(topics.cmd('u1'));
    expect(counters(b).dropped.token_publish).toBe(dropped + 1);
  });

  it('a forged token is refused and counted', async () => {
    const t = await token(b);
    const forged = `${t.token.slice(0, -4)}AAAA`;
    const invalid = counters(b).rejected.token_invalid;
    expect(await refused(b, t.username, forged)).toBe(4);
    expect(counters(b).rejected.token_invalid).toBe(invalid + 1);
  });
});

describe('viewer tokens: expiry and configuration', () => {
  const brokers: TestBroker[] = [];
  afterAll(() => Promise.all(brokers.map((x) => x.stop())));

  it('an expired token is refused and counted in stats, /metrics and health', async () => {
    const b = await startTestBroker({
      apiKeys: [API_KEY],
      tokenTtlSeconds: 1,
      healthIntervalMs: 200,
    });
    brokers.push(b);
    const t = await token(b);
    await login(b, t.username, t.token);
    // Expiry is whole seconds: past expiresAt the token is dead whatever the rounding.
    await sleep(Math.max(0, t.expiresAt - Date.now()) + 100);
    expect(await refused(b, t.username, t.token)).toBe(4);
    expect(counters(b).rejected.token_expired).toBe(1);
    const text = await (await fetch(`${b.httpUrl}/metrics`)).text();
    expect(text).toMatch(/kpp_broker_connections_rejected_total\{reason="token_expired"[^}]*\} 1/);
    await waitFor(() => b.broker.health()?.metrics['rejected_token_expired_total'] === 1, {
      timeoutMs: 10_000,
    });
  });

  it('without apiKeys there is no endpoint and tokens are refused', async () => {
    const b = await startTestBroker();
    brokers.push(b);
    const other = await startTestBroker({ apiKeys: [API_KEY] });
    brokers.push(other);
    expect((await requestToken(b, { authorization: `Bearer ${API_KEY}` })).status).toBe(404);
    const t = await token(other);
    expect(await refused(b, t.username, t.token)).toBe(4);
    expect(counters(b).rejected.token_invalid).toBe(1);
  });

  it('a cluster needs a shared tokenSecret', () => {
    const config = brokerConfig({ apiKeys: [API_KEY], redisUrl: 'redis://127.0.0.1:6379' });
    expect(config.ok).toBe(false);
    if (!config.ok) expect(config.reason.message).toMatch(/tokenSecret/);
  });
});
