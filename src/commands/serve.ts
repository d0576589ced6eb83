// serve: the role's credentials for other processes, as an AWS profile in a
// folder, kept fresh in the background until the folder is removed. The Jenkins
// block form's mechanism; usable on its own.
import { ConfigurationError } from '../errors.ts';
import { assumeRole } from '../library.ts';
import { type RoleTarget, roleRequestOf, type ServeCredentials, type ServeOptions } from '../options/command-options.ts';
import { reproductionLine } from '../options/reproduce.ts';
import { droppedTagsLine, hasSessionAttributes } from '../options/session-attributes.ts';
import { isJenkins } from '../options/session-name.ts';
import { createReporter, describeAssumed } from '../output/reporter.ts';
import { runBackground, type ServeRecord, servedOf, startBackground, stsRegionOf, writeProfile } from '../serve/broker.ts';
import { type BodyCredentials, checkBodyEnvironment, FILES } from '../serve/profile-files.ts';
import { checkServeFolder, readFolderFile, writeAtomically } from '../serve/serve-folder.ts';
import type { CommandIo } from './command-io.ts';

/** --check: what the body would see of the agent's own environment decides, or stops, the block. */
function checkBody(
  dir: string,
  requested: ServeCredentials,
  target: RoleTarget | undefined,
  io: CommandIo,
  say: (line: string) => void,
): number {
  const found = checkBodyEnvironment(io.env);
  if (found.keys.length > 0) {
    throw new ConfigurationError(
      `${found.keys.join(', ')}: set in this agent's own environment, which withEnv cannot remove: the AWS CLI and boto3 in the block would use those keys before the role`,
      {
        fix: "use the command form (command: '...'), which builds the command's environment itself, or take the keys out of the agent's environment and bind them with withCredentials",
      },
    );
  }
  let mode: BodyCredentials = 'role';
  if (found.webIdentity.length > 0) {
    if (requested === 'role') {
      throw new ConfigurationError(
        `${found.webIdentity.join(', ')}: set in this agent's own environment (IAM roles for service accounts?): botocore would use web identity before the role's credential_process`,
        { fix: "use credentials: 'source' or 'auto' (the block's tools then assume the role themselves), or the command form" },
      );
    }
    mode = 'source';
    say(
      `${found.webIdentity.join(', ')} of this agent would win over a credential_process in botocore: the block's AWS tools assume the role themselves, from the source credentials`,
    );
  } else if (requested === 'source') {
    mode = 'source';
  }
  if (mode === 'source') checkSourceModeCarries(target);
  writeAtomically(dir, FILES.mode, mode);
  return 0;
}

/**
 * In `source` mode the body's AWS tools assume the role themselves from a role_arn
 * profile, which has no place for tags, a source identity or session policies: asked
 * for, they would silently be left out, so the block stops instead.
 */
function checkSourceModeCarries(target: RoleTarget | undefined): void {
  if (target === undefined || !hasSessionAttributes(target.session)) return;
  throw new ConfigurationError(
    "session tags, a source identity or session policies: the block's tools assume the role themselves here (credentials: 'source'), and an AWS profile cannot ask for those",
    {
      fix: "use the command form (command: '...'), which sends them; or run the block where no web identity variables are set, with credentials: 'role'",
    },
  );
}

function modeOf(dir: string, requested: ServeCredentials): BodyCredentials {
  if (requested !== 'auto') return requested;
  return readFolderFile(dir, FILES.mode) === 'source' ? 'source' : 'role';
}

export async function serveCommand(options: ServeOptions, io: CommandIo): Promise<number> {
  const reporter = createReporter(options.verbosity);
  const dir = checkServeFolder(options.dir);
  if (options.check) return checkBody(dir, options.credentials, options.target, io, reporter.info);
  if (options.background) return runBackground(dir, io.env, options.source.network);
  const target = options.target;
  if (target === undefined) throw new Error('serve: no role after normalization');
  const request = roleRequestOf(target, options.source);
  const mode = modeOf(dir, options.credentials);
  if (target.droppedTags.length > 0) reporter.info(droppedTagsLine(target.droppedTags));
  if (mode === 'source') checkSourceModeCarries(target);
  const assumed = await assumeRole({ ...request, env: io.env, log: reporter.verbose });
  const record: ServeRecord = { request, mode, stsRegion: await stsRegionOf(request, io.env) };
  writeProfile(dir, record, servedOf(mode, assumed), assumed.childRegion);
  const pid = startBackground(dir, process.argv[1] as string, options.source.network);
  if (isJenkins(io.env)) reporter.info(reproductionLine(options.reproduction, "'<the block's commands>'"));
  const until = describeAssumed(assumed.assumedRoleArn, assumed.credentials.expiration);
  reporter.info(
    mode === 'role'
      ? `assumed ${until}; refreshed in the background${pid === undefined ? ' (could not start: see the log at the end)' : ''} while ${dir} exists`
      : `the profile in ${dir} assumes ${target.roleArn} from ${assumed.source.label} (checked: ${until})`,
  );
  return 0;
}
