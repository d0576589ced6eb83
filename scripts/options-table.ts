// The README's options table, made from the option definitions. `node
// scripts/options-table.ts --write` puts it in README.md between its markers; a
// test fails when the README's table is not this one.
import { readFileSync, writeFileSync } from 'node:fs';
import { type CommandName, envVarName, OPTIONS, type OptionSpec } from '../src/options/definitions.ts';

export const START = '<!-- options:start -->';
export const END = '<!-- options:end -->';

const ALL: CommandName[] = ['exec', 'print', 'serve', 'verify', 'policies', 'doctor', 'forget'];
const cell = (text: string) => text.replaceAll('|', '\\|');

function commandsOf(spec: OptionSpec): string {
  if (ALL.every((command) => spec.commands.includes(command))) return '';
  const names = spec.commands.map((command) => (command === 'exec' ? 'run' : command));
  return ` (${names.join(', ')})`;
}

function meaningOf(spec: OptionSpec): string {
  const variants = Object.entries(spec.perCommand ?? {}).map(([command, override]) => {
    const parts = [
      override.description,
      override.choices ? `one of ${override.choices.join(', ')}` : undefined,
      override.defaultDescription ? `default ${override.defaultDescription}` : undefined,
    ];
    return `${command}: ${parts.filter(Boolean).join('; ')}`;
  });
  return [spec.description + commandsOf(spec), ...variants].join('. ');
}

export function optionsTable(): string {
  const rows = (Object.entries(OPTIONS) as [string, OptionSpec][])
    .filter(([, spec]) => !spec.hidden)
    .map(([name, spec]) => {
      const flag = spec.type === 'boolean' ? `\`--${name}\`` : `\`--${name} ${spec.valueName ?? 'VALUE'}\``;
      return `| ${flag} | \`${envVarName(name)}\` | ${cell(spec.defaultDescription ?? '')} | ${cell(meaningOf(spec))} |`;
    });
  return ['| Flag | Environment variable | Default | Meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

export function withTable(readme: string): string {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start === -1 || end === -1) throw new Error(`README.md lacks the ${START} and ${END} markers`);
  return `${readme.slice(0, start + START.length)}\n${optionsTable()}\n${readme.slice(end)}`;
}

if (process.argv.includes('--write')) {
  writeFileSync('README.md', withTable(readFileSync('README.md', 'utf8')));
}
