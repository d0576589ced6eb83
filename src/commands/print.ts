// print: credentials to stdout on purpose, for eval, credential_process or scripts.

import { assumeRole } from '../credentials/assume.ts';
import {
  type CacheContent,
  type CachedCredentials,
  type CachedRequest,
  checkCacheFolder,
  INVOCATIONS_KEPT,
  isFresh,
  readCache,
  sameRequest,
  withCacheLock,
  writeCache,
} from '../credentials/credential-cache.ts';
import type { Environment } from '../domain/environment.ts';
import { UsageError } from '../domain/errors.ts';
import { roleRequestOf } from '../domain/role-request.ts';
import { droppedTagsLine } from '../domain/session-attributes.ts';
import type { PrintOptions } from '../options/command-options.ts';
import { formatCredentials, type PrintableCredentials } from '../output/format-credentials.ts';
import { createReporter, describeAssumed, type Reporter } from '../output/reporter.ts';
import type { CommandIo } from './command-io.ts';
import { assumedLine, personOf } from './person.ts';

/** A person's MFA prompt and session cache: print without --cache-file only. */
type Person = Partial<ReturnType<typeof personOf>>;

function requestOf(options: PrintOptions): CachedRequest | undefined {
  return options.target === undefined ? undefined : roleRequestOf(options.target, options.source);
}

async function assume(request: CachedRequest, env: Environment, reporter: Reporter, person: Person = {}): Promise<CachedCredentials> {
  const assumed = await assumeRole({ ...request, ...person, env, log: reporter.verbose });
  reporter.info(assumedLine(assumed, describeAssumed(assumed.assumedRoleArn, assumed.credentials.expiration)));
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
 * Credentials from the cache while fresh; else assumed with the caller's own source,
 * as its environment has it now, and written back, under a lock.
 */
async function throughCache(file: string, options: PrintOptions, env: Environment, reporter: Reporter): Promise<CachedCredentials> {
  await checkCacheFolder(file);
  const cached = await readCache(file);
  // A call that gives no role takes the recorded request, with its own network settings (never recorded: a proxy URL may hold a password).
  const request = requestOf(options) ?? (cached === undefined ? undefined : { ...cached.request, network: options.source.network });
  if (request === undefined) {
    throw new UsageError(`--cache-file ${file}: holds no request yet, and no role was given`, {
      fix: 'give the role options (--role-arn ...) on the first call; later calls may leave them out',
    });
  }
  const hit = usable(cached, request);
  if (hit !== undefined && cached !== undefined) {
    reporter.verbose(`cached credentials from ${file}, valid until ${hit.expiration}`);
    if (!cached.invocations?.includes(options.invocation)) await writeCache(file, remembering(cached, options.invocation));
    return hit;
  }
  return withCacheLock(file, request.assumeTimeoutSeconds * 1000, async () => {
    const current = await readCache(file);
    const refreshed = usable(current, request);
    if (refreshed !== undefined) return refreshed;
    const credentials = await assume(request, env, reporter);
    const invocations = current !== undefined && sameRequest(current.request, request) ? (current.invocations ?? []) : [];
    const { network: _network, mfa: _mfa, ...identifying } = request as CachedRequest & { network?: unknown; mfa?: unknown };
    await writeCache(file, remembering({ version: 2, request: identifying, credentials, invocations }, options.invocation));
    return credentials;
  });
}

/** The cache with this invocation's key first among those it answers (INVOCATIONS_KEPT at most). */
function remembering(content: CacheContent, invocation: string): CacheContent {
  const kept = (content.invocations ?? []).filter((key) => key !== invocation);
  return { ...content, invocations: [invocation, ...kept].slice(0, INVOCATIONS_KEPT) };
}

export async function printCommand(options: PrintOptions, io: CommandIo): Promise<number> {
  const reporter = createReporter(options.verbosity);
  if (options.target !== undefined && options.target.droppedTags.length > 0) reporter.info(droppedTagsLine(options.target.droppedTags));
  let credentials: CachedCredentials;
  if (options.cacheFile !== undefined) {
    credentials = await throughCache(options.cacheFile, options, io.env, reporter);
  } else {
    credentials = await assume(requestOf(options) as CachedRequest, io.env, reporter, personOf(io.env, options.sessionCache));
  }
  const printable: PrintableCredentials = { ...credentials, expiration: new Date(credentials.expiration), region: credentials.childRegion };
  io.stdout(formatCredentials(printable, options.format));
  return 0;
}
