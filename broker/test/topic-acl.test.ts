import { describe, expect, it } from '@jest/globals';
import { ACL, ROLES, canPublish, canSubscribe, filterCovers, topicMatches } from '../src/index.js';

describe('topicMatches', () => {
  it.each([
    ['kpp/v1/#', 'kpp/v1/units/u1/frame', true],
    ['kpp/v1/#', 'kpp/v1', true],
    ['kpp/v1/units/+/frame', 'kpp/v1/units/u1/frame', true],
    ['kpp/v1/units/+/frame', 'kpp/v1/units/u1/state', false],
    ['kpp/v1/units/+/cmd', 'kpp/v1/units/u1/cmd/ack', false],
    ['kpp/v1/units/+/cmd/ack', 'kpp/v1/units/u1/cmd/ack', true],
    ['#', '$SYS/broker/x', false],
    ['+/x', '$kpp/x', false],
    ['$SYS/#', '$SYS/broker/x', true],
    ['a/b', 'a/b/c', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });

  /** MQTT matching level by level, on split strings: the reference for the in-place walk. */
  function byLevels(filter: string, topic: string): boolean {
    if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
    const f = filter.split('/');
    const t = topic.split('/');
    for (let i = 0; i < f.length; i++) {
      if (f[i] === '#') return true;
      if (i >= t.length) return false;
      if (f[i] !== '+' && f[i] !== t[i]) return false;
    }
    return f.length === t.length;
  }

  it('agrees with level-by-level matching on every filter and topic built from a few levels', () => {
    const topicLevels = ['a', 'b', 'ab', '', '$s'];
    const filterLevels = [...topicLevels, '+', '#'];
    const paths = (levels: string[], max: number): string[] => {
      let out = levels.map((l) => [l]);
      const all = [...out];
      for (let n = 2; n <= max; n++) {
        out = out.flatMap((p) => levels.map((l) => [...p, l]));
        all.push(...out);
      }
      return all.map((p) => p.join('/'));
    };
    const topics = paths(topicLevels, 3);
    const filters = paths(filterLevels, 3).filter((f) => !/#./.test(f)); // '#' only last
    let matched = 0;
    for (const filter of filters) {
      for (const topic of topics) {
        const expected = byLevels(filter, topic);
        if (topicMatches(filter, topic) !== expected)
          throw new Error(`${filter} vs ${topic}: want ${expected}`);
        if (expected) matched++;
      }
    }
    expect(matched).toBeGreaterThan(1000); // both outcomes exercised
  });
});

describe('filterCovers', () => {
  it.each([
    ['kpp/v1/#', 'kpp/v1/#', true],
    ['kpp/v1/#', 'kpp/v1/units/+/frame', true],
    ['kpp/v1/#', 'kpp/v1', true],
    ['kpp/v1/#', 'kpp/#', false],
    ['kpp/v1/#', '#', false],
    ['kpp/v1/#', '+/v1/clock', false],
    ['kpp/v1/units/+/frame', 'kpp/v1/units/u1/frame', true],
    ['kpp/v1/units/+/frame', 'kpp/v1/units/+/frame', true],
    ['kpp/v1/units/+/frame', 'kpp/v1/units/#', false],
    ['kpp/v1/units/u1/frame', 'kpp/v1/units/+/frame', false],
    ['#', '#', true],
    ['#', '$SYS/#', false],
    ['$SYS/#', '$SYS/#', true],
  ])('%s covers %s: %s', (allowed, requested, expected) => {
    expect(filterCovers(allowed, requested)).toBe(expected);
  });
});

describe('ACL', () => {
  const publishes: [string, string[]][] = [
    ['kpp/v1/units/u1/frame', ['simulator', 'admin']],
    ['kpp/v1/units/u1/z', ['simulator', 'admin']],
    ['kpp/v1/units/u1/state', ['simulator', 'admin']],
    ['kpp/v1/units/u1/meta', ['simulator', 'admin']],
    ['kpp/v1/units/u1/cmd/ack', ['simulator', 'admin']],
    ['kpp/v1/fleet/s1-2/frames', ['simulator', 'admin']],
    ['kpp/v1/fleet/s1/other', ['admin']],
    ['kpp/v1/clock', ['simulator', 'admin']],
    ['kpp/v1/health/simulator/s1', ['simulator', 'admin']],
    ['kpp/v1/health/writer/w1', ['writer', 'admin']],
    ['kpp/v1/health/broker/b1', ['admin']],
    ['kpp/v1/units/u1/cmd', ['operator', 'admin']],
    ['kpp/v1/alerts', ['admin']],
    ['other/topic', ['admin']],
    ['$SYS/x', []],
    ['$kpp/dropped', []],
  ];

  it.each(publishes)('publish %s: only %j', (topic, allowed) => {
    for (const role of [...ROLES, 'anonymous'] as const) {
      expect([role, canPublish(role, topic)]).toEqual([role, allowed.includes(role)]);
    }
  });

  it('lets every role read kpp/v1/#, only admin read outside it', () => {
    for (const role of [...ROLES, 'anonymous'] as const) {
      expect(canSubscribe(role, 'kpp/v1/#')).toBe(true);
      expect(canSubscribe(role, 'kpp/v1/units/+/frame')).toBe(true);
      expect(canSubscribe(role, 'kpp/v1/fleet/+/frames')).toBe(true);
      expect(canSubscribe(role, '#')).toBe(role === 'admin');
      expect(canSubscribe(role, '$SYS/#')).toBe(role === 'admin');
      expect(canSubscribe(role, '$kpp/dropped')).toBe(false);
    }
  });

  it('has an entry for every role', () => {
    expect(Object.keys(ACL).sort()).toEqual([...ROLES, 'anonymous'].sort());
  });
});
