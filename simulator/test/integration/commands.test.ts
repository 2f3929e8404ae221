import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import { decodeCommandAck, decodeFrame, topics, type CommandAck, type Frame } from '@kpp/protocol';
import { startAedes, waitFor, type InProcessBroker } from '@kpp/testkit';
import { SimulatorService, simulatorConfigSchema } from '../../src/index.js';

describe('commands over MQTT against a real (Aedes) broker', () => {
  let broker: InProcessBroker;
  let sim: SimulatorService;
  let operator: MqttClient;
  const frames: Frame[] = [];
  const acks = new Map<string, CommandAck>();

  beforeAll(async () => {
    broker = await startAedes();
    sim = new SimulatorService(simulatorConfigSchema.parse({ mqttUrl: broker.url, units: 2, rateHz: 20 }));
    await sim.start();
    operator = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'test-operator' });
    operator.on('message', (topic, payload) => {
      if (topic.endsWith('/cmd/ack')) {
        const ack = decodeCommandAck(payload);
        if (ack.ok) acks.set(ack.value.id, ack.value);
      } else {
        const f = decodeFrame(payload, { expectedUnit: 'u1' });
        if (f.ok) frames.push(f.value);
      }
    });
    await operator.subscribeAsync([topics.frame('u1'), topics.cmdAck('u1')], { qos: 1 });
  });

  afterAll(async () => {
    await operator?.endAsync();
    await sim?.stop();
    await broker?.stop();
  });

  async function send(id: string, body: Record<string, unknown> | string): Promise<CommandAck> {
    const payload = typeof body === 'string' ? body : JSON.stringify({ id, ...body });
    await operator.publishAsync(topics.cmd('u1'), payload, { qos: 1 });
    return waitFor(() => acks.get(id), { what: `ack ${id}` });
  }

  const latest = () => frames[frames.length - 1]!;
  const framesAfter = async (n: number) => {
    const start = frames.length;
    await waitFor(() => frames.length >= start + n, { what: `${n} more frames` });
    return frames.slice(start);
  };

  it('publishes valid frames every tick with consecutive seq', async () => {
    const got = await framesAfter(10);
    // A seq is missing only where the clock skipped ticks (a stalled process, counted), never in transport.
    let missing = 0;
    for (let i = 1; i < got.length; i++) {
      expect(got[i]!.seq).toBeGreaterThan(got[i - 1]!.seq);
      missing += got[i]!.seq - got[i - 1]!.seq - 1;
    }
    expect(missing).toBeLessThanOrEqual(sim.stats().clock.skipped);
  });

  it('sets a parameter and acknowledges it', async () => {
    const ack = await send('set-1', { cmd: 'set', params: { target_speed_mps: 0.8 } });
    expect(ack).toMatchObject({ id: 'set-1', cmd: 'set', ok: true });
  });

  it('pauses and resumes: frames keep flowing, state follows', async () => {
    expect((await send('p1', { cmd: 'pause' })).ok).toBe(true);
    const paused = await framesAfter(5);
    expect(paused.at(-1)!.state).toBe('paused');
    expect(paused.at(-1)!.chain_position_m).toBe(paused.at(-2)!.chain_position_m);
    expect((await send('r1', { cmd: 'resume' })).ok).toBe(true);
    const resumed = await framesAfter(5);
    expect(resumed.at(-1)!.state).toBe('running');
  });

  it('injects and clears a fault, visible in fault_mask', async () => {
    expect((await send('f1', { cmd: 'inject_fault', fault: 'bearing_overheating' })).ok).toBe(true);
    await framesAfter(3);
    expect(latest().fault_mask).not.toBe(0);
    expect((await send('f2', { cmd: 'clear_fault', fault: 'bearing_overheating' })).ok).toBe(true);
    await framesAfter(3);
    expect(latest().fault_mask).toBe(0);
  });

  it('answers an unknown parameter, an out-of-range value and malformed JSON with error acks naming the problem', async () => {
    const unknown = await send('e1', { cmd: 'set', params: { warp_drive: 1 } });
    expect(unknown).toMatchObject({ ok: false, code: 'UNKNOWN_PARAMETER' });
    expect(unknown.ok === false && unknown.error).toContain('warp_drive');

    const range = await send('e2', { cmd: 'set', params: { target_speed_mps: 1e6 } });
    expect(range).toMatchObject({ ok: false, code: 'OUT_OF_RANGE' });
    expect(range.ok === false && range.error).toContain('target_speed_mps');

    await operator.publishAsync(topics.cmd('u1'), '{"id":"e3","cmd":', { qos: 1 });
    await waitFor(() => sim.stats().commands.rejected >= 3, { what: 'malformed command counted' });

    const before = latest().seq;
    const after = await framesAfter(5);
    expect(after.at(-1)!.seq).toBeGreaterThan(before);
    expect(sim.stats().commands).toMatchObject({ rejected: 3 });
  });
});
