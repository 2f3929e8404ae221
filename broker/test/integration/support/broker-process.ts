import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess, tempDir, type ManagedProcess, type TempDir } from '@kpp/testkit';
import { addUser } from '../../../src/index.js';
import { TEST_SCRYPT, TEST_USERS, passwordOf } from './test-broker.js';

/** `kpp broker` as a process: the compiled CLI (`npm test` builds before jest runs). */
export const BROKER_COMMAND = [
  resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../../cli/dist/bin/kpp.js'),
  'broker',
];

export interface BrokerProcess {
  id: string;
  process: ManagedProcess;
  mqttPort: number;
  wsPort: number;
  httpPort: number;
  tcpUrl: string;
  wsUrl: string;
  httpUrl: string;
  /** SIGTERM, wait for the graceful exit; returns the exit code. */
  stop(): Promise<number | null>;
}

let usersDir: Promise<TempDir> | undefined;
const dirs: TempDir[] = [];

/** A users file with the test users, shared by the broker processes of one test file. */
export async function testUsersFile(): Promise<string> {
  usersDir ??= (async () => {
    const dir = await tempDir('kpp-broker-proc-');
    dirs.push(dir);
    for (const [name, role] of Object.entries(TEST_USERS))
      await addUser(join(dir.path, 'users.json'), name, passwordOf(name), role, {
        scrypt: TEST_SCRYPT,
      });
    return dir;
  })();
  return join((await usersDir).path, 'users.json');
}

/** Removes the users file's directory (call in afterAll). */
export async function removeTestUsersFile(): Promise<void> {
  await Promise.all(dirs.splice(0).map((d) => d.remove()));
  usersDir = undefined;
}

/**
 * `node broker/dist/main.js` as a separate process, configured through KPP_BROKER_* variables
 * (`settings` keys are config keys), on free ports, ready when it logs "broker started" (or
 * `readyWhen`).
 */
export async function startBrokerProcess(
  id: string,
  settings: Record<string, string | number | boolean> = {},
  readyWhen = /"msg":"broker started"/,
): Promise<BrokerProcess> {
  const [mqttPort, wsPort, httpPort] = [await freePort(), await freePort(), await freePort()];
  const verbose = ['debug', 'trace'].includes(process.env.KPP_TEST_LOG ?? '');
  const env: Record<string, string> = {
    KPP_LOG_LEVEL: verbose ? (process.env.KPP_TEST_LOG as string) : 'info',
  };
  const all = { id, mqttPort, wsPort, httpPort, usersFile: await testUsersFile(), ...settings };
  for (const [key, value] of Object.entries(all)) {
    env[`KPP_BROKER_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`] = String(value);
  }
  const proc = await startProcess(`broker ${id}`, process.execPath, {
    args: BROKER_COMMAND,
    env,
    readyWhen,
    timeoutMs: 20_000,
  });
  return {
    id,
    process: proc,
    mqttPort,
    wsPort,
    httpPort,
    tcpUrl: `mqtt://127.0.0.1:${mqttPort}`,
    wsUrl: `ws://127.0.0.1:${wsPort}/mqtt`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    stop: () => proc.stop(10_000),
  };
}
