// serve: the role's credentials for other processes, as an AWS profile in a
// folder, kept fresh in the background until the folder is removed. The Jenkins
// block form's mechanism; usable on its own.
import { ConfigurationError, UsageError } from '../errors.ts';
import { assumeRole } from '../library.ts';
import { type RoleTarget, roleRequestOf, type ServeCredentials, type ServeOptions } from '../options/command-options.ts';
import { reproductionLine } from '../options/reproduce.ts';
import { droppedTagsLine, hasSessionAttributes, NO_SESSION_ATTRIBUTES } from '../options/session-attributes.ts';
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
  options: Pick<ServeOptions, 'target' | 'source'>,
  io: CommandIo,
  say: (line: string) => void,
): number {
  const found = checkBodyEnvironment(io.env);
  const keyless = options.source.webIdentityTokenFile !== undefined;
  if (found.keys.length > 0) {
    throw new ConfigurationError(
      `${found.keys.join(', ')}: set in this agent's own environment, which withEnv cannot remove: the AWS CLI and boto3 in the block would use those keys before the role`,
      {
        fix: "use the command form (command: '...'), which builds the command's environment itself, or take the keys out of the agent's environment and bind them with withCredentials",
      },
    );
  }
  if (keyless && requested === 'source') throw keylessSource();
  let mode: BodyCredentials = 'role';
  if (found.webIdentity.length > 0) {
    if (requested === 'role') {
      throw new ConfigurationError(
        `${found.webIdentity.join(', ')}: set in this agent's own environment (IAM roles for service accounts?): botocore would use web identity before the role's credential_process`,
        {
          fix: keyless
            ? "leave credentials out (auto): the block's web identity variables then name the run's own token and the role"
            : "use credentials: 'source' or 'auto' (the block's tools then assume the role themselves), or the command form",
        },
      );
    }
    mode = keyless ? 'web-identity' : 'source';
    say(
      keyless
        ? `${found.webIdentity.join(', ')} of this agent would win over a credential_process in botocore: the block's web identity variables name this run's token and the role instead`
        : `${found.webIdentity.join(', ')} of this agent would win over a credential_process in botocore: the block's AWS tools assume the role themselves, from the source credentials`,
    );
  } else if (requested === 'source') {
    mode = 'source';
  } else if (
    requested === 'auto' &&
    found.kubernetes &&
    (keyless || !hasSessionAttributes(options.target?.session ?? NO_SESSION_ATTRIBUTES))
  ) {
    // A container() of this pod may carry IRSA variables of its own spec, which the check cannot see and botocore
    // would use before a credential_process: hand every container something that wins over them.
    mode = keyless ? 'web-identity' : 'source';
    say(
      keyless
        ? "a Kubernetes agent: the block's web identity variables name this run's token and the role, over any a container's spec sets"
        : "a Kubernetes agent: the block's AWS tools assume the role themselves, from the source credentials, over any web identity variables a container's spec sets",
    );
  }
  if (mode !== 'role') checkModeCarries(mode, options.target);
  writeAtomically(dir, FILES.mode, mode);
  return 0;
}

/**
 * In `source` and `web-identity` modes some of the body's AWS tools assume the role
 * themselves, from an AWS profile or web identity variables, which have no place for
 * tags, a source identity or session policies: asked for, they would silently be
 * left out, so the block stops instead.
 */
function checkModeCarries(mode: BodyCredentials, target: RoleTarget | undefined): void {
  if (mode === 'role' || target === undefined || !hasSessionAttributes(target.session)) return;
  const how = mode === 'source' ? "from an AWS profile (credentials: 'source')" : "with the agent's web identity variables";
  throw new ConfigurationError(
    `session tags, a source identity or session policies: the block's tools assume the role themselves here, ${how}, which cannot ask for those`,
    {
      fix: "use the command form (command: '...'), which sends them; or run the block where no web identity variables are set, with credentials: 'role'",
    },
  );
}

const keylessSource = () =>
  new UsageError("credentials: 'source' with a web identity token: there are no source credentials to hand the block", {
    fix: "leave credentials out (auto), or use 'role'",
  });

function modeOf(dir: string, requested: ServeCredentials): BodyCredentials {
  if (requested !== 'auto') return requested;
  const found = readFolderFile(dir, FILES.mode);
  return found === 'source' || found === 'web-identity' ? found : 'role';
}

export async function serveCommand(options: ServeOptions, io: CommandIo): Promise<number> {
  const reporter = createReporter(options.verbosity);
  const dir = checkServeFolder(options.dir);
  if (options.check) return checkBody(dir, options.credentials, options, io, reporter.info);
  if (options.background) return runBackground(dir, io.env, options.source.network);
  const target = options.target;
  if (target === undefined) throw new Error('serve: no role after normalization');
  const request = roleRequestOf(target, options.source);
  const mode = modeOf(dir, options.credentials);
  if (mode === 'source' && options.source.webIdentityTokenFile !== undefined) throw keylessSource();
  if (target.droppedTags.length > 0) reporter.info(droppedTagsLine(target.droppedTags));
  checkModeCarries(mode, target);
  const assumed = await assumeRole({ ...request, env: io.env, log: reporter.verbose });
  const record: ServeRecord = { request, mode, stsRegion: await stsRegionOf(request, io.env) };
  writeProfile(dir, record, servedOf(mode, assumed), assumed.childRegion);
  const pid = startBackground(dir, process.argv[1] as string, options.source.network);
  if (isJenkins(io.env)) reporter.info(reproductionLine(options.reproduction, "'<the block's commands>'"));
  const until = describeAssumed(assumed.assumedRoleArn, assumed.credentials.expiration);
  reporter.info(
    mode !== 'source'
      ? `assumed ${until}; refreshed in the background${pid === undefined ? ' (could not start: see the log at the end)' : ''} while ${dir} exists`
      : `the profile in ${dir} assumes ${target.roleArn} from ${assumed.source.label} (checked: ${until})`,
  );
  return 0;
}
