// The command line: argv + environment + env files -> one typed options object ->
// one command. The only place that sets the process exit code.

import { loadPart } from './aws/load-sdk.ts';
import { onStopSignal } from './child/signals.ts';
import type { CommandIo } from './commands/command-io.ts';
import { type Environment, RESOLVING_PROFILE } from './domain/environment.ts';
import { ExitCode, exitCodeOf } from './domain/errors.ts';
import type { Options } from './options/command-options.ts';
import { parseArgv, splitAtDoubleDash } from './options/parse-argv.ts';
import { resolveOptions } from './options/resolve-options.ts';
import { settingsFromFlags } from './options/settings.ts';
import type { Verbosity } from './output/reporter.ts';
import { createReporter } from './output/reporter.ts';

/** Before options are parsed, an error is told at the verbosity the flags ask for, if they came before it. */
function guessVerbosity(argv: readonly string[]): Verbosity {
  const own = splitAtDoubleDash(argv).own;
  return own.includes('--verbose') && !own.includes('--quiet') ? 'verbose' : 'normal';
}

async function loadOptions(argv: readonly string[], io: CommandIo): Promise<Options | undefined> {
  const { own, command: commandArgv } = splitAtDoubleDash(argv);
  const parsed = parseArgv(own);
  if (parsed.kind === 'help') {
    await (await loadPart('--help', () => import('./help.ts'))).showHelp(parsed.words, io.stdout);
    return undefined;
  }
  return resolveOptions(parsed.command, settingsFromFlags(parsed.command, parsed.flags), { env: io.env, commandArgv, argv });
}

async function runCommand(options: Options, io: CommandIo): Promise<number> {
  switch (options.command) {
    case 'exec':
      return (await import('./commands/exec.ts')).execCommand(options, io);
    case 'print':
      return (await import('./commands/print.ts')).printCommand(options, io);
    case 'serve':
      return (await import('./commands/serve.ts')).serveCommand(options, io);
    case 'verify':
      return (await import('./commands/verify.ts')).verifyCommand(options, io);
    case 'policies':
      return (await loadPart('policies', () => import('./commands/policies.ts'))).policiesCommand(options, io);
    case 'doctor':
      return (await import('./commands/doctor.ts')).doctorCommand(options, io);
    case 'forget':
      return (await import('./commands/forget.ts')).forgetCommand(options, io);
    case 'jenkins':
      return (await import('./commands/jenkins.ts')).jenkinsCommand(options, io);
  }
}

/**
 * A credential_process of the profile this run takes its source from, which runs
 * withAssumedRole with that profile again, would start itself forever: what this
 * process runs carries the profile's name (RESOLVING_PROFILE), and a run that would
 * resolve the same one stops at once (normalize.ts). Set once, for this process: the
 * library never sets it, so its calls may overlap.
 */
function markResolvingProfile(options: Options, env: Environment): void {
  if (!('source' in options) || env !== process.env) return;
  const profile = options.source.profile ?? (env.AWS_PROFILE || undefined);
  if (profile !== undefined) process.env[RESOLVING_PROFILE] = profile;
}

/** No arguments at all: how it is used, where the help is (exit 64, as any usage error). */
const USAGE = [
  'usage: withAssumedRole [options] -- <command> [args...]     run a command as the role',
  '       withAssumedRole <print|serve|verify|policies|doctor> [options]',
  "  withAssumedRole --help lists the options; withAssumedRole help <command>, a command's",
  '',
].join('\n');

/** Runs the CLI on `argv` and resolves to the exit code; never throws. */
export async function main(argv: readonly string[], env: Environment = process.env): Promise<number> {
  if (argv.length === 0) {
    process.stderr.write(USAGE);
    return ExitCode.usage;
  }
  const releaseSignals = onStopSignal((code) => process.exit(code));
  const io: CommandIo = { env, stdout: (text) => process.stdout.write(text), releaseSignals };
  let verbosity = guessVerbosity(argv);
  try {
    const options = await loadOptions(argv, io);
    if (options === undefined) return 0;
    verbosity = options.verbosity;
    markResolvingProfile(options, env);
    return await runCommand(options, io);
  } catch (error) {
    createReporter(verbosity).error(error);
    return exitCodeOf(error);
  } finally {
    releaseSignals();
  }
}

/**
 * The executable's entry: runs main and exits with its code, at once: whatever main
 * gave up waiting for (a source's credential_process past --assume-timeout) must not
 * hold the process open after it. stdout and stderr are written synchronously.
 */
export async function run(): Promise<void> {
  process.exit(await main(process.argv.slice(2)));
}
