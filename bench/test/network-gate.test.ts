import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freePort } from '@kpp/runtime';
import { NetworkGate } from '../src/index.js';

const dial = (port: number) =>
  new Promise<Socket>((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
const echoOnce = (s: Socket, text: string) =>
  new Promise<string>((resolve) => {
    s.once('data', (d) => resolve(d.toString()));
    s.write(text);
  });

describe('NetworkGate', () => {
  let echo: Server;
  let gate: NetworkGate;

  beforeAll(async () => {
    echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    const port = (echo.address() as { port: number }).port;
    gate = new NetworkGate(await freePort(), { host: '127.0.0.1', port });
    await gate.open();
  });
  afterAll(async () => {
    await gate.stop();
    await new Promise<void>((r) => echo.close(() => r()));
  });

  it('relays both ways', async () => {
    const s = await dial(gate.port);
    expect(await echoOnce(s, 'ping')).toBe('ping');
    s.destroy();
  });

  it('cuts every connection and refuses new ones while closed, then relays again', async () => {
    const s = await dial(gate.port);
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    const cut = gate.close(3000); // long enough that no stall here reaches the reopening
    await closed;
    await expect(dial(gate.port)).rejects.toThrow();
    await cut;
    const again = await dial(gate.port);
    expect(await echoOnce(again, 'back')).toBe('back');
    again.destroy();
  });
});
