// The wrapper's own arguments -> command and flags, with yargs-parser (the parser
// yargs itself uses) and the same option definitions. Full yargs, whose help
// layout costs ~15 ms at start-up, is loaded only for --help and --version.
import parse from 'yargs-parser';
import { UsageError } from '../domain/errors.ts';
import { type CommandName, OPTIONS, type OptionSpec, optionsOf, type UserCommand } from './definitions.ts';

/** The commands a user runs; the Jenkins step's own (jenkins) parses too, unlisted. */
export const COMMAND_NAMES: readonly UserCommand[] = ['exec', 'print', 'serve', 'verify', 'policies', 'doctor', 'forget'];
const PARSED_COMMANDS: readonly string[] = [...COMMAND_NAMES, 'jenkins'];

export type ParsedArgv =
  | { kind: 'command'; command: CommandName; flags: Record<string, unknown> }
  /** What yargs is to answer: `[command] --help`, or `--version`. */
  | { kind: 'help'; words: string[] };

/** Splits at the first `--`: the wrapper's arguments before, the command after. */
export function splitAtDoubleDash(argv: readonly string[]): { own: string[]; command: string[] } {
  const index = argv.indexOf('--');
  return index === -1 ? { own: [...argv], command: [] } : { own: argv.slice(0, index), command: argv.slice(index + 1) };
}

/**
 * Where the command's name is (`print`, `verify`, ...): the first word that is neither
 * an option nor an option's value, so that options may come before it
 * (`withAssumedRole --verbose print`). -1: none, the default command (run).
 */
function commandIndex(own: readonly string[]): number {
  for (let index = 0; index < own.length; index += 1) {
    const word = own[index] as string;
    if (!word.startsWith('-')) return word !== 'exec' && PARSED_COMMANDS.includes(word) ? index : -1;
    const spec = (OPTIONS as Record<string, OptionSpec>)[word.replace(/^--?(no-)?/, '').split('=')[0] as string];
    if (spec !== undefined && spec.type !== 'boolean' && !word.includes('=')) index += 1;
  }
  return -1;
}

/**
 * Parses the arguments before `--`. `help` when --help (-h), --version or the word
 * help (`withAssumedRole help print`) asks yargs to answer.
 */
export function parseArgv(own: readonly string[]): ParsedArgv {
  if (own[0] === 'help') {
    const [, named] = own;
    if (named === undefined || named === 'exec') return { kind: 'help', words: ['--help'] };
    if (!(COMMAND_NAMES as readonly string[]).includes(named)) {
      throw new UsageError(`help ${named}: not a command; the commands are ${COMMAND_NAMES.filter((name) => name !== 'exec').join(', ')}`, {
        fix: 'withAssumedRole help, or withAssumedRole help <command>',
      });
    }
    return { kind: 'help', words: [named, '--help'] };
  }
  const at = commandIndex(own);
  const command = at === -1 ? 'exec' : (own[at] as CommandName);
  const rest = at === -1 ? [...own] : [...own.slice(0, at), ...own.slice(at + 1)];
  if (rest.some((word) => word === '--version')) return { kind: 'help', words: ['--version'] };
  if (rest.some((word) => word === '--help' || word === '-h')) return { kind: 'help', words: at === -1 ? ['--help'] : [command, '--help'] };
  const specs = optionsOf(command);
  const names = new Set<string>(specs.map(([name]) => name));
  const result = parse.detailed([...rest], {
    string: specs.filter(([, spec]) => spec.type !== 'boolean').map(([name]) => name),
    boolean: specs.filter(([, spec]) => spec.type === 'boolean').map(([name]) => name),
    array: specs.filter(([, spec]) => spec.type === 'array').map(([name]) => name),
    configuration: {
      'strip-dashed': true,
      'camel-case-expansion': false,
      'strip-aliased': true,
      'parse-numbers': false,
      'parse-positional-numbers': false,
    },
  });
  if (result.error) {
    throw new UsageError(`${result.error.message}`, { fix: 'see withAssumedRole --help' });
  }
  const { _: positionals, ...flags } = result.argv;
  for (const name of Object.keys(flags)) {
    if (!names.has(name)) {
      const spelled = rest.find((word) => word.replace(/^-+(no-)?/, '').split('=')[0] === name) ?? `--${name}`;
      throw new UsageError(`${spelled}: not an option of withAssumedRole${command === 'exec' ? '' : ` ${command}`}`, {
        fix: `see withAssumedRole ${command === 'exec' ? '' : `${command} `}--help`,
      });
    }
  }
  if (positionals.length > 0) {
    const words = positionals.map(String);
    if (command !== 'exec') {
      throw new UsageError(`${words[0]}: unexpected argument; ${command} takes options only`, {
        fix: `see withAssumedRole ${command} --help`,
      });
    }
    throw new UsageError(`${words[0]}: unexpected argument; the command to run goes after --`, {
      fix: `withAssumedRole [options] -- ${words.join(' ')}`,
    });
  }
  return { kind: 'command', command, flags };
}
