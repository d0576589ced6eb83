// The user's own folders for what with-assumed-role keeps between runs: $XDG_CACHE_HOME
// (or ~/.cache)/with-assumed-role, each part a folder only the user can open.
import { lstatSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../domain/environment.ts';
import { ConfigurationError } from '../domain/errors.ts';

/** The user's cache folder for with-assumed-role: $XDG_CACHE_HOME or ~/.cache, then with-assumed-role. */
export function userCacheFolder(env: Environment = process.env): string {
  const base = env.XDG_CACHE_HOME?.startsWith('/') ? env.XDG_CACHE_HOME : join(env.HOME || homedir(), '.cache');
  return join(base, 'with-assumed-role');
}

/**
 * A folder of the user's own (created 0700 if missing), or a ConfigurationError saying
 * why it cannot be: someone else's, or open to others.
 */
export function ownFolder(path: string, what: string): string {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const info = lstatSync(path);
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o077) !== 0) {
    throw new ConfigurationError(`${path}: ${what} must be a folder of yours that only you can open (mode 0700)`, {
      fix: `remove it, or chmod 700 it if it is yours (it holds ${what})`,
    });
  }
  return path;
}
