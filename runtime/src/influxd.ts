import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from './logger.js';
import { startProcess, type ManagedProcess } from './managed-process.js';

/** influxd 1.x configuration with everything under `dir` and only loopback listeners. */
export function influxdConfig(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-enabled = false
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  pprof-enabled = false
[continuous_queries]
  enabled = true
  log-enabled = false
  run-interval = "1s"
`;
}

export interface InfluxdLaunch {
  /** Path of the influxd binary. */
  bin: string;
  /** Where its config and data live. */
  dir: string;
  httpPort: number;
  rpcPort: number;
  timeoutMs?: number;
  ownProcessGroup?: boolean;
  /** influxd is told to stop when the launching process dies (see StartOptions.dieWithParent). */
  dieWithParent?: boolean;
  /** Gets the warning when dieWithParent cannot be honoured. */
  logger?: Pick<Logger, 'warn'>;
}

/** Where `launchInfluxd` writes the config for a server in `dir`. */
export const influxdConfigPath = (dir: string): string => join(dir, 'influxdb.conf');

/** Writes the config and starts influxd; resolves once /ping answers. */
export async function launchInfluxd({ bin, dir, httpPort, rpcPort, timeoutMs = 30_000, ownProcessGroup, dieWithParent, logger }: InfluxdLaunch): Promise<ManagedProcess> {
  await mkdir(dir, { recursive: true });
  const configPath = influxdConfigPath(dir);
  await writeFile(configPath, influxdConfig(dir, httpPort, rpcPort));
  const url = `http://127.0.0.1:${httpPort}`;
  return startProcess('influxd', bin, {
    args: ['-config', configPath],
    readyWhen: async () => (await fetch(`${url}/ping`)).status === 204,
    timeoutMs,
    ownProcessGroup,
    dieWithParent,
    logger,
  });
}
