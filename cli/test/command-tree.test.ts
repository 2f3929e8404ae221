import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { z } from 'zod';
import { brokerConfigSchema, readUsersFile, verifyPassword } from '@kpp/broker';
import { simulatorConfigSchema } from '@kpp/simulator';
import { writerConfigSchema } from '@kpp/writer';
import { buildProgram } from '../src/program.js';

const SCHEMAS: Record<string, z.ZodObject> = { broker: brokerConfigSchema, writer: writerConfigSchema, sim: simulatorConfigSchema };

function* walk(command: Command, ancestors: Command[] = []): Generator<[Command, Command[]]> {
  yield [command, ancestors];
  for (const sub of command.commands) yield* walk(sub, [...ancestors, command]);
}

const flagsOf = (c: Command) => c.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined));

/** The option entries of a help text: each `  --flag <arg>   description` line, split in two. */
function optionLines(help: string): { flags: string; description: string }[] {
  const section = help.split('\nOptions:\n')[1]?.split('\n\n')[0] ?? '';
  return section
    .split('\n')
    .filter((line) => /^ {2}-/.test(line))
    .map((line) => {
      const m = /^ {2}(\S.*?)(?: {2,}(.*))?$/.exec(line);
      return { flags: m?.[1] ?? line, description: m?.[2]?.trim() ?? '' };
    });
}

/**
 * What a description says beyond what commander and the schema append: `(default: …)`,
 * `(choices: …)` and `(env: …)` name a value, not what the flag does.
 */
const meaning = (description: string) => description.replace(/\((?:default|choices|env): [^)]*\)/g, '').trim();

describe('the kpp command tree', () => {
  it('no option of a nested command collides with an option of its ancestors', () => {
    const collisions: string[] = [];
    let nested = 0;
    for (const [command, ancestors] of walk(buildProgram())) {
      if (ancestors.length > 1) nested++;
      for (const ancestor of ancestors) {
        const taken = new Set(flagsOf(ancestor));
        for (const flag of flagsOf(command).filter((f) => taken.has(f)))
          collisions.push(`${ancestor.name()} ${command.name()}: ${flag}`);
      }
    }
    expect(nested).toBeGreaterThan(0); // broker passwd is walked
    expect(collisions).toEqual([]);
  });

  it('every option line of every command says what the option does, not only its default', () => {
    const bare: string[] = [];
    let checked = 0;
    let expected = 0;
    for (const [command, ancestors] of walk(buildProgram())) {
      expected += command.options.length + 1; // + --help
      const help = command.configureOutput({ getOutHelpWidth: () => 1000 }).helpInformation();
      for (const line of optionLines(help)) {
        checked++;
        if (meaning(line.description).length < 8) bare.push(`${[...ancestors, command].map((c) => c.name()).join(' ')}: ${line.flags}  ${line.description}`);
      }
    }
    expect(checked).toBe(expected); // no option line was missed by the parsing
    expect(bare).toEqual([]);
  });

  it.each(Object.keys(SCHEMAS))('every option line of `kpp %s --help` shows its schema default (what it does: the test above)', (name) => {
    const command = buildProgram().commands.find((c) => c.name() === name);
    if (!command) throw new Error(`no ${name} command`);
    // Wide, so each description sits on its option's line, not wrapped below it.
    const help = command.configureOutput({ getOutHelpWidth: () => 1000 }).helpInformation();
    const lines = optionLines(help);
    expect(lines.length).toBe(command.options.length + 1); // + --help
    const schema = SCHEMAS[name] as z.ZodObject<Record<string, z.ZodType>>;
    const expected: string[] = [];
    const shown: string[] = [];
    for (const [key, field] of Object.entries(schema.shape)) {
      const flag = `--${key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`;
      const line = lines.find((l) => l.flags.split(' ')[0] === flag);
      const fallback = field.safeParse(undefined);
      const value = fallback.success ? fallback.data : undefined;
      // A key without a schema default says so (or says what fills it in).
      expected.push(`${flag} ${value === undefined ? '(default: …)' : `(default: ${JSON.stringify(value)})`}`);
      const said = /\(default: ([^)]*)\)/.exec(line?.description ?? '')?.[0] ?? '(no default shown)';
      shown.push(`${flag} ${value === undefined && said !== '(no default shown)' ? '(default: …)' : said}`);
    }
    expect(shown).toEqual(expected);
  });
});

describe('kpp broker passwd', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kpp-passwd-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the user into the --users-file given after the subcommand, as the README writes it', async () => {
    const file = join(dir, 'data', 'users.json');
    const out = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await buildProgram().parseAsync(['broker', 'passwd', 'viewer', '--users-file', file, '--role', 'viewer', '--password', 'correct horse'], { from: 'user' });
      await buildProgram().parseAsync(['broker', '--users-file', file, 'passwd', 'ops', '--role', 'admin', '--password', 'battery staple'], { from: 'user' });
      expect(out.mock.calls.map((c) => String(c[0]))).toEqual([`added viewer (viewer) in ${file}\n`, `added ops (admin) in ${file}\n`]);
    } finally {
      out.mockRestore();
    }
    const users = await readUsersFile(file);
    if (!users.ok) throw new Error(users.reason.message);
    expect(users.value.get('viewer')?.role).toBe('viewer');
    expect(users.value.get('ops')?.role).toBe('admin');
    expect(await verifyPassword('correct horse', users.value.get('viewer')?.password ?? '')).toBe(true);
  });

  it('without a users file says which flag to give', async () => {
    const program = buildProgram();
    program.commands.find((c) => c.name() === 'broker')?.commands.forEach((c) => c.exitOverride());
    await expect(program.parseAsync(['broker', 'passwd', 'viewer', '--role', 'viewer', '--password', 'correct horse'], { from: 'user' })).rejects.toThrow(
      '--users-file',
    );
  });
});
