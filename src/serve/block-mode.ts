// How a Jenkins block's body gets the role (role, source or web-identity mode), chosen
// from what the body would see of the agent's own environment, and the folder served
// for it: the role assumed once (failing fast), the profile written, the broker started.
import { dirname } from 'node:path';
import { assumeRole } from '../credentials/assume.ts';
import type { Environment } from '../domain/environment.ts';
import { ConfigurationError, UsageError } from '../domain/errors.ts';
import { type RoleTarget, roleRequestOf, type SourceOptions } from '../domain/role-request.ts';
import { hasSessionAttributes } from '../domain/session-attributes.ts';
import { brokerCredentialsOf, type ServeRecord, startBackground, stsRegionOf, writeProfile } from './broker.ts';
import { findAnchor } from './process-anchor.ts';
import { type BodyCredentials, checkBodyEnvironment, FILES } from './profile-files.ts';
import { readFolderFile } from './serve-folder.ts';
import { sweepStaleFolders } from './stale-folders.ts';

/** --credentials: what the body's profile hands out, or auto. */
export type ServeCredentials = 'auto' | 'role' | 'source';

/**
 * What the body would see of the agent's own environment (`env`: the body's, with the
 * pipeline's keys and web identity removed) decides how it gets the role, or stops
 * the block: keys there would win over any profile.
 */
export function chooseBodyMode(
  env: Environment,
  requested: ServeCredentials,
  options: { target: RoleTarget | undefined; keyless: boolean },
  say: (line: string) => void,
): CheckRecord {
  const found = checkBodyEnvironment(env);
  const { keyless } = options;
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
    (keyless ? (options.target?.via.length ?? 0) === 0 : !onlyInRoleMode(options.target))
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
  return { mode, hideRelativeUri: found.relativeUri };
}

/** What the check found for serve: the mode it chose, and whether the agent's relative URI must be hidden. */
export interface CheckRecord {
  mode: BodyCredentials;
  hideRelativeUri: boolean;
}

/**
 * In `source` and `web-identity` modes some of the body's AWS tools assume the role
 * themselves, from an AWS profile or web identity variables, which have no place for
 * tags, a source identity or session policies: asked for, they would silently be
 * left out, so the block stops instead.
 */
export function checkModeCarries(mode: BodyCredentials, target: RoleTarget | undefined): void {
  if (mode === 'role' || !onlyInRoleMode(target)) return;
  const how = mode === 'source' ? "from an AWS profile (credentials: 'source')" : "with the agent's web identity variables";
  throw new ConfigurationError(
    `session tags, a source identity, session policies or via: the block's tools assume the role themselves here, ${how}, which cannot ask for those or pass through another role`,
    {
      fix: "use the command form (command: '...'), which sends them; or run the block where no web identity variables are set, with credentials: 'role'",
    },
  );
}

export const keylessSource = () =>
  new UsageError("credentials: 'source' with a web identity token: there are no source credentials to hand the block", {
    fix: "leave credentials out (auto), or use 'role'",
  });

/** What only the step itself can ask for: session tags, a source identity, session policies, roles on the way (via). */
function onlyInRoleMode(target: RoleTarget | undefined): boolean {
  return target !== undefined && (hasSessionAttributes(target.session) || target.via.length > 0);
}

/** What --check left in the folder, with `requested` applied. */
export function checkOf(dir: string, requested: ServeCredentials): CheckRecord {
  let found: Partial<CheckRecord> = {};
  try {
    found = JSON.parse(readFolderFile(dir, FILES.check) ?? '{}') as Partial<CheckRecord>;
  } catch {}
  const checked = found.mode === 'source' || found.mode === 'web-identity' ? found.mode : 'role';
  return { mode: requested === 'auto' ? checked : requested, hideRelativeUri: found.hideRelativeUri === true };
}

export interface ServedBlock {
  /** arn:aws:sts::...:assumed-role/... and when it expires: what was assumed. */
  assumedRoleArn: string;
  expiration: Date;
  mode: BodyCredentials;
  sourceLabel: string;
}

/**
 * Serves the role in `dir` (a private folder of the user's): stale folders beside it
 * of dead refreshes removed, the role assumed in the foreground with `sourceEnv`'s
 * source credentials, the profile written, the broker started with that environment.
 */
export async function serveBlock(
  dir: string,
  check: CheckRecord,
  options: { target: RoleTarget; source: SourceOptions; refreshLimitSeconds: number },
  sourceEnv: Environment,
  log: (line: string) => void,
): Promise<ServedBlock> {
  const { target } = options;
  const request = roleRequestOf(target, options.source);
  const { mode, hideRelativeUri } = check;
  for (const name of sweepStaleFolders(dirname(dir), dir)) log(`removed ${name}, left by a refresh that died with its agent`);
  if (mode === 'source' && options.source.webIdentityTokenFile !== undefined) throw keylessSource();
  checkModeCarries(mode, target);
  const assumed = await assumeRole({ ...request, env: sourceEnv, log });
  const record: ServeRecord = {
    request,
    mode,
    stsRegion: await stsRegionOf(request, sourceEnv),
    anchor: findAnchor(),
    until: Date.now() + options.refreshLimitSeconds * 1000,
    hideRelativeUri,
    childRegion: assumed.childRegion,
    assumedRoleArn: assumed.assumedRoleArn,
  };
  const held = brokerCredentialsOf(mode, assumed);
  writeProfile(dir, record, held.served);
  await startBackground(dir, process.argv[1] as string, options.source.network, held.role, sourceEnv);
  return { assumedRoleArn: assumed.assumedRoleArn, expiration: assumed.credentials.expiration, mode, sourceLabel: assumed.source.label };
}
