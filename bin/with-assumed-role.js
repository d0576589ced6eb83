#!/usr/bin/env -S node --
// Launcher: turn on Node's compile cache (a second run parses the bundle from
// cache, which halves start-up), then run the bundled CLI.
import module from 'node:module';

module.enableCompileCache?.();
await import('../dist/with-assumed-role.mjs');
