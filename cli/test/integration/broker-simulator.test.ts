import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createBroker, staticUserStore, hashPassword, brokerConfig, type KppBroker, type BrokerPorts } from '@kpp/broker';
import { decodeClock, decodeFrame, decodeMeta, topics } from '@kpp/protocol';
import { SimulatorService, simulatorConfigSchema } from '@kpp/simulator';
import { requireBinary, startProcess, waitFor, type ManagedProcess } from '@kpp/testkit';

/** Our broker with auth on, the real simulator, and Debian's mosquitto_sub as the third party. */
describe('mosquitto_sub against @kpp/broker fed by the simulator', () => {
  let broker: KppBroker;
  let ports: BrokerPorts;
  let sim: SimulatorService;
  const procs: ManagedProcess[] = [];

  beforeAll(async () => {
    const fast = { N: 1024, r: 8, p: 1 };
    const users = staticUserStore({
      sim: { role: 'simulator', password: await hashPassword('sim-password', fast) },
      viewer: { role: 'viewer', password: await hashPassword('viewer-password', fast) },
    });
    const config = brokerConfig({ mqttPort: 0, wsPort: 0, httpPort: 0 });
    if (!config.ok) throw new Error(config.reason.message);
    broker = createBroker(config.value, { users });
    ports = await broker.start();
    sim = new SimulatorService(
      simulatorConfigSchema.parse({ mqttUrl: `mqtt://127.0.0.1:${ports.mqttPort}`, username: 'sim', password: 'sim-password', units: 2, rateHz: 20 }),
    );
    await sim.start();
    await waitFor(() => sim.stats().link.published > 20, { what: 'simulator publishing' });
  });

  afterAll(async () => {
    for (const p of procs) await p.kill();
    await sim?.stop();
    await broker?.stop();
  });

  const sub = async (args: string[]) => {
    const p = await startProcess('mosquitto_sub', requireBinary('mosquitto_sub'), {
      args: ['-h', '127.0.0.1', '-p', String(ports.mqttPort), '-V', 'mqttv311', '-u', 'viewer', '-P', 'viewer-password', ...args],
    });
    procs.push(p);
    await p.exited;
    return p.output.trim().split('\n');
  };

  it("mosquitto_sub -t 'kpp/v1/units/+/frame' prints the simulator's JSON frames", async () => {
    const lines = await sub(['-t', topics.allFrames(), '-q', '1', '-C', '20', '-W', '20']);
    expect(lines).toHaveLength(20);
    const frames = lines.map((l) => decodeFrame(l));
    for (const f of frames) expect(f.ok).toBe(true);
    expect(new Set(frames.map((f) => (f.ok ? f.value.unit : '')))).toEqual(new Set(['u1', 'u2']));
  });

  it('retained state, meta and clock arrive on subscribe', async () => {
    // One subscriber per topic: on one connection the clock's live ticks (20 Hz) can fill a
    // message count before a loaded broker has sent every retained message. Meta is published
    // once, at connect: it can only arrive retained.
    const first = (topic: string) => sub(['-t', topic, '-C', '1', '-W', '10']).then((lines) => lines[0] ?? '');
    const [state, meta, clock] = await Promise.all([first(topics.state('u1')), first(topics.meta('u2')), first(topics.clock())]);
    expect(decodeFrame(state, { expectedUnit: 'u1' }).ok).toBe(true);
    expect(decodeMeta(meta, { expectedUnit: 'u2' }).ok).toBe(true);
    const decoded = decodeClock(clock);
    expect(decoded.ok && decoded.value.rate_hz).toBe(20);
  });

  it('the viewer cannot command a unit; the broker counts the forbidden publish', async () => {
    const before = broker.stats().counters;
    const pub = await startProcess('mosquitto_pub', requireBinary('mosquitto_pub'), {
      args: ['-h', '127.0.0.1', '-p', String(ports.mqttPort), '-V', 'mqttv311', '-u', 'viewer', '-P', 'viewer-password', '-t', topics.cmd('u1'), '-q', '1', '-m', '{"id":"x","cmd":"stop"}'],
    });
    expect(await pub.exited).toBe(0);
    await waitFor(() => broker.stats().counters.dropped.forbidden === before.dropped.forbidden + 1, { what: 'drop counted' });
    expect(sim.stats().commands.received).toBe(0);
  });
});
