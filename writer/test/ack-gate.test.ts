import { afterEach, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { systemClock } from '@kpp/runtime';
import { tempDir, waitFor, type TempDir } from '@kpp/testkit';
import { AckGate } from '../src/ack-gate.js';
import { Spool } from '../src/spool.js';

let dir: TempDir | undefined;
let spool: Spool | undefined;

afterEach(async () => {
  await spool?.close();
  await dir?.remove();
  spool = dir = undefined;
});

const line = (i: number) => `kpp_unit,unit=u1 seq=${i}i ${1_767_225_600_000 + i * 100}`;

describe('AckGate', () => {
  it('warns once while a writer behind keeps its spool at the brim, and says "room again" once it has drained', async () => {
    dir = await tempDir('kpp-ackgate-');
    const recv = Date.now();
    let brim = 0; // room for exactly lines 0–99
    for (let i = 0; i < 100; i++) brim += Spool.recordBytes(line(i), recv);
    spool = await Spool.open({ dir: dir.path, maxBytes: brim, segmentBytes: 1 << 20, fsyncIntervalMs: 20 });
    const logged: string[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void logged.push(JSON.parse(s).msg) });
    const gate = new AckGate(spool, { clock: systemClock, logger, open: () => true });
    let next = 0;
    let acked = 0;
    const offer = (n: number) => {
      for (let k = 0; k < n; k++) gate.offer(line(next++), () => acked++);
    };
    offer(110); // 10 beyond the brim wait for room
    expect(acked).toBe(100);
    // InfluxDB confirms 10 at a time and 10 more arrive each time: the spool hovers at the brim.
    for (let round = 0; round < 10; round++) {
      const batch = await spool.readBatch(10);
      await spool.commit(batch!);
      await waitFor(() => acked === 110 + round * 10, { what: `round ${round} acked` });
      offer(10);
    }
    expect(logged.filter((m) => m.startsWith('spool full'))).toHaveLength(1);
    expect(logged.filter((m) => m.startsWith('spool has room again'))).toHaveLength(0);
    // Drained: the next message ends the spell, once.
    for (let batch = await spool.readBatch(1000); batch; batch = await spool.readBatch(1000)) await spool.commit(batch);
    await waitFor(() => acked === next, { what: 'all acked' });
    offer(2);
    expect(acked).toBe(next);
    expect(logged.filter((m) => m.startsWith('spool has room again'))).toHaveLength(1);
    expect(logged.filter((m) => m.startsWith('spool full'))).toHaveLength(1);
  });
});
