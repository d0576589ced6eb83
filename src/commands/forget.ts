// forget: drops a person's cached sessions (session-cache.ts), so that the next run
// assumes anew and asks for an MFA code again.
import { forgetSessions } from '../credentials/session-cache.ts';
import type { ForgetOptions } from '../options/command-options.ts';
import { createReporter } from '../output/reporter.ts';
import type { CommandIo } from './command-io.ts';

export function forgetCommand(options: ForgetOptions, io: CommandIo): number {
  const { folder, removed } = forgetSessions(io.env);
  createReporter(options.verbosity).info(
    removed === 0 ? `no cached sessions (${folder})` : `forgot ${removed} cached session${removed === 1 ? '' : 's'} (${folder})`,
  );
  return 0;
}
