// serve: the role's credentials for other processes, as an AWS profile in a
// folder, kept fresh in the background until the folder is removed. The Jenkins
// block form's mechanism; usable on its own.

import { dirname, resolve } from 'node:path';
import { assumeRole } from '../credentials/assume.ts';
import { isJenkins } from '../domain/environment.ts';
import { ConfigurationError, InternalError, UsageError } from '../domain/errors.ts';
import { type RoleTarget, roleRequestOf } from '../domain/role-request.ts';
import { droppedTagsLine, hasSessionAttributes, NO_SESSION_ATTRIBUTES } from '../domain/session-attributes.ts';
import type { ServeCredentials, ServeOptions } from '../options/command-options.ts';
import { reproductionLine } from '../options/reproduce.ts';
import { createReporter, describeAssumed } from '../output/reporter.ts';
import { brokerCredentialsOf, runBackground, type ServeRecord, startBackground, stsRegionOf, writeProfile } from '../serve/broker.ts';
import { findAnchor } from '../serve/process-anchor.ts';
import { type BodyCredentials, checkBodyEnvironment, FILES } from '../serve/profile-files.ts';
import { checkServeFolder, readFolderFile, writeAtomically } from '../serve/serve-folder.ts';
import { sweepStaleFolders } from '../serve/stale-folders.ts';
import { stopServing } from '../serve/stop-serving.ts';
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
  const check: CheckRecord = { mode, hideRelativeUri: found.relativeUri };
  writeAtomically(dir, FILES.check, `${JSON.stringify(check)}\n`);
  return 0;
}

/** What --check leaves for serve: the mode it chose, and whether the agent's relative URI must be hidden. */
interface CheckRecord {
  mode: BodyCredentials;
  hideRelativeUri: boolean;
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

function checkOf(dir: string, requested: ServeCredentials): CheckRecord {
  let found: Partial<CheckRecord> = {};
  try {
    found = JSON.parse(readFolderFile(dir, FILES.check) ?? '{}') as Partial<CheckRecord>;
  } catch {}
  const checked = found.mode === 'source' || found.mode === 'web-identity' ? found.mode : 'role';
  return { mode: requested === 'auto' ? checked : requested, hideRelativeUri: found.hideRelativeUri === true };
}

export async function serveCommand(options: ServeOptions, io: CommandIo): Promise<number> {
  const reporter = createReporter(options.verbosity);
  if (options.stop) {
    const { log } = stopServing(resolve(options.dir), io.env);
    if (log.trim() !== '') process.stderr.write(log.endsWith('\n') ? log : `${log}\n`);
    return 0;
  }
  const dir = checkServeFolder(options.dir);
  if (options.check) return checkBody(dir, options.credentials, options, io, reporter.info);
  if (options.background) return runBackground(dir, io.env, options.source.network);
  const target = options.target;
  if (target === undefined) throw new InternalError('serve: no role after normalization', { fix: 'report it' });
  const request = roleRequestOf(target, options.source);
  const { mode, hideRelativeUri } = checkOf(dir, options.credentials);
  for (const name of sweepStaleFolders(dirname(dir), dir)) reporter.verbose(`removed ${name}, left by a refresh that died with its agent`);
  if (mode === 'source' && options.source.webIdentityTokenFile !== undefined) throw keylessSource();
  if (target.droppedTags.length > 0) reporter.info(droppedTagsLine(target.droppedTags));
  checkModeCarries(mode, target);
  const assumed = await assumeRole({ ...request, env: io.env, log: reporter.verbose });
  const record: ServeRecord = {
    request,
    mode,
    stsRegion: await stsRegionOf(request, io.env),
    anchor: findAnchor(),
    until: Date.now() + options.refreshLimitSeconds * 1000,
    hideRelativeUri,
    childRegion: assumed.childRegion,
    assumedRoleArn: assumed.assumedRoleArn,
  };
  const held = brokerCredentialsOf(mode, assumed);
  writeProfile(dir, record, held.served);
  await startBackground(dir, process.argv[1] as string, options.source.network, held.role);
  if (isJenkins(io.env)) reporter.info(reproductionLine(options.reproduction, "'<the block's commands>'"));
  const until = describeAssumed(assumed.assumedRoleArn, assumed.credentials.expiration);
  reporter.info(
    mode !== 'source'
      ? `assumed ${until}; refreshed in the background while ${dir} exists`
      : `the profile in ${dir} assumes ${target.roleArn} from ${assumed.source.label} (checked: ${until})`,
  );
  return 0;
}
