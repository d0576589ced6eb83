#!/usr/bin/env -S node --
// The installed command. Turns on Node's compile cache, so later runs load the
// bundle's compiled code instead of parsing 600 kB again, then runs the CLI.
// (`node --` in the line above: Node reads an --env-file it sees in the arguments
// unless they follow a `--`, and --env-file is one of ours.)
require('node:module').enableCompileCache?.();
require('../dist/with-assumed-role.cjs');
