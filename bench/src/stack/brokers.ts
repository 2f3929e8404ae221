import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KppError } from '@kpp/protocol';
import { findBinary, freePort, startProcess } from '@kpp/runtime';
import { logLine, startKpp } from './kpp-process.js';
import type { Cleanup } from './temp.js';
import { makeUsers, type BenchUsers } from './users.js';

export type BrokerKind = 'aedes' | 'mosquitto';

/** A broker for a scenario: the KPP broker (Aedes) or Debian's mosquitto, each its own process. */
export interface BrokerUnderTest {
  kind: BrokerKind;
  pid: number;
  url: string;
  wsUrl: string | undefined;
  /** Accounts for publishers and the writer (mosquitto here is anonymous: none needed). */
  users: BenchUsers | undefined;
  /** Logged disconnects / drops, read after the run (Aedes only). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * `kpp broker` on free ports (port 0: the ports bound are read from its "broker started" line)
 * with a users file, anonymous read for the subscribers, and connect-rate limits opened up so
 * the fan-out scenario's 100 clients from one address are not rate limited.
 */
export async function startKppBroker(
  cleanup: Cleanup,
  opts: {
    nodeArgs?: string[];
    /** More `kpp broker` flags (e.g. `--redis-url`, `--workers`). */
    args?: string[];
    /** The log line that means ready; with `--workers` the primary's "broker workers started". */
    readyMsg?: string;
  } = {},
): Promise<BrokerUnderTest> {
  const readyMsg = opts.readyMsg ?? 'broker started';
  const dir = await cleanup.tempDir('kpp-bench-broker-');
  const users = await makeUsers(dir);
  const proc = await startKpp(
    'kpp broker',
    [
      'broker',
      '--mqtt-port', '0',
      '--ws-port', '0',
      '--http-port', '0',
      '--users-file', users.usersFile,
      '--allow-anonymous-read', 'true',
      '--connect-rate-per-second', '100000',
      '--connect-burst', '100000',
      '--id', 'bench',
      ...(opts.args ?? []),
    ],
    { readyWhen: new RegExp(`"msg":${JSON.stringify(readyMsg)}`), ...(opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {}) },
  );
  const started = logLine(proc.output, readyMsg) as { mqttPort: number; wsPort: number } | undefined;
  if (!started) throw new KppError('PROCESS_NOT_READY', `kpp broker: no ports in its start line:\n${proc.output.slice(-2000)}`);
  const stop = async () => {
    await proc.stop();
  };
  cleanup.add(stop);
  return {
    kind: 'aedes',
    pid: proc.pid,
    url: `mqtt://127.0.0.1:${started.mqttPort}`,
    wsUrl: `ws://127.0.0.1:${started.wsPort}/mqtt`,
    users,
    output: () => proc.output,
    stop,
  };
}

/**
 * Debian's mosquitto, anonymous, on free loopback ports (TCP, and WebSocket when this build has
 * it). Queues and in-flight windows are opened up like Aedes's (which has no such limits), so
 * both brokers carry the same load the same way.
 */
export async function startMosquitto(cleanup: Cleanup): Promise<BrokerUnderTest> {
  const bin = findBinary('mosquitto');
  if (!bin) throw new KppError('NOT_INSTALLED', 'mosquitto is not installed (apt-get install mosquitto)');
  const dir = await cleanup.tempDir('kpp-bench-mosquitto-');
  const port = await freePort();
  const wsPort = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  const base = `per_listener_settings false\nallow_anonymous true\npersistence false\nmax_queued_messages 1000000\nmax_inflight_messages 0\nmax_packet_size 1048576\n`;
  const tryStart = async (withWs: boolean) => {
    await writeFile(conf, `${base}listener ${port} 127.0.0.1\n${withWs ? `listener ${wsPort} 127.0.0.1\nprotocol websockets\n` : ''}`);
    return startProcess('mosquitto', bin, { args: ['-c', conf], readyWhen: /running|Opening ipv4 listen socket/, timeoutMs: 10_000 });
  };
  let withWs = true;
  let proc;
  try {
    proc = await tryStart(true);
  } catch {
    withWs = false;
    proc = await tryStart(false);
  }
  const p = proc;
  const stop = async () => {
    await p.stop();
  };
  cleanup.add(stop);
  // mosquitto logs "running" before the listener accepts on some builds: wait for the port.
  await waitForPort(port);
  return {
    kind: 'mosquitto',
    pid: p.pid,
    url: `mqtt://127.0.0.1:${port}`,
    wsUrl: withWs ? `ws://127.0.0.1:${wsPort}/mqtt` : undefined,
    users: undefined,
    output: () => p.output,
    stop,
  };
}

async function waitForPort(port: number, timeoutMs = 5000): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new KppError('PROCESS_NOT_READY', `nothing listens on 127.0.0.1:${port}`);
}
