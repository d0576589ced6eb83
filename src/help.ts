// --help and --version, laid out by yargs from the same option definitions the
// parser uses. Loaded only when asked for.
import type { Argv } from 'yargs';
import { ExitCode } from './domain/errors.ts';
import { VERSION } from './domain/version.ts';
import { type CommandName, envVarName, optionsOf, type UserCommand } from './options/definitions.ts';
import { COMMAND_NAMES } from './options/parse-argv.ts';

export const COMMAND_SUMMARIES: Record<UserCommand, { usage: string; summary: string }> = {
  exec: { usage: '$0 [options] -- <command> [args...]', summary: 'assume the role and run the command with its credentials' },
  print: { usage: '$0 print [options]', summary: 'write the credentials to stdout on purpose (env, process, json)' },
  serve: {
    usage: '$0 serve --dir DIR [options]',
    summary: 'share the credentials with other processes as an AWS profile in DIR, refreshed until DIR is removed',
  },
  verify: { usage: '$0 verify [options]', summary: 'assume the role and check ec2:DescribeInstances per region' },
  policies: { usage: '$0 policies [options]', summary: 'print the IAM documents of the cross-account set-up' },
  doctor: { usage: '$0 doctor [options]', summary: 'diagnose source credentials, instance metadata and the role' },
  forget: { usage: '$0 forget', summary: 'drop your cached sessions (--session-cache): the next run asks for an MFA code again' },
};

/** The wrapper's own exit codes, in the words --help gives them (a test holds them to ExitCode and the README). */
export const HELP_EXIT_MEANINGS: Record<number, string> = {
  [ExitCode.usage]: 'usage',
  [ExitCode.nodeUnavailable]: 'no usable Node.js',
  [ExitCode.internal]: 'internal error',
  [ExitCode.temporary]: 'temporary STS failure after retries',
  [ExitCode.refused]: 'STS refused',
  [ExitCode.configuration]: 'configuration',
  [ExitCode.notExecutable]: 'not executable',
  [ExitCode.notFound]: 'not found',
};

const EPILOGUE = [
  "Exit codes: the command's own; 128+n when it died of signal n; " +
    Object.entries(HELP_EXIT_MEANINGS)
      .map(([code, meaning]) => `${code} ${meaning}`)
      .join('; ') +
    '.',
  `Every option can also be set as ${envVarName('<flag>')} (e.g. ${envVarName('role-arn')}), in the environment or an --env-file.`,
  "withAssumedRole <command> --help (or help <command>): that command's options.",
].join('\n');

function addOptions(yargs: Argv, command: CommandName): Argv {
  for (const [name, spec] of optionsOf(command)) {
    if (spec.hidden) continue;
    yargs.option(name, {
      type: spec.type,
      describe: spec.description,
      ...(spec.defaultDescription === undefined ? {} : { defaultDescription: spec.defaultDescription }),
      ...(spec.choices === undefined ? {} : { choices: [...spec.choices] }),
    });
  }
  return yargs;
}

/** Prints help (of the command named in `own`) or the version, as yargs lays them out. */
export async function showHelp(own: readonly string[], write: (text: string) => void): Promise<void> {
  const { default: yargs } = await import('yargs');
  const parser = yargs([...own])
    .scriptName('withAssumedRole')
    .version(VERSION)
    .help()
    .exitProcess(false)
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue(EPILOGUE);
  for (const command of COMMAND_NAMES) {
    const { usage, summary } = COMMAND_SUMMARIES[command];
    if (command === 'exec') parser.command('$0', summary, (y) => addOptions(y, command));
    else parser.command(command, summary, (y) => addOptions(y.usage(`${usage}\n\n${summary}`).epilogue(EPILOGUE), command));
  }
  parser.usage(`${COMMAND_SUMMARIES.exec.usage}\n\nAssume an AWS role and run one command with its credentials in its environment only.`);
  await parser.parseAsync([...own], {}, (_error, _argv, output) => {
    if (output) write(`${separateTags(output)}\n`);
  });
}

/** yargs glues a type tag to a description that fills its column (`kills it[string]`): keep a space between. */
export function separateTags(help: string): string {
  return help.replace(/(\S)(\[(?:string|boolean|array|number|required|choices:|default:))/g, '$1 $2');
}
