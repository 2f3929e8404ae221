import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { UP_ENV, UP_NODE_ARGS } from '../src/scenarios/resources.js';

const root = new URL('../../', import.meta.url);

/** `kpp bench resources` measures `kpp up` as `npm start` and the compose file run it. */
describe('node flags and environment of kpp up', () => {
  const start = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
  const startLine = /((?:[A-Z_]+=\S+ )*)node ((?:--\S+ )*)cli\/dist\/bin\/kpp\.js up/.exec(start);
  const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8')) as {
    services: Record<string, { command?: string[]; environment?: Record<string, string> }>;
  };
  const service = Object.values(compose.services).find((s) => (s.command ?? []).includes('cli/dist/bin/kpp.js') && (s.command ?? []).includes('up'));

  it('are the same node flags in npm start, docker-compose.yml and the resources scenario', () => {
    const startArgs = startLine?.[2]?.trim().split(' ') ?? [];
    const command = service?.command ?? [];
    const composeArgs = command.slice(1, command.indexOf('cli/dist/bin/kpp.js'));
    expect({ start: startArgs, compose: composeArgs }).toEqual({ start: [...UP_NODE_ARGS], compose: [...UP_NODE_ARGS] });
  });

  it('set the same environment in npm start, docker-compose.yml and the resources scenario', () => {
    const startEnv = Object.fromEntries((startLine?.[1]?.trim().split(' ').filter(Boolean) ?? []).map((kv) => kv.split('=') as [string, string]));
    const composeEnv = Object.fromEntries(Object.keys(UP_ENV).map((k) => [k, service?.environment?.[k]]));
    expect({ start: startEnv, compose: composeEnv }).toEqual({ start: { ...UP_ENV }, compose: { ...UP_ENV } });
  });
});
