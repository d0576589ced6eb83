// The CLI's front door: help everywhere it is asked for, usage when nothing is given,
// and each command's help saying what the README's options table and exit codes say.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/domain/errors.ts';
import { COMMAND_NAMES } from '../../src/options/parse-argv.ts';
import { cleanEnv, ROOT, runCli } from '../support/cli.ts';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const collapse = (text: string) => text.replace(/\s+/g, ' ');

/** The README's options table: flag name -> the commands it applies to and its meaning for each. */
function readmeOptions(): Map<string, { commands: string[]; meaningFor: (command: string) => string }> {
  const table = readme.slice(readme.indexOf('<!-- options:start -->'), readme.indexOf('<!-- options:end -->'));
  const rows = new Map<string, { commands: string[]; meaningFor: (command: string) => string }>();
  for (const [, flag = '', meaning = ''] of table.matchAll(/^\| `--([a-z-]+)[^`]*` \| [^|]* \| (?:[^|\\]|\\\|)* \| (.*) \|$/gm)) {
    const [base = '', ...variants] = meaning.replaceAll('\\|', '|').split(/\. (?=[a-z]+: )/);
    const listed = /\(((?:run|print|serve|verify|policies|doctor)(?:, (?:run|print|serve|verify|policies|doctor))*)\)$/.exec(base);
    const commands = listed ? (listed[1] as string).split(', ').map((name) => (name === 'run' ? 'exec' : name)) : [...COMMAND_NAMES];
    const plain = listed ? base.slice(0, listed.index).trim() : base;
    const own = new Map(variants.map((variant) => [variant.slice(0, variant.indexOf(':')), variant.slice(variant.indexOf(':') + 2)]));
    rows.set(flag, {
      commands,
      meaningFor: (command) => (own.get(command) ?? plain).split('; default ')[0]?.split('; one of ')[0] as string,
    });
  }
  return rows;
}

describe("the CLI's help", () => {
  const env = cleanEnv();

  it('no arguments at all: how it is used and where the help is, exit 64', async () => {
    const bare = await runCli([], { env });
    expect(bare.exitCode).toBe(ExitCode.usage);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toContain('usage: withAssumedRole [options] -- <command> [args...]');
    expect(bare.stderr).toContain('withAssumedRole --help');
  });

  it('-h, --help and help <command> print the same help, exit 0', async () => {
    const top = await runCli(['--help'], { env });
    expect(top.exitCode).toBe(0);
    expect((await runCli(['-h'], { env })).stdout).toBe(top.stdout);
    expect((await runCli(['help'], { env })).stdout).toBe(top.stdout);
    expect(top.stdout).toContain('withAssumedRole <command> --help');
    for (const command of ['print', 'serve', 'verify', 'policies', 'doctor']) {
      const long = await runCli([command, '--help'], { env });
      expect(long.exitCode, command).toBe(0);
      expect(long.stdout, command).toContain(`withAssumedRole ${command}`);
      expect((await runCli([command, '-h'], { env })).stdout, command).toBe(long.stdout);
      expect((await runCli(['help', command], { env })).stdout, command).toBe(long.stdout);
    }
    const unknown = await runCli(['help', 'deploy'], { env });
    expect(unknown.exitCode).toBe(ExitCode.usage);
    expect(unknown.stderr).toContain('help deploy: not a command');
  });

  it.each(COMMAND_NAMES)(
    "%s --help lists the README's options for it, meaning what the README says, and every exit code",
    async (command) => {
      const help = await runCli(command === 'exec' ? ['--help'] : [command, '--help'], { env });
      const listed = new Set([...help.stdout.matchAll(/^ {2}--([a-z-]+)/gm)].map(([, name]) => name as string));
      listed.delete('help');
      listed.delete('version');
      const rows = readmeOptions();
      const expected = [...rows].filter(([, row]) => row.commands.includes(command)).map(([flag]) => flag);
      expect([...listed].sort()).toEqual(expected.sort());
      const text = collapse(help.stdout);
      for (const flag of expected) expect(text, `--${flag}`).toContain(collapse(rows.get(flag)?.meaningFor(command) ?? ''));
      const footer = /Exit codes: (.*?)\. Every option/.exec(text)?.[1] ?? '';
      const codes = [...footer.matchAll(/; (\d+) /g)].map(([, code]) => Number(code));
      expect(codes.sort()).toEqual(Object.values(ExitCode).sort());
      for (const code of codes) expect(readme).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
    },
  );
});
