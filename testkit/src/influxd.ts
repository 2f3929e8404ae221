import { launchInfluxd, type ManagedProcess } from '@kpp/runtime';
import { requireBinary } from './binaries.js';
import { freePort } from '@kpp/runtime';
import { tempDir, type TempDir } from './temp-dir.js';

/** A real influxd (Debian's 1.6.7) on free loopback ports with its data in a temp dir. */
export interface Influxd {
  url: string;
  httpPort: number;
  dataDir: string;
  process: ManagedProcess;
  /** Stops the server, keeping its data (for outage tests); `start()` brings it back. */
  pause(): Promise<void>;
  start(): Promise<void>;
  /** InfluxQL against /query; throws on an HTTP or statement error. */
  query(q: string, db?: string): Promise<InfluxSeries[]>;
  stop(): Promise<void>;
}

export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export async function startInfluxd(): Promise<Influxd> {
  const bin = requireBinary('influxd');
  const dir: TempDir = await tempDir('kpp-influxd-');
  const httpPort = await freePort();
  const rpcPort = await freePort();
  const url = `http://127.0.0.1:${httpPort}`;
  const launch = () => launchInfluxd({ bin, dir: dir.path, httpPort, rpcPort });

  let proc = await launch();
  const server: Influxd = {
    url,
    httpPort,
    dataDir: dir.path,
    get process() {
      return proc;
    },
    async pause() {
      await proc.stop();
    },
    async start() {
      if (!proc.running) proc = await launch();
    },
    async query(q, db) {
      const params = new URLSearchParams({ q, epoch: 'ms' });
      if (db) params.set('db', db);
      const res = await fetch(`${url}/query`, { method: 'POST', body: params });
      const body = (await res.json()) as {
        error?: string;
        results?: { error?: string; series?: InfluxSeries[] }[];
      };
      if (!res.ok || body.error) throw new Error(`influx query failed: ${body.error ?? res.status}`);
      const first = body.results?.[0];
      if (first?.error) throw new Error(`influx query failed: ${first.error}`);
      return first?.series ?? [];
    },
    async stop() {
      await proc.stop();
      await dir.remove();
    },
  };
  return server;
}
