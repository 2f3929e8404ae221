import { describe, expect, it } from '@jest/globals';
import { buildTopic, parseTopic, topics, TOPIC_ROOT, type ParsedTopic } from '../src/index.js';

describe('topic map', () => {
  const cases: [string, ParsedTopic][] = [
    [topics.clock(), { kind: 'clock' }],
    [topics.alerts(), { kind: 'alerts' }],
    [topics.frame('u1'), { kind: 'unit', unit: 'u1', sub: 'frame' }],
    [topics.compact('u1'), { kind: 'unit', unit: 'u1', sub: 'z' }],
    [topics.state('plant-7_b'), { kind: 'unit', unit: 'plant-7_b', sub: 'state' }],
    [topics.meta('u1'), { kind: 'unit', unit: 'u1', sub: 'meta' }],
    [topics.cmd('u1'), { kind: 'unit', unit: 'u1', sub: 'cmd' }],
    [topics.cmdAck('u1'), { kind: 'unit', unit: 'u1', sub: 'cmd/ack' }],
    [topics.health('writer', 'w-1'), { kind: 'health', component: 'writer', instance: 'w-1' }],
    [topics.fleetFrames('sim-2'), { kind: 'fleet', source: 'sim-2' }],
  ];

  it.each(cases)('%s parses and builds back', (topic, parsed) => {
    expect(topic.startsWith(`${TOPIC_ROOT}/`)).toBe(true);
    expect(parseTopic(topic)).toEqual({ ok: true, value: parsed });
    expect(buildTopic(parsed)).toBe(topic);
  });

  it('round-trips under another root', () => {
    const root = 'site-a/kpp/v1';
    for (const [, parsed] of cases) {
      const topic = buildTopic(parsed, root);
      expect(topic.startsWith(`${root}/`)).toBe(true);
      expect(parseTopic(topic, root)).toEqual({ ok: true, value: parsed });
      expect(parseTopic(topic).ok).toBe(false);
    }
  });

  it.each([
    ['kpp/v2/clock', 'BAD_TOPIC'],
    ['kpp/v1', 'BAD_TOPIC'],
    ['kpp/v1/', 'BAD_TOPIC'],
    ['kpp/v1/clock/', 'BAD_TOPIC'],
    ['/kpp/v1/clock', 'BAD_TOPIC'],
    ['kpp/v1/units/u1', 'BAD_TOPIC'],
    ['kpp/v1/units/u1/frames', 'BAD_TOPIC'],
    ['kpp/v1/units/u1/cmd/ack/x', 'BAD_TOPIC'],
    ['kpp/v1/units/u1/', 'BAD_TOPIC'],
    ['kpp/v1/units/U1/frame', 'BAD_UNIT_ID'],
    ['kpp/v1/units//frame', 'BAD_UNIT_ID'],
    [topics.allFrames(), 'BAD_UNIT_ID'],
    [topics.everything(), 'BAD_TOPIC'],
    [topics.allHealth(), 'BAD_TOPIC'],
    ['kpp/v1/health/writer', 'BAD_TOPIC'],
    ['kpp/v1/health/writer/w-1/extra', 'BAD_TOPIC'],
    ['kpp/v1/health/Writer/w-1', 'BAD_TOPIC'],
    ['kpp/v1/health/writer/+', 'BAD_TOPIC'],
    ['kpp/v1/health/writer/w 1', 'BAD_TOPIC'],
    [topics.allFleetFrames(), 'BAD_TOPIC'],
    ['kpp/v1/fleet/sim/frame', 'BAD_TOPIC'],
    ['kpp/v1/fleet/Sim/frames', 'BAD_TOPIC'],
    ['kpp/v1/fleet/sim/frames/x', 'BAD_TOPIC'],
  ])('rejects %s with %s', (topic, code) => {
    const result = parseTopic(topic);
    expect(result.ok ? 'accepted' : result.reason.code).toBe(code);
    if (!result.ok) expect(result.reason.message.length).toBeGreaterThan(0);
  });
});
