/**
 * start()/stop() of an in-process broker and of the broker process: ports reported, failures
 * named and cleaned up, graceful stop that frees every port.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:net';
import mqtt from 'mqtt';
import { freePort, startProcess } from '@kpp/testkit';
import { brokerConfig, createBroker, type KppBroker } from '../../src/index.js';
import { BROKER_COMMAND } from './support/broker-process.js';
import { credentials, startTestBroker, testLogger, testUsers } from './support/test-broker.js';

function listenOn(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}
const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));

const brokers: KppBroker[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

async function broker(input: Parameters<typeof brokerConfig>[0]): Promise<KppBroker> {
  const config = brokerConfig({ mqttPort: 0, wsPort: 0, httpPort: 0, id: 'life', ...input });
  if (!config.ok) throw new Error(config.reason.message);
  const b = createBroker(config.value, { logger: testLogger(), users: await testUsers() });
  brokers.push(b);
  return b;
}

describe('broker lifecycle', () => {
  it('reports the ports it bound, closes clients on stop and frees every port', async () => {
    const b = await startTestBroker({ id: 'life' });
    const client = await mqtt.connectAsync(b.tcpUrl, {
      ...credentials('viewer'),
      reconnectPeriod: 0,
    });
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    await b.stop();
    await closed;
    expect(b.broker.stats().state).toBe('stopped');
    const { mqttPort, wsPort, httpPort } = b.ports;
    for (const port of [mqttPort, wsPort, httpPort]) await close(await listenOn(port));
    await b.stop(); // idempotent
    await client.endAsync(true);
  });

  it('refuses to start twice', async () => {
    const b = await broker({});
    await b.start();
    await expect(b.start()).rejects.toThrow('cannot start: it is running');
  });

  it('fails to start on a port in use, naming it, and leaves no listener behind', async () => {
    const [mqttPort, wsPort] = [await freePort(), await freePort()];
    const blocker = await listenOn(wsPort);
    try {
      const b = await broker({ mqttPort, wsPort });
      await expect(b.start()).rejects.toThrow(String(wsPort));
      expect(b.stats().state).toBe('stopped');
      await close(await listenOn(mqttPort)); // the MQTT listener opened before was closed again
    } finally {
      await close(blocker);
    }
  });

  it('fails to start with an unreadable users file or TLS file, naming it', async () => {
    const noUsers = createBroker(
      (
        brokerConfig({
          mqttPort: 0,
          wsPort: 0,
          httpPort: 0,
          usersFile: '/nonexistent/users.json',
        }) as { value: never }
      ).value,
      { logger: testLogger() },
    );
    await expect(noUsers.start()).rejects.toThrow('/nonexistent/users.json');
    const noCert = await broker({
      tlsCert: '/nonexistent/cert.pem',
      tlsKey: '/nonexistent/key.pem',
    });
    await expect(noCert.start()).rejects.toThrow(
      'tlsCert = "/nonexistent/cert.pem" cannot be read',
    );
  });
});

describe('broker process (kpp broker)', () => {
  it('exits 1 on a bad setting, naming the key, the value and the variable', async () => {
    const proc = await startProcess('broker', process.execPath, {
      args: BROKER_COMMAND,
      env: { KPP_BROKER_MQTT_PORT: 'abc' },
    });
    expect(await proc.exited).toBe(1);
    expect(proc.output).toContain('mqttPort = "abc" (from KPP_BROKER_MQTT_PORT)');
  });
});
