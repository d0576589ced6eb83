// serve: the role's credentials for other processes, as an AWS profile in a
// folder, kept fresh in the background until the folder is removed. The Jenkins
// block form's mechanism (serve/block-mode.ts); usable on its own.
import { resolve } from 'node:path';
import { isJenkins } from '../domain/environment.ts';
import { InternalError } from '../domain/errors.ts';
import { droppedTagsLine } from '../domain/session-attributes.ts';
import type { ServeOptions } from '../options/command-options.ts';
import { reproductionLine } from '../options/reproduce.ts';
import { createReporter, describeAssumed } from '../output/reporter.ts';
import { checkOf, chooseBodyMode, serveBlock } from '../serve/block-mode.ts';
import { runBackground } from '../serve/broker.ts';
import { FILES } from '../serve/profile-files.ts';
import { checkServeFolder, writeAtomically } from '../serve/serve-folder.ts';
import { stopServing } from '../serve/stop-serving.ts';
import type { CommandIo } from './command-io.ts';

export async function serveCommand(options: ServeOptions, io: CommandIo): Promise<number> {
  const reporter = createReporter(options.verbosity);
  if (options.stop) {
    const { log } = stopServing(resolve(options.dir), io.env);
    if (log.trim() !== '') process.stderr.write(log.endsWith('\n') ? log : `${log}\n`);
    return 0;
  }
  const dir = checkServeFolder(options.dir);
  if (options.check) {
    const keyless = options.source.webIdentityTokenFile !== undefined;
    const check = chooseBodyMode(io.env, options.credentials, { target: options.target, keyless }, reporter.info);
    writeAtomically(dir, FILES.check, `${JSON.stringify(check)}\n`);
    return 0;
  }
  if (options.background) return runBackground(dir, io.env, options.source.network);
  const target = options.target;
  if (target === undefined) throw new InternalError('serve: no role after normalization', { fix: 'report it' });
  if (target.droppedTags.length > 0) reporter.info(droppedTagsLine(target.droppedTags));
  const served = await serveBlock(dir, checkOf(dir, options.credentials), { ...options, target }, io.env, reporter.verbose);
  if (isJenkins(io.env)) reporter.info(reproductionLine(options.reproduction, "'<the block's commands>'"));
  const until = describeAssumed(served.assumedRoleArn, served.expiration);
  reporter.info(
    served.mode !== 'source'
      ? `assumed ${until}; refreshed in the background while ${dir} exists`
      : `the profile in ${dir} assumes ${target.roleArn} from ${served.sourceLabel} (checked: ${until})`,
  );
  return 0;
}
