// The command line: argv + environment + env files -> one typed options object ->
// one command. The only place that sets the process exit code.

import { userInfo } from 'node:os';
import { basename } from 'node:path';
import type { Argv } from 'yargs';
import { onStopSignal } from './child/signals.ts';
import { exitCodeOf, UsageError } from './errors.ts';
import { type CommandName, envVarName, optionsOf } from './options/definitions.ts';
import { normalizeOptions, type Options, type Verbosity } from './options/normalize.ts';
import { mergeEnvFiles, readEnvFiles } from './options/read-env-files.ts';
import { mergeSettings, settingsFromFlags, settingsFromVariables } from './options/settings.ts';
import { createReporter } from './output/reporter.ts';
import { VERSION } from './version.ts';

/** What a command may do besides returning its exit code. */
export interface CommandIo {
  env: Readonly<Record<string, string | undefined>>;
  stdout(text: string): void;
  /** Hands signal handling over from "end at once" to the child's forwarding. */
  releaseSignals(): void;
}

export const COMMANDS: Record<CommandName, { usage: string; summary: string }> = {
  exec: { usage: '$0 [options] -- <command> [args...]', summary: 'assume the role and run the command with its credentials' },
  print: { usage: 'print [options]', summary: 'write the credentials to stdout on purpose (env, process, json)' },
  verify: { usage: 'verify [options]', summary: 'assume the role and check ec2:DescribeInstances per region' },
  policies: { usage: 'policies [options]', summary: 'print the IAM documents of the cross-account set-up' },
  doctor: { usage: 'doctor [options]', summary: 'diagnose source credentials, instance metadata and the role' },
};

const EXIT_CODES = [
  "exit codes: the command's own; 128+n when it died of signal n; 126 not executable; 127 not found;",
  '64 usage; 70 internal error; 75 temporary STS failure after retries; 77 STS refused; 78 configuration.',
  `Every option can be set as ${envVarName('<flag>')} (e.g. ${envVarName('role-arn')}), in the environment or an --env-file.`,
].join('\n');

/** Splits at the first `--`: the wrapper's arguments before, the command after. */
export function splitAtDoubleDash(argv: readonly string[]): { own: string[]; command: string[] } {
  const index = argv.indexOf('--');
  return index === -1 ? { own: [...argv], command: [] } : { own: argv.slice(0, index), command: argv.slice(index + 1) };
}

interface Parsed {
  command: CommandName;
  flags: Record<string, unknown>;
}

function addOptions(yargs: Argv, command: CommandName): Argv {
  for (const [name, spec] of optionsOf(command)) {
    yargs.option(name, {
      type: spec.type,
      describe: spec.description,
      ...(spec.defaultDescription === undefined ? {} : { defaultDescription: spec.defaultDescription }),
      ...(spec.choices === undefined ? {} : { choices: [...spec.choices] }),
      ...(spec.type === 'array' ? { string: true } : {}),
    });
  }
  return yargs;
}

/** Parses the wrapper's own arguments; undefined when --help or --version answered. */
async function parseArguments(argv: string[]): Promise<Parsed | undefined> {
  const { default: yargs } = await import('yargs');
  let parsed: Parsed | undefined;
  const parser = yargs(argv)
    .scriptName('withAssumedRole')
    .parserConfiguration({ 'strip-aliased': true, 'strip-dashed': true, 'camel-case-expansion': false })
    .strictOptions()
    .exitProcess(false)
    .version(VERSION)
    .help()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .epilogue(EXIT_CODES)
    .fail((message, error) => {
      throw error ?? new UsageError(message.split('\n')[0] ?? message, { fix: 'see withAssumedRole --help' });
    });
  for (const [command, { usage, summary }] of Object.entries(COMMANDS) as [CommandName, (typeof COMMANDS)[CommandName]][]) {
    parser.command(
      command === 'exec' ? '$0' : command,
      summary,
      (y) => addOptions(y.usage(`${usage}\n\n${summary}`), command),
      (flags) => {
        parsed = { command, flags: flags as Record<string, unknown> };
      },
    );
  }
  await parser.parseAsync();
  if (parsed === undefined) return undefined;
  const positionals = ((parsed.flags._ as unknown[]) ?? []).map(String).filter((word, index) => !(index === 0 && word === parsed?.command));
  if (positionals.length > 0) {
    throw new UsageError(`${positionals[0]}: unexpected argument; the command to run goes after --`, {
      fix: `withAssumedRole [options] -- ${positionals.join(' ')}`,
    });
  }
  return parsed;
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'user';
  }
}

/** Before options are parsed, an error is told at the verbosity the flags ask for, if they came before it. */
function guessVerbosity(argv: readonly string[]): Verbosity {
  const own = splitAtDoubleDash(argv).own;
  return own.includes('--verbose') && !own.includes('--quiet') ? 'verbose' : 'normal';
}

async function loadOptions(argv: readonly string[], io: CommandIo): Promise<Options | undefined> {
  const { own, command: commandArgv } = splitAtDoubleDash(argv);
  const parsed = await parseArguments(own);
  if (parsed === undefined) return undefined;
  const { command } = parsed;
  const flags = settingsFromFlags(command, parsed.flags);
  const environment = settingsFromVariables(command, io.env, 'environment');
  const envFileSetting = flags['env-file'] ?? environment['env-file'];
  const paths = envFileSetting === undefined ? [] : ([] as string[]).concat(envFileSetting.value as string[]);
  const files = await readEnvFiles(paths, envFileSetting?.origin === 'flag' ? '--env-file' : envVarName('env-file'));
  const fileSettings = files.map((file) => settingsFromVariables(command, file.variables, 'env-file', file.path));
  const username = io.env.USER || io.env.LOGNAME || io.env.USERNAME || currentUser();
  return normalizeOptions(command, mergeSettings(flags, environment, fileSettings), {
    env: io.env,
    username,
    directoryName: basename(process.cwd()),
    fileEnvironment: mergeEnvFiles(files),
    commandArgv,
  });
}

async function runCommand(options: Options, io: CommandIo): Promise<number> {
  switch (options.command) {
    case 'exec':
      return (await import('./commands/exec.ts')).execCommand(options, io);
    case 'print':
      return (await import('./commands/print.ts')).printCommand(options, io);
    case 'verify':
      return (await import('./commands/verify.ts')).verifyCommand(options, io);
    case 'policies':
      return (await import('./commands/policies.ts')).policiesCommand(options, io);
    case 'doctor':
      return (await import('./commands/doctor.ts')).doctorCommand(options, io);
  }
}

/** Runs the CLI on `argv` and resolves to the exit code; never throws. */
export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  const releaseSignals = onStopSignal((code) => process.exit(code));
  const io: CommandIo = { env, stdout: (text) => process.stdout.write(text), releaseSignals };
  let verbosity = guessVerbosity(argv);
  try {
    const options = await loadOptions(argv, io);
    if (options === undefined) return 0;
    verbosity = options.verbosity;
    return await runCommand(options, io);
  } catch (error) {
    createReporter(verbosity).error(error);
    return exitCodeOf(error);
  } finally {
    releaseSignals();
  }
}

/** The executable's entry: runs main and sets the process exit code. */
export async function run(): Promise<void> {
  process.exitCode = await main(process.argv.slice(2));
}
