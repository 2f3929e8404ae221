import { requireBinary } from './binaries.js';
import { startProcess, type ManagedProcess } from '@kpp/runtime';
import { freePort } from '@kpp/runtime';
import { tempDir } from './temp-dir.js';

/** A real redis-server on a free loopback port, no persistence. */
export interface Redis {
  port: number;
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<Redis> {
  const bin = requireBinary('redis-server');
  const dir = await tempDir('kpp-redis-');
  const port = await freePort();
  const proc = await startProcess('redis-server', bin, {
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir.path],
    readyWhen: /Ready to accept connections/,
  });
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    process: proc,
    async stop() {
      await proc.stop();
      await dir.remove();
    },
  };
}
