import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { requireBinary } from './binaries.js';
import { startProcess, type ManagedProcess } from '@kpp/runtime';
import { freePort } from '@kpp/runtime';
import { tempDir } from './temp-dir.js';

/** Debian's mosquitto broker on a free loopback port, anonymous, MQTT 3.1.1 peers welcome. */
export interface Mosquitto {
  port: number;
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

export interface MosquittoOptions {
  /** More mosquitto.conf lines, after the listener (e.g. `password_file …`). */
  config?: string[];
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<Mosquitto> {
  const bin = requireBinary('mosquitto');
  const dir = await tempDir('kpp-mosquitto-');
  const port = await freePort();
  const conf = join(dir.path, 'mosquitto.conf');
  await writeFile(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      'max_queued_messages 100000',
      ...(opts.config ?? []),
      '',
    ].join('\n'),
  );
  const proc = await startProcess('mosquitto', bin, {
    args: ['-c', conf, '-v'],
    readyWhen: /running|Opening ipv4 listen socket/,
  });
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    process: proc,
    async stop() {
      await proc.stop();
      await dir.remove();
    },
  };
}
