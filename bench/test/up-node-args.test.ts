import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { UP_NODE_ARGS } from '../src/scenarios/resources.js';

const root = new URL('../../', import.meta.url);

/** `kpp bench resources` measures `kpp up` as `npm start` and the compose file run it. */
describe('node flags of kpp up', () => {
  it('are the same in npm start, docker-compose.yml and the resources scenario', () => {
    const start = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
    const startArgs = /node ((?:--\S+ )*)cli\/dist\/bin\/kpp\.js up/.exec(start)?.[1]?.trim().split(' ') ?? [];
    const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8')) as { services: Record<string, { command?: string[] }> };
    const commands = Object.values(compose.services).map((s) => s.command ?? []);
    const up = commands.find((c) => c.includes('cli/dist/bin/kpp.js') && c.includes('up')) ?? [];
    const composeArgs = up.slice(1, up.indexOf('cli/dist/bin/kpp.js'));
    expect({ start: startArgs, compose: composeArgs }).toEqual({ start: [...UP_NODE_ARGS], compose: [...UP_NODE_ARGS] });
  });
});
