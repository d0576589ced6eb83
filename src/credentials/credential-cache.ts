// The block form's credential cache: a 0600 JSON file holding the request, the
// source environment it was first made with, and the credentials while they last.
// Later `print --cache-file` calls (credential_process) reuse it, so fifty AWS calls
// in a Jenkins block cost one AssumeRole per credential lifetime.
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rmdir, stat, writeFile } from 'node:fs/promises';
import { ConfigurationError } from '../errors.ts';
import type { RoleRequest } from '../options/command-options.ts';
import { SOURCE_VARIABLES } from './source-plan.ts';

/** What the cache records of the request: a RoleRequest (JSON keeps no undefined keys). */
export type CachedRequest = Partial<Pick<RoleRequest, 'externalId' | 'region' | 'endpointUrl' | 'profile'>> &
  Pick<RoleRequest, 'roleArn' | 'sessionName' | 'durationSeconds' | 'assumeTimeoutSeconds'>;

export interface CachedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
  issuedAt: string;
  assumedRoleArn: string;
  childRegion?: string | undefined;
}

export interface CacheContent {
  version: 1;
  request: CachedRequest;
  /** The source-credential variables of the first call, used by every later one. */
  sourceEnvironment: Record<string, string>;
  credentials?: CachedCredentials | undefined;
}

/** The source-credential variables of `env` worth keeping: see SOURCE_VARIABLES. */
export function snapshotSourceEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const snapshot: Record<string, string> = {};
  for (const name of SOURCE_VARIABLES) {
    const value = env[name];
    if (value !== undefined && value !== '') snapshot[name] = value;
  }
  return snapshot;
}

/** `env` with its source-credential variables replaced by the recorded ones. */
export function withSourceEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  recorded: Record<string, string>,
): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = { ...env };
  for (const name of SOURCE_VARIABLES) delete merged[name];
  return { ...merged, ...recorded };
}

/**
 * Fresh means usable for a while yet: SDKs refresh from credential_process 15
 * minutes before expiry, so serve cached credentials until then, or until half
 * their lifetime is left for short sessions.
 */
export function isFresh(credentials: CachedCredentials, now: number): boolean {
  const expires = Date.parse(credentials.expiration);
  const lifetime = expires - Date.parse(credentials.issuedAt);
  const margin = Math.min(15 * 60_000, lifetime / 2);
  return expires - now > margin;
}

export function sameRequest(a: CachedRequest, b: CachedRequest): boolean {
  const keys = ['roleArn', 'sessionName', 'durationSeconds', 'externalId', 'region', 'endpointUrl', 'profile'] as const;
  return keys.every((key) => a[key] === b[key]);
}

/** The cache's content, or undefined when it does not exist or is not ours to trust. */
export async function readCache(path: string): Promise<CacheContent | undefined> {
  let text: string;
  try {
    const info = await lstat(path);
    if (!info.isFile())
      throw new ConfigurationError(`--cache-file ${path}: not a regular file`, { fix: 'point --cache-file at a file path of its own' });
    if ((info.mode & 0o077) !== 0) {
      throw new ConfigurationError(`--cache-file ${path}: readable by others (mode ${(info.mode & 0o777).toString(8)})`, {
        fix: `remove it, or chmod 600 ${path}: it holds credentials`,
      });
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const content = JSON.parse(text) as CacheContent;
    return content.version === 1 && typeof content.request?.roleArn === 'string' ? content : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces the cache atomically (write a 0600 sibling, rename over). */
export async function writeCache(path: string, content: CacheContent): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, JSON.stringify(content), { mode: 0o600, flag: 'wx' });
  await rename(temporary, path);
}

/**
 * Runs `work` holding the cache's lock (a sibling directory: mkdir is atomic), so
 * parallel credential_process calls refresh once, not once each. A lock older than
 * `staleMs` is taken over: its holder died.
 */
export async function withCacheLock<T>(path: string, staleMs: number, work: () => Promise<T>): Promise<T> {
  const lock = `${path}.lock`;
  for (;;) {
    try {
      await mkdir(lock, { mode: 0o700 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = await stat(lock).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      );
      if (age > staleMs) await rmdir(lock).catch(() => undefined);
      else await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  try {
    return await work();
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
}
