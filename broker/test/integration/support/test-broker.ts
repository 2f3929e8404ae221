import { pino, type Logger } from 'pino';
import {
  brokerConfig,
  createBroker,
  hashPassword,
  staticUserStore,
  type BrokerConfigInput,
  type BrokerPorts,
  type KppBroker,
  type Role,
  type UserRecord,
  type UserStore,
} from '../../../src/index.js';

/** Cheap scrypt for tests (the default costs ~60 ms a check). */
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 };

/** One user per role; the password is `<name>-password`. */
export const TEST_USERS: Record<string, Role> = {
  sim: 'simulator',
  writer: 'writer',
  viewer: 'viewer',
  ops: 'operator',
  admin: 'admin',
};

export const passwordOf = (user: string) => `${user}-password`;
export const credentials = (user: string) => ({ username: user, password: passwordOf(user) });

let usersTable: Promise<Record<string, UserRecord>> | undefined;
export function testUsers(): Promise<UserStore> {
  usersTable ??= (async () => {
    const entries = await Promise.all(
      Object.entries(TEST_USERS).map(
        async ([name, role]) =>
          [name, { role, password: await hashPassword(passwordOf(name), TEST_SCRYPT) }] as const,
      ),
    );
    return Object.fromEntries(entries);
  })();
  return usersTable.then(staticUserStore);
}

/** Logs to stderr when KPP_TEST_LOG is set (e.g. KPP_TEST_LOG=debug), silent otherwise. */
export const testLogger = () =>
  pino({ level: process.env.KPP_TEST_LOG ?? 'silent' }, pino.destination(2));

export interface TestBroker {
  broker: KppBroker;
  ports: BrokerPorts;
  tcpUrl: string;
  wsUrl: string;
  httpUrl: string;
  stop(): Promise<void>;
}

/** An in-process broker on free ports with the test users (override any config key). */
export async function startTestBroker(
  overrides: BrokerConfigInput = {},
  users?: UserStore,
  logger: Logger = testLogger(),
): Promise<TestBroker> {
  const config = brokerConfig({ mqttPort: 0, wsPort: 0, httpPort: 0, id: 'test', ...overrides });
  if (!config.ok) throw new Error(config.reason.message);
  const broker = createBroker(config.value, {
    logger,
    users: users ?? (await testUsers()),
  });
  const ports = await broker.start();
  return {
    broker,
    ports,
    tcpUrl: `mqtt://127.0.0.1:${ports.mqttPort}`,
    wsUrl: `ws://127.0.0.1:${ports.wsPort}/mqtt`,
    httpUrl: `http://127.0.0.1:${ports.httpPort}`,
    stop: () => broker.stop(),
  };
}
