import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { KppError } from '@kpp/protocol';

/**
 * A TCP port that was free a moment ago on 127.0.0.1, chosen below the kernel's ephemeral range.
 *
 * Why not port 0: the OS then hands out a port from the ephemeral range, the same range it
 * takes the local ports of outgoing connections from. Between "free" and the caller's listen(),
 * any new connection on the machine (a Redis client, an MQTT client) could take that port, and
 * the process started on it failed with EADDRINUSE (seen in the broker's cluster tests).
 * Below the range only other listeners compete, and each candidate is checked by binding it.
 */
export async function freePort(): Promise<number> {
  const [low, high] = portsBelowEphemeralRange();
  for (let attempt = 0; attempt < 50; attempt++) {
    const candidate = low + Math.floor(Math.random() * (high - low));
    if ((await tryListen(candidate)) !== undefined) return candidate;
  }
  const port = await tryListen(0);
  if (port === undefined) throw new KppError('NO_FREE_PORT', 'no free TCP port on 127.0.0.1');
  return port;
}

function tryListen(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', () => resolve(undefined));
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      const bound = typeof addr === 'object' && addr ? addr.port : undefined;
      srv.close(() => resolve(bound));
    });
  });
}

/** [low, high) under the ephemeral range (Linux: /proc; elsewhere IANA's 49152). */
function portsBelowEphemeralRange(): [number, number] {
  let ephemeralLow = 49_152;
  try {
    const first = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0],
    );
    if (Number.isInteger(first) && first > 12_000) ephemeralLow = first;
  } catch {
    // not Linux: keep IANA's default
  }
  return [10_000, ephemeralLow];
}
