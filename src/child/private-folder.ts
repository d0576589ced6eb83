// Folders of the user's own for what the wrapper makes on disk (the masking pipes,
// the --refresh profile), safe from other local users: made by mkdtemp (0700) in a
// base nobody else can rename entries of, and checked after use where a path is
// opened. A TMPDIR that others may write to without the sticky bit would let them
// rename our folder and put theirs in its place: it is bypassed, with one line.

import { lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownFolder, userCacheFolder } from '../credentials/user-folders.ts';

const STICKY = 0o1000;

/** Why a directory is not a safe place to make private folders in, or undefined when it is. */
export function unsafeBase(path: string, uid = process.getuid?.()): string | undefined {
  const info = lstatSync(path);
  if (!info.isDirectory()) return 'not a directory';
  if ((info.mode & 0o022) !== 0 && (info.mode & STICKY) === 0) return 'writable by others without the sticky bit';
  if (uid !== undefined && info.uid !== uid && info.uid !== 0) return `owned by another user (uid ${info.uid})`;
  return undefined;
}

export interface TemporaryBase {
  path: string;
  /** Set when TMPDIR was bypassed: the one line that says so. */
  notice?: string;
}

let chosen: TemporaryBase | undefined;

/** Where private temporary folders go: TMPDIR when safe, else a folder in the user's cache (said once). */
export function temporaryBase(): TemporaryBase {
  if (chosen !== undefined) return chosen;
  const tmp = tmpdir();
  let reason: string | undefined;
  try {
    reason = unsafeBase(tmp);
  } catch {
    // Missing or unreadable: making a folder there fails, and says so (output-pipes.ts).
    return { path: tmp };
  }
  if (reason === undefined) {
    chosen = { path: tmp };
    return chosen;
  }
  const fallback = ownFolder(join(userCacheFolder(), 'tmp'), 'temporary files');
  chosen = { path: fallback, notice: `TMPDIR=${tmp} is ${reason}: temporary files go to ${fallback} instead` };
  return chosen;
}

/** The folders made and not yet removed: a stop signal exits at once (cli.ts), and they go with it. */
const made = new Set<string>();

function removeLeftFolders(): void {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
  made.clear();
}

/**
 * A fresh 0700 folder of ours under the temporary base; removePrivateFolder removes it.
 * One the process leaves (Jenkins aborted the step while the masking pipes were
 * being made) is removed as the process exits.
 */
export function makePrivateFolder(prefix = 'with-assumed-role-'): string {
  const dir = mkdtempSync(join(temporaryBase().path, prefix));
  if (made.size === 0) process.once('exit', removeLeftFolders);
  made.add(dir);
  return dir;
}

export function removePrivateFolder(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  made.delete(dir);
  if (made.size === 0) process.off('exit', removeLeftFolders);
}
