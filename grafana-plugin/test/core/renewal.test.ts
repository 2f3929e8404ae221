import { Connection, DuplicateFilter, ManualScheduler, type Credentials } from '../../src/core';
import { FakeBroker, flush } from '../support/fake-broker';

/** A token service: each call hands out a new password, the only one the broker then accepts for new logins. */
function tokens(broker: FakeBroker, validForMs: number) {
  let n = 0;
  const issued: string[] = [];
  const source = async (): Promise<Credentials> => {
    const password = `token-${++n}`;
    issued.push(password);
    broker.users = { alice: password };
    return { username: 'alice', password, validForMs };
  };
  return { source, issued };
}

function setup(validForMs = 5000) {
  const broker = new FakeBroker();
  const scheduler = new ManualScheduler(1_000_000);
  const t = tokens(broker, validForMs);
  const conn = new Connection(
    { url: 'ws://fake/mqtt', clientId: 'c', credentials: t.source, random: () => 0.5 },
    broker.factory,
    scheduler
  );
  return { broker, scheduler, conn, ...t };
}

/** Publishes a numbered message every 100 ms for `ms`, letting connects and renewals run in between. */
async function stream(broker: FakeBroker, scheduler: ManualScheduler, ms: number, from: number): Promise<number> {
  let seq = from;
  for (let t = 0; t < ms; t += 100) {
    broker.publish('kpp/v1/units/u1/z', String(seq++));
    scheduler.advance(100);
    await flush();
  }
  return seq;
}

describe('Connection with short-lived credentials', () => {
  it('logs in with fetched credentials and renews them make-before-break: every message once, in order', async () => {
    const { broker, scheduler, conn, issued } = setup(5000);
    const got: number[] = [];
    conn.subscribe('kpp/v1/units/+/z', (_t, payload) => got.push(Number(new TextDecoder().decode(payload))));
    await flush();
    expect(conn.status().state).toBe('connected');
    const sent = await stream(broker, scheduler, 20_000, 0);
    expect(issued.length).toBeGreaterThanOrEqual(5);
    expect(conn.status().renewals).toBe(issued.length - 1);
    // Renewals are not reconnects: delta chains (compact stream) are kept.
    expect(conn.status().connects).toBe(1);
    expect(got).toEqual(Array.from({ length: sent }, (_, i) => i));
    // The old connection is gone after each handover; each login used its own client id.
    expect(broker.sessions.size).toBe(1);
    const logins = broker.log.filter((l) => l.op === 'connect').map((l) => l.clientId);
    expect(new Set(logins).size).toBe(logins.length);
    conn.close();
  });

  it('keeps the old connection when a renewal fails, and retries before it expires', async () => {
    const broker = new FakeBroker();
    const scheduler = new ManualScheduler(0);
    let calls = 0;
    let fail = false;
    const conn = new Connection(
      {
        url: 'ws://fake/mqtt',
        credentials: async () => {
          calls++;
          if (fail) throw new Error('HTTP 502');
          return { username: 'alice', password: `token-${calls}`, validForMs: 10_000 };
        },
      },
      broker.factory,
      scheduler
    );
    const got: string[] = [];
    conn.subscribe('x', (_t, p) => got.push(new TextDecoder().decode(p)));
    await flush();
    fail = true;
    scheduler.advance(6000); // renewal at 60 % of 10 s fails…
    await flush();
    expect(calls).toBe(2);
    expect(conn.status().state).toBe('connected');
    expect(conn.status().renewals ?? 0).toBe(0);
    broker.publish('x', 'still here');
    expect(got).toEqual(['still here']);
    fail = false; // …the retry (a quarter of what is left, 1 s) succeeds
    scheduler.advance(1000);
    await flush();
    expect(calls).toBe(3);
    expect(conn.status().renewals).toBe(1);
    conn.close();
    expect(broker.sessions.size).toBe(0);
  });

  it('reports a credential source that fails as an authentication error and retries', async () => {
    const broker = new FakeBroker();
    const scheduler = new ManualScheduler(0);
    let calls = 0;
    const conn = new Connection(
      {
        url: 'ws://fake/mqtt',
        credentials: async () => {
          calls++;
          throw new Error('HTTP 401');
        },
        random: () => 0.5,
      },
      broker.factory,
      scheduler
    );
    conn.subscribe('x', () => undefined);
    await flush();
    expect(conn.status().state).toBe('reconnecting');
    expect(conn.status().lastError).toEqual({ kind: 'auth', message: 'no broker credentials: HTTP 401' });
    scheduler.advance(300);
    await flush();
    expect(calls).toBe(2);
    conn.close();
  });
});

describe('DuplicateFilter', () => {
  it('passes the first copy from either side and drops its twin', () => {
    const f = new DuplicateFilter();
    const b = (s: string) => new TextEncoder().encode(s);
    expect(f.pass(0, 't', b('1'))).toBe(true);
    expect(f.overlapped).toBe(false);
    expect(f.pass(1, 't', b('2'))).toBe(true);
    expect(f.pass(0, 't', b('2'))).toBe(false);
    expect(f.overlapped).toBe(true);
    expect(f.pass(1, 'u', b('2'))).toBe(true);
    expect(f.pass(1, 't', b('2'))).toBe(true); // a genuine repeat, not a twin
  });
});
