import { describe, expect, it } from '@jest/globals';
import { mqttClientOptions, uniqueClientId } from '../src/mqtt-options.js';

describe('mqttClientOptions', () => {
  it('speaks MQTT 3.1.1 and maps each choice to its mqtt.js name', () => {
    expect(
      mqttClientOptions({
        clientId: 'w',
        username: 'u',
        password: 'p',
        clean: false,
        keepaliveS: 15,
        reconnectMs: 500,
        connectTimeoutMs: 10_000,
        queueQoSZero: false,
        resubscribe: true,
      }),
    ).toEqual({
      protocolVersion: 4,
      clientId: 'w',
      username: 'u',
      password: 'p',
      clean: false,
      keepalive: 15,
      reconnectPeriod: 500,
      connectTimeout: 10_000,
      queueQoSZero: false,
      resubscribe: true,
      log: expect.any(Function),
    });
  });

  it('leaves out what was not chosen (mqtt.js defaults apply), credentials included', () => {
    const options = mqttClientOptions({ clientId: 'a', username: undefined, password: undefined });
    expect(options).toEqual({ protocolVersion: 4, clientId: 'a', log: expect.any(Function) });
    expect(Object.keys(options)).not.toContain('username');
  });

  it("silences mqtt.js's packet trace unless DEBUG asks for it", () => {
    const saved = process.env.DEBUG;
    try {
      for (const debug of ['mqttjs*', 'mqttjs:client', 'pino,mqttjs*', '*']) {
        process.env.DEBUG = debug;
        expect(Object.keys(mqttClientOptions({ clientId: 'a' }))).not.toContain('log');
      }
      for (const debug of ['', 'express:*', 'notmqttjs']) {
        process.env.DEBUG = debug;
        const log = mqttClientOptions({ clientId: 'a' }).log;
        expect(log?.('publish :: %s', 'x')).toBeUndefined();
        expect(log).toBeDefined();
      }
    } finally {
      if (saved === undefined) delete process.env.DEBUG;
      else process.env.DEBUG = saved;
    }
  });

  it('names short-lived clients apart', () => {
    const a = uniqueClientId('probe');
    expect(a).toMatch(/^probe-[0-9a-z]{1,8}$/);
    expect(new Set(Array.from({ length: 50 }, () => uniqueClientId('probe'))).size).toBe(50);
  });
});
