import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireBinary, startInfluxd, startMosquitto, startRedis } from '../../src/index.js';

const run = promisify(execFile);

describe('testkit servers', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('starts influxd on a free port, writes and reads a point, and survives pause/start', async () => {
    const influx = await startInfluxd();
    cleanups.push(() => influx.stop());
    await influx.query('CREATE DATABASE t');
    const res = await fetch(`${influx.url}/write?db=t&precision=ms`, { method: 'POST', body: 'm,k=a v=1.5 1700000000000' });
    expect(res.status).toBe(204);
    await influx.pause();
    expect(influx.process.running).toBe(false);
    await influx.start();
    const series = await influx.query('SELECT v FROM m', 't');
    expect(series[0]?.values).toEqual([[1700000000000, 1.5]]);
  });

  it('starts mosquitto and passes a retained message between its own clients', async () => {
    const mosq = await startMosquitto();
    cleanups.push(() => mosq.stop());
    const port = String(mosq.port);
    await run(requireBinary('mosquitto_pub'), ['-p', port, '-t', 'a/b', '-r', '-m', 'hello']);
    const { stdout } = await run(requireBinary('mosquitto_sub'), ['-p', port, '-t', 'a/#', '-C', '1', '-W', '5']);
    expect(stdout.trim()).toBe('hello');
  });

  it('starts redis-server that answers PING', async () => {
    const redis = await startRedis();
    cleanups.push(() => redis.stop());
    const { createConnection } = await import('node:net');
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = createConnection(redis.port, '127.0.0.1', () => sock.write('PING\r\n'));
      sock.once('data', (d) => {
        resolve(d.toString());
        sock.end();
      });
      sock.once('error', reject);
    });
    expect(reply).toBe('+PONG\r\n');
  });
});
