#!/usr/bin/env node
// The installed command. Turns on Node's compile cache, so later runs load the
// bundle's compiled code instead of parsing it again, then runs the CLI.
// A plain `env node` line, for Alpine's env has no -S: the price is that Node itself
// answers a missing --env-file (exit 9) before the CLI can (docs/troubleshooting.md).
// Only where TMPDIR exists: enabling the cache creates its folder there, and a TMPDIR
// made as a side effect would make this command behave unlike the bundle run alone.
if (require('node:fs').existsSync(require('node:os').tmpdir())) require('node:module').enableCompileCache?.();
// An AWS profile's credential_process runs `print --format process --cache-file F`
// before every AWS call: answered from a fresh cache without loading the CLI.
const args = process.argv.slice(2);
if (!(args.includes('print') && require('../dist/with-assumed-role-cache-hit.cjs').answerFromCache(args, process.env))) {
  require('../dist/with-assumed-role.cjs');
}
