#!/usr/bin/env node
// The installed command. Turns on Node's compile cache, so later runs load the
// bundle's compiled code instead of parsing it again, then runs the CLI.
// A plain `env node` line, for Alpine's env has no -S: the price is that Node itself
// answers a missing --env-file (exit 9) before the CLI can (docs/troubleshooting.md).
// The cache goes in the user's own cache folder, never in a TMPDIR another user may
// have made it in ($TMPDIR/node-compile-cache is Node's default): compiled code read
// from there would run as this user. Where that folder cannot be had, no cache.
const { lstatSync, mkdirSync } = require('node:fs');
const { homedir } = require('node:os');
const { join } = require('node:path');

function compileCacheFolder() {
  try {
    const xdg = process.env.XDG_CACHE_HOME;
    const base = xdg?.startsWith('/') ? xdg : join(process.env.HOME || homedir(), '.cache');
    const folder = join(base, 'with-assumed-role', 'compile-cache');
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    const info = lstatSync(folder);
    return info.isDirectory() && info.uid === process.getuid?.() && (info.mode & 0o077) === 0 ? folder : undefined;
  } catch {
    return undefined;
  }
}

const folder = compileCacheFolder();
if (folder !== undefined) require('node:module').enableCompileCache?.(folder);
// An AWS profile's credential_process runs `print --format process --cache-file F`
// before every AWS call: answered from a fresh cache without loading the CLI.
const args = process.argv.slice(2);
if (!(args.includes('print') && require('../dist/with-assumed-role-cache-hit.cjs').answerFromCache(args, process.env))) {
  require('../dist/with-assumed-role.cjs');
}
