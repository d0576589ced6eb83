#!/usr/bin/env node
// The executable: the bundled CLI's entry point. On a Node.js older than 22 it
// says so in one line (exit 69) instead of failing somewhere later.
import { run } from './cli.ts';
import { ExitCode } from './domain/errors.ts';

const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `withAssumedRole: Node.js ${process.versions.node} is too old; it needs Node.js 22 or newer\n  fix: install Node.js 22+ (in a Jenkins step: node: '/path/to/node22', or cli: an installed withAssumedRole)\n`,
  );
  process.exitCode = ExitCode.nodeUnavailable;
} else {
  void run();
}
