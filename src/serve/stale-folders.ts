// Folders a block left behind when its refresh died with the agent before the
// block's end could remove them: the next block in the same place removes them. Only
// the step's own (named with-assumed-role.*, owned by this user, holding a served
// request) whose broker stopped touching its heartbeat, and never a young one.
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FILES, FOLDER_PREFIX } from './profile-files.ts';

/** A heartbeat older than this means the broker is gone: it touches it every second. */
export const STALE_AFTER_MS = 5 * 60_000;

const mtimeOf = (path: string) => {
  try {
    return lstatSync(path).mtimeMs;
  } catch {
    return undefined;
  }
};

/** Whether `dir` is a served folder of ours whose broker is gone, at `now`. */
export function isStale(dir: string, now: number, uid = process.getuid?.()): boolean {
  let info: ReturnType<typeof lstatSync>;
  try {
    info = lstatSync(dir);
  } catch {
    return false;
  }
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) return false;
  if (mtimeOf(join(dir, FILES.request)) === undefined) return false;
  const beat = mtimeOf(join(dir, FILES.heartbeat)) ?? info.mtimeMs;
  return now - beat > STALE_AFTER_MS && now - info.mtimeMs > STALE_AFTER_MS;
}

/** Removes the stale step folders in `parent` but `keep`; returns the names removed. */
export function sweepStaleFolders(parent: string, keep: string, now = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(parent).filter((name) => name.startsWith(FOLDER_PREFIX));
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const dir = join(parent, name);
    if (dir === keep || !isStale(dir, now)) continue;
    rmSync(dir, { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
