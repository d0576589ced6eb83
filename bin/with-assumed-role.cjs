#!/bin/sh
':' //; exec node -- "$0" "$@"
// The installed command: sh runs the line above, JavaScript sees a string and a comment.
// `node -- script` rather than a `#!/usr/bin/env node` line, so that Node takes none of
// the CLI's arguments for its own (it checks an `--env-file` it finds after a script
// and stops on a missing one, exit 9, before the CLI can say which file and why); and
// env -S, which could pass that `--`, is not on every system (Alpine's busybox).
// Then it turns on Node's compile cache, so later runs load the bundle's compiled code
// instead of parsing it again, and runs the CLI.
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
