import { join } from 'node:path';
import { KppError, quoteIdent, UNIT_MEASUREMENT, UNIT_TAG } from '@kpp/protocol';
import { findBinary, freePort, launchInfluxd } from '@kpp/runtime';
import { createInfluxQl, queryOrThrow } from '@kpp/storage';
import type { Cleanup } from './temp.js';
import type { StoredFrame } from '../loss.js';

/** Debian's influxd 1.6.7 with its data in a temp dir, on free loopback ports. */
export interface BenchInfluxd {
  url: string;
  pid: number;
  /** InfluxQL statement(s) through POST /query; throws on an HTTP or statement error. */
  query(q: string, db?: string): Promise<unknown[][]>;
  /** Stored frame points (`kpp_unit`) with time in [fromMs, toMs] (count of the always-present `seq`). */
  countPoints(db: string, fromMs: number, toMs: number): Promise<number>;
  /** Every frame point (`kpp_unit`) with time in [fromMs, toMs): its unit and seq, one entry per point. */
  storedFrames(db: string, fromMs: number, toMs: number): Promise<StoredFrame[]>;
  /** POST /write of line protocol at ms precision. */
  write(db: string, body: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startBenchInfluxd(cleanup: Cleanup): Promise<BenchInfluxd> {
  const bin = findBinary('influxd');
  if (!bin) throw new KppError('NOT_INSTALLED', 'influxd is not installed (apt-get install influxdb)');
  const dir = await cleanup.tempDir('kpp-bench-influxd-');
  const httpPort = await freePort();
  const rpcPort = await freePort();
  const proc = await launchInfluxd({ bin, dir: join(dir, 'influxdb'), httpPort, rpcPort });
  const stop = async () => {
    await proc.stop();
  };
  cleanup.add(stop);
  const url = `http://127.0.0.1:${httpPort}`;
  const influxql = createInfluxQl({ url, timeoutMs: 60_000 });
  const query = async (q: string, db?: string): Promise<unknown[][]> =>
    (await queryOrThrow(influxql, q, db)).flatMap((s) => s.values ?? []);
  return {
    url,
    pid: proc.pid,
    query,
    async countPoints(db, fromMs, toMs) {
      const rows = await query(
        `SELECT count("seq") FROM ${quoteIdent(UNIT_MEASUREMENT)} WHERE time >= ${Math.floor(fromMs)}ms AND time <= ${Math.ceil(toMs)}ms`,
        db,
      );
      return rows.reduce((n, row) => n + Number(row[1] ?? 0), 0);
    },
    async storedFrames(db, fromMs, toMs) {
      const out: StoredFrame[] = [];
      // In slices of 5 s (50 000 points at 1000 units × 10 Hz), so no one response gets huge.
      for (let a = Math.floor(fromMs); a < toMs; a += 5000) {
        const b = Math.min(Math.ceil(toMs), a + 5000);
        const rows = await query(`SELECT ${quoteIdent('seq')}, ${quoteIdent(UNIT_TAG)} FROM ${quoteIdent(UNIT_MEASUREMENT)} WHERE time >= ${a}ms AND time < ${b}ms`, db);
        for (const row of rows) out.push({ seq: Number(row[1]), unit: String(row[2]) });
      }
      return out;
    },
    async write(db, body) {
      const res = await fetch(`${url}/write?db=${encodeURIComponent(db)}&precision=ms`, { method: 'POST', body, signal: AbortSignal.timeout(60_000) });
      if (res.status !== 204) throw new KppError('INFLUX_FAILED', `influx write failed: ${res.status} ${await res.text()}`);
    },
    stop,
  };
}
