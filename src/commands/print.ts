// print: credentials to stdout on purpose, for eval, credential_process or scripts.

import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import {
  type CacheContent,
  type CachedCredentials,
  type CachedRequest,
  isFresh,
  readCache,
  sameRequest,
  snapshotSourceEnvironment,
  unusableCache,
  withCacheLock,
  withSourceEnvironment,
  writeCache,
} from '../credentials/credential-cache.ts';
import { UsageError } from '../errors.ts';
import { assumeRole } from '../library.ts';
import { type PrintOptions, roleRequestOf } from '../options/command-options.ts';
import { formatCredentials, type PrintableCredentials } from '../output/format-credentials.ts';
import { createReporter, describeAssumed, type Reporter } from '../output/reporter.ts';
import type { CommandIo } from './command-io.ts';

type Env = Readonly<Record<string, string | undefined>>;

function requestOf(options: PrintOptions): CachedRequest | undefined {
  return options.target === undefined ? undefined : roleRequestOf(options.target, options.source);
}

async function assume(request: CachedRequest, env: Env, reporter: Reporter): Promise<CachedCredentials> {
  const assumed = await assumeRole({ ...request, env, log: reporter.verbose });
  reporter.info(`assumed ${describeAssumed(assumed.assumedRoleArn, assumed.credentials.expiration)}`);
  return {
    accessKeyId: assumed.credentials.accessKeyId,
    secretAccessKey: assumed.credentials.secretAccessKey,
    sessionToken: assumed.credentials.sessionToken,
    expiration: assumed.credentials.expiration.toISOString(),
    issuedAt: new Date().toISOString(),
    assumedRoleArn: assumed.assumedRoleArn,
    childRegion: assumed.childRegion,
  };
}

const usable = (content: CacheContent | undefined, request: CachedRequest): CachedCredentials | undefined =>
  content?.credentials !== undefined && sameRequest(content.request, request) && isFresh(content.credentials, Date.now())
    ? content.credentials
    : undefined;

/**
 * Credentials from the cache while fresh; else assumed with the source environment
 * the cache recorded first (in a Jenkins block, the keys and profile that the block
 * hides from its body) and written back, under a lock.
 */
async function throughCache(file: string, options: PrintOptions, env: Env, reporter: Reporter): Promise<CachedCredentials> {
  const folder = await stat(dirname(file)).catch((error: unknown) => {
    throw unusableCache(file, error);
  });
  if (!folder.isDirectory()) throw unusableCache(file, Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }));
  const cached = await readCache(file);
  const request = requestOf(options) ?? cached?.request;
  if (request === undefined) {
    throw new UsageError(`--cache-file ${file}: holds no request yet, and no role was given`, {
      fix: 'give the role options (--role-arn ...) on the first call; later calls may leave them out',
    });
  }
  const hit = usable(cached, request);
  if (hit !== undefined) {
    reporter.verbose(`cached credentials from ${file}, valid until ${hit.expiration}`);
    return hit;
  }
  return withCacheLock(file, request.assumeTimeoutSeconds * 1000, async () => {
    const current = await readCache(file);
    const refreshed = usable(current, request);
    if (refreshed !== undefined) return refreshed;
    const sourceEnvironment = current?.sourceEnvironment ?? cached?.sourceEnvironment ?? snapshotSourceEnvironment(env);
    const credentials = await assume(request, withSourceEnvironment(env, sourceEnvironment), reporter);
    await writeCache(file, { version: 1, request, sourceEnvironment, credentials });
    return credentials;
  });
}

export async function printCommand(options: PrintOptions, io: CommandIo): Promise<number> {
  const reporter = createReporter(options.verbosity);
  let credentials: CachedCredentials;
  if (options.cacheFile !== undefined) {
    credentials = await throughCache(options.cacheFile, options, io.env, reporter);
  } else {
    credentials = await assume(requestOf(options) as CachedRequest, io.env, reporter);
  }
  const printable: PrintableCredentials = { ...credentials, expiration: new Date(credentials.expiration), region: credentials.childRegion };
  io.stdout(formatCredentials(printable, options.format));
  return 0;
}
