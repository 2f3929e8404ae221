import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  BrokerMetrics,
  CONNECT_REJECTIONS,
  DISCONNECT_REASONS,
  DROP_REASONS,
  ROLES,
  SUBSCRIBE_DENIALS,
  brokerConfigSchema,
} from '../src/index.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('documents every config key, role, reason and metric', async () => {
    const missing: string[] = [];
    const need = (what: string) => {
      if (!readme.includes(`\`${what}\``)) missing.push(what);
    };
    Object.keys(brokerConfigSchema.shape).forEach(need);
    ROLES.forEach(need);
    for (const catalogue of [
      DROP_REASONS,
      CONNECT_REJECTIONS,
      SUBSCRIBE_DENIALS,
      DISCONNECT_REASONS,
    ])
      Object.keys(catalogue).forEach(need);
    const text = await new BrokerMetrics('x', () => ({
      clients: 0,
      largestBacklogBytes: 0,
      slowClients: 0,
      wsListening: 1,
      wsClients: 0,
    })).render();
    for (const [, name = ''] of text.matchAll(/^# TYPE (\S+)/gm)) {
      if (!readme.includes(`\`${name}\``) && !readme.includes(`\`${name}{`)) missing.push(name);
    }
    expect(missing).toEqual([]);
  });
});
