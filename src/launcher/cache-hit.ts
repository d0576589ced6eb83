// The launcher's fast path for `print --format process --cache-file F`, the line an
// AWS profile's credential_process runs before every AWS call: when the cache holds
// fresh credentials for this very invocation (its key is recorded there), print them
// without loading the CLI, its SDK and its options. Anything else, or any doubt, and
// the launcher loads the CLI, which checks everything again.

import { lstatSync, readFileSync, writeSync } from 'node:fs';
import { type CacheContent, isFresh } from '../credentials/credential-cache.ts';
import { envFilePaths, flagValue, invocationKey } from '../credentials/invocation-key.ts';
import type { Environment } from '../domain/environment.ts';
import { formatCredentials } from '../output/format-credentials.ts';

/** Prints the cached credentials and returns true, or returns false for the CLI to take over. */
export function answerFromCache(argv: readonly string[], env: Environment): boolean {
  try {
    if (!argv.includes('print') || argv.some((word) => /^--(verbose|help|version|dry-run|policy)(=|$)/.test(word) || word === '-h'))
      return false;
    // A session policy file's content is not in the key: the CLI reads it and compares.
    if (env.WITH_ASSUMED_ROLE_POLICY !== undefined) return false;
    const file = flagValue(argv, 'cache-file') ?? env.WITH_ASSUMED_ROLE_CACHE_FILE;
    const format = flagValue(argv, 'format') ?? env.WITH_ASSUMED_ROLE_FORMAT;
    if (file === undefined || format !== 'process') return false;
    const info = lstatSync(file);
    if (!info.isFile() || (info.mode & 0o077) !== 0 || info.uid !== process.getuid?.()) return false;
    const content = JSON.parse(readFileSync(file, 'utf8')) as CacheContent;
    const credentials = content.credentials;
    if (content.version !== 2 || credentials === undefined || !isFresh(credentials, Date.now())) return false;
    const envFiles = envFilePaths(argv, env).map((path) => readFileSync(path));
    if (envFiles.some((bytes) => bytes.includes('WITH_ASSUMED_ROLE_POLICY'))) return false;
    const key = invocationKey(argv, env, envFiles);
    if (!content.invocations?.includes(key)) return false;
    const printable = { ...credentials, expiration: new Date(credentials.expiration), region: credentials.childRegion };
    writeSync(1, formatCredentials(printable, 'process'));
    return true;
  } catch {
    return false;
  }
}
