import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STALE_AFTER_MS, sweepStaleFolders } from '../../../src/serve/stale-folders.ts';

describe('folders left by a refresh that died', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });
  /** A folder as serve leaves it, its files and itself last touched `ageMs` before `now`. */
  const folder = (root: string, name: string, now: number, ageMs: number, files: string[]) => {
    const dir = join(root, name);
    mkdirSync(dir);
    const then = new Date(now - ageMs);
    for (const file of files) {
      writeFileSync(join(dir, file), '');
      utimesSync(join(dir, file), then, then);
    }
    utimesSync(dir, then, then);
    return dir;
  };

  it('removes only served step folders whose heartbeat stopped, never a young one or anything else', () => {
    const root = mkdtempSync(join(tmpdir(), 'war-stale-'));
    roots.push(root);
    const now = Date.now();
    const old = STALE_AFTER_MS + 60_000;
    const keep = folder(root, 'with-assumed-role.current', now, old, ['request.json', 'heartbeat']);
    folder(root, 'with-assumed-role.dead', now, old, ['request.json', 'heartbeat']);
    folder(root, 'with-assumed-role.dead-before-its-broker', now, old, ['request.json']);
    folder(root, 'with-assumed-role.alive', now, 1000, ['request.json', 'heartbeat']);
    folder(root, 'with-assumed-role.command-form', now, old, ['with-assumed-role.cjs']);
    folder(root, 'someone-elses', now, old, ['request.json', 'heartbeat']);
    expect(sweepStaleFolders(root, keep, now).sort()).toEqual(['with-assumed-role.dead', 'with-assumed-role.dead-before-its-broker']);
  });
});
