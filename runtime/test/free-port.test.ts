import { readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { describe, expect, it } from '@jest/globals';
import { freePort } from '../src/free-port.js';

const ephemeralLow = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);

describe('freePort', () => {
  it('returns ports below the ephemeral range that can be listened on', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(10_000);
      expect(port).toBeLessThan(ephemeralLow);
    }
    const srv = createServer((s) => s.end('ok'));
    await new Promise<void>((r) => srv.listen(ports[0], '127.0.0.1', () => r()));
    const reply = await new Promise<string>((resolve, reject) => {
      const c = connect(ports[0] as number, '127.0.0.1');
      let got = '';
      c.on('data', (d) => (got += d.toString()));
      c.on('end', () => resolve(got));
      c.on('error', reject);
    });
    await new Promise((r) => srv.close(r));
    expect(reply).toBe('ok');
  });

});
