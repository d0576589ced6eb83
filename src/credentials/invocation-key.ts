// What identifies a `print --cache-file` run for the cache's fast path: its
// arguments, the environment variables that can change what it asks STS for, and
// its env files' bytes. Equal keys, equal requests; the cache records the keys it
// answered, so that the launcher can answer them without loading the CLI. Pure.

import { createHash } from 'node:crypto';
import type { Environment } from '../domain/environment.ts';

/** Variables that can change a run's request or its source: settings, AWS's, Jenkins', the user's. */
const RELEVANT =
  /^(?:WITH_ASSUMED_ROLE_|AWS_)|^(?:JENKINS_URL|BUILD_ID|BUILD_NUMBER|JOB_NAME|BRANCH_NAME|GIT_COMMIT|NODE_NAME|USER|LOGNAME|USERNAME|HOME)$/;

export function invocationKey(argv: readonly string[], env: Environment, envFiles: readonly Uint8Array[]): string {
  const variables = Object.keys(env)
    .filter((name) => RELEVANT.test(name) && env[name] !== undefined)
    .sort()
    .map((name) => [name, env[name]]);
  const hash = createHash('sha256').update(JSON.stringify([argv, variables]));
  for (const file of envFiles) hash.update(`\0${file.length}\0`).update(file);
  return hash.digest('hex');
}

/** The value of `--name VALUE` or `--name=VALUE` in argv (the last one), else undefined. */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  let value: string | undefined;
  argv.forEach((word, index) => {
    if (word === `--${name}`) value = argv[index + 1];
    else if (word.startsWith(`--${name}=`)) value = word.slice(name.length + 3);
  });
  return value;
}

/** The env files a run reads: --env-file values in argv, else WITH_ASSUMED_ROLE_ENV_FILE's (':'-separated). */
export function envFilePaths(argv: readonly string[], env: Environment): string[] {
  const given = argv.flatMap((word, index) =>
    word === '--env-file' ? [argv[index + 1] ?? ''] : word.startsWith('--env-file=') ? [word.slice('--env-file='.length)] : [],
  );
  if (given.length > 0) return given;
  const list = env.WITH_ASSUMED_ROLE_ENV_FILE ?? '';
  return list.split(list.includes('\n') ? '\n' : ':').filter((path) => path.trim() !== '');
}
