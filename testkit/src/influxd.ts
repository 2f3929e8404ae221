import { freePort, launchInfluxd, type ManagedProcess } from '@kpp/runtime';
import { createInfluxQl, queryOrThrow, type InfluxSeries } from '@kpp/storage';
import { requireBinary } from './binaries.js';
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
  /** InfluxQL against /query (the shared client of @kpp/storage); throws on an HTTP or statement error. */
  query(q: string, db?: string): Promise<InfluxSeries[]>;
  stop(): Promise<void>;
}

export async function startInfluxd(): Promise<Influxd> {
  const bin = requireBinary('influxd');
  const dir: TempDir = await tempDir('kpp-influxd-');
  const httpPort = await freePort();
  const rpcPort = await freePort();
  const url = `http://127.0.0.1:${httpPort}`;
  const launch = () => launchInfluxd({ bin, dir: dir.path, httpPort, rpcPort });

  let proc = await launch();
  const influxql = createInfluxQl({ url, timeoutMs: 30_000 });
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
    query: (q, db) => queryOrThrow(influxql, q, db),
    async stop() {
      await proc.stop();
      await dir.remove();
    },
  };
  return server;
}
