// `print --cache-file`'s cache: a 0600 JSON file of the user's own, holding what
// identifies the request and the role's temporary credentials while they last,
// never a source credential. Later calls (an AWS profile's credential_process runs
// before every AWS call) answer from it, so fifty calls cost one AssumeRole per
// credential lifetime; a refresh uses the caller's own source, as it finds it then.
// A file, lock or folder that another user could have planted is refused.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { lstat, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { ConfigurationError, TemporaryFailureError } from '../domain/errors.ts';
import type { RoleRequest } from '../domain/role-request.ts';
import { NO_SESSION_ATTRIBUTES } from '../domain/session-attributes.ts';

/** What the cache records of the request: a RoleRequest (JSON keeps no undefined keys). */
export type CachedRequest = Partial<
  Pick<RoleRequest, 'externalId' | 'region' | 'endpointUrl' | 'profile' | 'webIdentityTokenFile' | 'session' | 'allowedAccounts' | 'via'>
> &
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

/** The cache file: what identifies the request, the role's temporary credentials, the invocations it answered. */
export interface CacheContent {
  /** 2: no source environment is recorded (version 1 files held one, and are not read). */
  version: 2;
  request: CachedRequest;
  credentials?: CachedCredentials | undefined;
  /** Keys of the invocations answered from it (invocation-key.ts), newest first: the launcher's fast path. */
  invocations?: string[];
}

/** How many invocations a cache remembers. */
export const INVOCATIONS_KEPT = 8;

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
  const keys = [
    'roleArn',
    'sessionName',
    'durationSeconds',
    'externalId',
    'region',
    'endpointUrl',
    'profile',
    'webIdentityTokenFile',
  ] as const;
  // Tags, policies, allowed accounts and roles on the way: equal as JSON, absent as empty.
  const extras = (request: CachedRequest) =>
    JSON.stringify([request.session ?? NO_SESSION_ATTRIBUTES, request.allowedAccounts ?? [], request.via ?? []]);
  return keys.every((key) => a[key] === b[key]) && extras(a) === extras(b);
}

/**
 * How messages name a cache file, and where else to keep it: `--cache-file F` for
 * print's cache, `session cache F` for a person's (session-cache.ts).
 */
export interface CacheNaming {
  label: string;
  /** What to do instead of using a file or folder another user could have planted. */
  elsewhere: string;
}

export const cacheFileNaming = (path: string): CacheNaming => ({
  label: `--cache-file ${path}`,
  elsewhere: 'point --cache-file at a file in a folder of your own, e.g. ~/.cache/with-assumed-role/',
});

/** Who owns a path, in a message: `user 1001` (names are not looked up: no dependency for it). */
const ownerOf = (uid: number) => (uid === 0 ? 'root' : `user ${uid}`);

/** The user's own, or a ConfigurationError naming who owns it: a file another user planted is never trusted. */
export function checkOwnEntry(path: string, info: { uid: number }, what: string, naming: CacheNaming): void {
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new ConfigurationError(`${naming.label}: its ${what} is owned by ${ownerOf(info.uid)}, not by you (uid ${uid})`, {
      fix: `${naming.elsewhere} (another user may have put ${path} there)`,
    });
  }
}

/**
 * The cache's folder: a directory others cannot write to, unless it is sticky (as
 * /tmp is), where they still cannot rename or replace what is ours.
 */
export async function checkCacheFolder(path: string, naming: CacheNaming = cacheFileNaming(path)): Promise<void> {
  const folder = dirname(path);
  const info = await stat(folder).catch((error: unknown) => {
    throw unusableCache(path, error, naming);
  });
  if (!info.isDirectory()) throw unusableCache(path, Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }), naming);
  if ((info.mode & 0o022) !== 0 && (info.mode & 0o1000) === 0) {
    throw new ConfigurationError(`${naming.label}: its folder ${folder} is writable by others (mode ${(info.mode & 0o7777).toString(8)})`, {
      fix: `${naming.elsewhere} (others could replace it in ${folder})`,
    });
  }
}

/** A private JSON file's text, or undefined when it does not exist; a file not ours to trust is an error. */
export async function readPrivateFile(path: string, naming: CacheNaming): Promise<string | undefined> {
  try {
    const info = await lstat(path);
    if (!info.isFile()) throw new ConfigurationError(`${naming.label}: not a regular file`, { fix: naming.elsewhere });
    checkOwnEntry(path, info, 'file', naming);
    if ((info.mode & 0o077) !== 0) {
      throw new ConfigurationError(`${naming.label}: readable by others (mode ${(info.mode & 0o777).toString(8)})`, {
        fix: `remove it, or chmod 600 ${path}: it holds credentials`,
      });
    }
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (error instanceof ConfigurationError) throw error;
    throw unusableCache(path, error, naming);
  }
}

/** The cache's content, or undefined when it does not exist or is not a cache; a file not ours to trust is an error. */
export async function readCache(path: string): Promise<CacheContent | undefined> {
  const text = await readPrivateFile(path, cacheFileNaming(path));
  if (text === undefined) return undefined;
  try {
    const content = JSON.parse(text) as CacheContent;
    return content.version === 2 && typeof content.request?.roleArn === 'string' ? content : undefined;
  } catch {
    return undefined;
  }
}

/** Replaces a private file atomically (write a 0600 sibling, rename over). */
export async function writePrivateFile(path: string, text: string, naming: CacheNaming): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw unusableCache(path, error, naming);
  }
}

export function writeCache(path: string, content: CacheContent): Promise<void> {
  return writePrivateFile(path, JSON.stringify(content), cacheFileNaming(path));
}

/** Who holds a cache lock: written into it, so that a lock whose holder is gone is taken over at once. */
interface LockOwner {
  pid: number;
  host: string;
  startedAt: number;
}

async function readOwner(lock: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(`${lock}/owner`, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/** A holder on this host whose process no longer exists. */
function holderGone(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** A lock without an owner is one being made, or one left by a crash between mkdir and writing the owner. */
const UNOWNED_GRACE_MS = 2000;

/**
 * Runs `work` holding the cache's lock (a sibling directory: mkdir is atomic, and it
 * names its holder), so parallel credential_process calls refresh once, not once
 * each. A lock whose holder is gone is taken over at once; a holder stopped by a
 * signal removes it on its way out; a live holder is waited for `waitMs` at most.
 */
export async function withCacheLock<T>(
  path: string,
  waitMs: number,
  work: () => Promise<T>,
  naming: CacheNaming = cacheFileNaming(path),
): Promise<T> {
  const lock = `${path}.lock`;
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await mkdir(lock, { mode: 0o700 });
      await writeFile(`${lock}/owner`, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: Date.now() }), { mode: 0o600 });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unusableCache(path, error, naming);
      const held = await lstat(lock).catch(() => undefined);
      if (held !== undefined) checkOwnEntry(lock, held, 'lock', naming);
      const owner = await readOwner(lock);
      const age = await stat(lock).then(
        (info) => Date.now() - info.mtimeMs,
        () => 0,
      );
      if ((owner !== undefined && holderGone(owner)) || (owner === undefined && age > UNOWNED_GRACE_MS)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        const holder = owner === undefined ? 'another process' : `withAssumedRole (pid ${owner.pid} on ${owner.host})`;
        throw new TemporaryFailureError(`${naming.label}: ${holder} has been refreshing it for ${Math.round(age / 1000)} s`, {
          fix: `retry; if no such process runs any more, remove ${lock}`,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  // Stopped by a signal, the CLI exits at once: the lock goes with it.
  const release = () => rmSync(lock, { recursive: true, force: true });
  process.on('exit', release);
  try {
    return await work();
  } finally {
    process.off('exit', release);
    await rm(lock, { recursive: true, force: true });
  }
}

/** A cache file the CLI cannot use where it is: its folder missing, or not ours to write. */
export function unusableCache(path: string, cause: unknown, naming: CacheNaming = cacheFileNaming(path)): ConfigurationError {
  const code = (cause as NodeJS.ErrnoException).code ?? String(cause);
  return new ConfigurationError(`${naming.label}: cannot be used there (${code})`, {
    fix: `${naming.elsewhere}; ${dirname(path)} must exist and be yours to write`,
    cause,
  });
}
