import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '@kpp/runtime';
import { simulatorConfigSchema } from './config.js';
import type { ShardReport, ShardRequest } from './shard-workers.js';
import { SimulatorService } from './simulator-service.js';

/** One simulator shard in a worker thread, driven by SimulatorWorkers in the main thread. */
const port = parentPort;
if (!port) throw new Error('shard-worker runs only as a worker thread');
const sim = new SimulatorService(simulatorConfigSchema.parse(workerData), { logger: createLogger() });
const post = (m: ShardReport) => port.postMessage(m);
const statsTimer = setInterval(() => post({ type: 'stats', stats: sim.stats() }), 1000);
port.on('message', (m: ShardRequest) => {
  if (m.type !== 'stop') return;
  clearInterval(statsTimer);
  void sim.stop().then(
    () => {
      post({ type: 'stopped', stats: sim.stats() });
      port.close();
    },
    (err: unknown) => post({ type: 'error', message: (err as Error).message }),
  );
});
sim.start().then(
  () => post({ type: 'started' }),
  (err: unknown) => post({ type: 'error', message: (err as Error).message }),
);
