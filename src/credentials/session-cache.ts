// A person's sessions between runs, as aws-vault keeps them: the role's credentials
// (so that a second run within their lifetime neither asks for an MFA code nor calls
// STS) and an MFA session (GetSessionToken with the code, so that a later AssumeRole,
// and a refresh, need no new code). One 0600 file each, named by a hash of what
// identifies it, in $XDG_CACHE_HOME/with-assumed-role/sessions (0700); temporary
// credentials only, never a source credential. Off under CI and with --no-session-cache.
import { createHash } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from '../domain/environment.ts';
import { type CacheNaming, readPrivateFile, withCacheLock, writePrivateFile } from './credential-cache.ts';
import { ownFolder, userCacheFolder } from './user-folders.ts';

export interface CachedSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: string;
  issuedAt: string;
  /** The role session's ARN, for a role; the MFA device's, for an MFA session. */
  arn: string;
  childRegion?: string | undefined;
}

interface SessionFile {
  version: 1;
  kind: 'role' | 'mfa';
  session: CachedSession;
}

export interface SessionCache {
  folder: string;
}

/** The sessions' folder: the user's own cache folder's `sessions`, 0700. */
export function sessionsFolder(env: Environment): string {
  return join(userCacheFolder(env), 'sessions');
}

/** The cache, its folder made (0700) and checked to be the user's own; undefined when turned off. */
export function openSessionCache(env: Environment, enabled: boolean): SessionCache | undefined {
  if (!enabled) return undefined;
  return { folder: ownFolder(sessionsFolder(env), 'cached sessions') };
}

const naming = (path: string): CacheNaming => ({
  label: `session cache ${path}`,
  elsewhere: `remove it (withAssumedRole forget does), or run with --no-session-cache`,
});

/** A file name for what identifies a session: its hash, so that the name says nothing of the role or account. */
export function sessionKey(kind: SessionFile['kind'], identifying: unknown): string {
  return `${kind}-${createHash('sha256').update(JSON.stringify(identifying)).digest('hex').slice(0, 32)}.json`;
}

/** The cached session under `key`, if there is one that lasts at least `minimumMs` more. */
export async function cachedSession(cache: SessionCache, key: string, now: number, minimumMs: number): Promise<CachedSession | undefined> {
  const path = join(cache.folder, key);
  const text = await readPrivateFile(path, naming(path));
  if (text === undefined) return undefined;
  try {
    const file = JSON.parse(text) as SessionFile;
    if (file.version !== 1 || typeof file.session?.expiration !== 'string') return undefined;
    return Date.parse(file.session.expiration) - now >= minimumMs ? file.session : undefined;
  } catch {
    return undefined;
  }
}

export function storeSession(cache: SessionCache, key: string, session: CachedSession): Promise<void> {
  const path = join(cache.folder, key);
  const file: SessionFile = { version: 1, kind: key.startsWith('mfa-') ? 'mfa' : 'role', session };
  return writePrivateFile(path, JSON.stringify(file), naming(path));
}

/**
 * Runs `work` holding the lock of `key`: two runs started together ask for one code and
 * assume once. A person may take a while to type a code: the wait is generous.
 */
export function withSessionLock<T>(cache: SessionCache, key: string, work: () => Promise<T>): Promise<T> {
  const path = join(cache.folder, key);
  return withCacheLock(path, 5 * 60_000, work, naming(path));
}

/** Removes every cached session: `withAssumedRole forget`. Returns how many there were. */
export function forgetSessions(env: Environment): { folder: string; removed: number } {
  const folder = sessionsFolder(env);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return { folder, removed: 0 };
  }
  const sessions = names.filter((name) => /^(role|mfa)-[0-9a-f]{32}\.json$/.test(name));
  rmSync(folder, { recursive: true, force: true });
  return { folder, removed: sessions.length };
}
