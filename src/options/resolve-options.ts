// Settings from where they come -> one command's typed options: the given ones (flags,
// or the Jenkins step's parameters, at the same precedence), then WITH_ASSUMED_ROLE_*
// variables, then env files (read here), checked and typed by normalize.ts.
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { basename } from 'node:path';
import { invocationKey } from '../credentials/invocation-key.ts';
import type { Environment } from '../domain/environment.ts';
import type { Options } from './command-options.ts';
import { type CommandName, envVarName } from './definitions.ts';
import { normalizeOptions } from './normalize.ts';
import { mergeEnvFiles, readEnvFiles } from './read-env-files.ts';
import { mergeSettings, type Settings, settingsFromVariables } from './settings.ts';

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'user';
  }
}

export interface Resolving {
  env: Environment;
  /** Arguments after `--`: the command to run. */
  commandArgv: string[];
  /** The wrapper's own arguments, for the invocation's key (the credential cache's fast path). */
  argv: readonly string[];
}

/** `command`'s options from the settings `given` (flags or step parameters), the environment and env files. */
export async function resolveOptions(command: CommandName, given: Settings, resolving: Resolving): Promise<Options> {
  const { env } = resolving;
  const environment = settingsFromVariables(command, env, 'environment');
  const envFileSetting = given['env-file'] ?? environment['env-file'];
  const paths = envFileSetting === undefined ? [] : ([] as string[]).concat(envFileSetting.value as string[]);
  const files = await readEnvFiles(paths, envFileSetting?.origin === 'environment' ? envVarName('env-file') : envFileSetting?.source);
  const fileSettings = files.map((file) => settingsFromVariables(command, file.variables, 'env-file', file.path));
  const username = env.USER || env.LOGNAME || env.USERNAME || currentUser();
  return normalizeOptions(command, mergeSettings(given, environment, fileSettings), {
    env,
    username,
    directoryName: basename(process.cwd()),
    fileEnvironment: mergeEnvFiles(files),
    commandArgv: resolving.commandArgv,
    readFile: (path) => readFileSync(path, 'utf8'),
    invocation: invocationKey(
      resolving.argv,
      env,
      files.map((file) => file.bytes),
    ),
  });
}
