// The role to assume and what the session carries, from the settings: the ARN (or
// role and account), the session name given or derived, duration, external ID,
// tags, source identity, session policies and allowed accounts. Pure.
import { DEFAULT_DURATION_SECONDS, parseDuration } from '../domain/duration.ts';
import { isJenkins } from '../domain/environment.ts';
import { UsageError } from '../domain/errors.ts';
import { buildRoleArn, checkPartitionRegion, validateAccount, validateRoleArn } from '../domain/role-arn.ts';
import type { RoleTarget } from '../domain/role-request.ts';
import {
  checkAllowedAccount,
  checkPolicyArns,
  checkSourceIdentity,
  checkTransitiveKeys,
  jenkinsTags,
  loadSessionPolicy,
  mergeTags,
  parseTags,
  type SessionAttributes,
} from '../domain/session-attributes.ts';
import { deriveSessionName, type SessionNameContext, validateSessionName } from '../domain/session-name.ts';
import { flag, itemsOf, listOf, nonEmpty } from './setting-readers.ts';
import type { Settings } from './settings.ts';

/** What deriving a session name and reading a policy file need besides the settings. */
export interface TargetContext extends SessionNameContext {
  /** Reads a file the settings name (--policy FILE). */
  readFile: (path: string) => string;
}

export function roleTarget(
  settings: Settings,
  context: TargetContext,
  region: string | undefined,
  required: boolean,
): RoleTarget | undefined {
  const arnSetting = settings['role-arn'];
  const arn = nonEmpty(arnSetting);
  const role = nonEmpty(settings.role);
  const account = nonEmpty(settings.account);
  if (arn !== undefined && (role !== undefined || account !== undefined)) {
    const other = role !== undefined ? settings.role?.source : settings.account?.source;
    throw new UsageError(`${arnSetting?.source} and ${other}: give the role either as --role-arn or as --role with --account`, {
      fix: 'keep --role-arn and drop --role/--account, or the other way round',
    });
  }
  let roleArn: string;
  if (arn !== undefined) {
    roleArn = validateRoleArn(arn, arnSetting?.source);
    checkPartitionRegion(roleArn, region, arnSetting?.source);
  } else if (role !== undefined && account !== undefined) roleArn = buildRoleArn(role, account, region);
  else if (role !== undefined || account !== undefined) {
    const missing = role === undefined ? '--role' : '--account';
    throw new UsageError(`${role === undefined ? settings.account?.source : settings.role?.source}: needs ${missing} too`, {
      fix: `add ${missing}, or pass the whole ARN as --role-arn`,
    });
  } else if (!required) return undefined;
  else {
    throw new UsageError('no role to assume: --role-arn, or --role with --account, is required', {
      fix: 'pass e.g. --role-arn arn:aws:iam::521111111144:role/DeployMaster',
    });
  }

  const given = nonEmpty(settings['session-name']);
  const project = nonEmpty(settings.project);
  const environment = nonEmpty(settings.environment);
  const duration = nonEmpty(settings.duration);
  const allowedAccounts = listOf(settings['allowed-account']).map((id) => validateAccount(id, settings['allowed-account']?.source));
  checkAllowedAccount(roleArn, allowedAccounts, 'before');
  const via = itemsOf(settings.via)
    .filter((hop) => hop !== '')
    .map((hop) => {
      const hopArn = validateRoleArn(hop, settings.via?.source ?? '--via');
      checkPartitionRegion(hopArn, region, settings.via?.source ?? '--via');
      return hopArn;
    });
  if (via.includes(roleArn)) {
    throw new UsageError(`${settings.via?.source} ${roleArn}: the role itself, not a role on the way to it`, {
      fix: `drop it from ${settings.via?.source}: the role is assumed last anyway`,
    });
  }
  return {
    roleArn,
    sessionName: given !== undefined ? validateSessionName(given) : deriveSessionName({ project, environment }, context),
    sessionNameOrigin: given !== undefined ? 'given' : describeDerivation(project, environment, context),
    durationSeconds: duration === undefined ? DEFAULT_DURATION_SECONDS : parseDuration(duration, settings.duration?.source),
    externalId: checkExternalId(nonEmpty(settings['external-id']), settings['external-id']?.source),
    ...sessionAttributes(settings, context),
    allowedAccounts,
    via,
  };
}

/** Tags (given and --jenkins-tags), transitive keys, source identity, session policies: checked, never rewritten. */
export function sessionAttributes(settings: Settings, context: TargetContext): { session: SessionAttributes; droppedTags: string[] } {
  const given = parseTags(itemsOf(settings.tag), settings.tag?.source);
  const { tags, dropped } = mergeTags(given, flag(settings['jenkins-tags']) === true ? jenkinsTags(context.env) : [], settings.tag?.source);
  const session = {
    tags,
    transitiveTagKeys: checkTransitiveKeys(listOf(settings['transitive-tag']), tags, settings['transitive-tag']?.source),
    sourceIdentity: checkSourceIdentity(nonEmpty(settings['source-identity']), settings['source-identity']?.source),
    policy: loadSessionPolicy(nonEmpty(settings.policy), settings.policy?.source ?? '--policy', context.readFile),
    policyArns: checkPolicyArns(
      itemsOf(settings['policy-arn']).filter((arn) => arn !== ''),
      settings['policy-arn']?.source,
    ),
  };
  const token = settings['web-identity-token-file'];
  if (token !== undefined && (session.tags.length > 0 || session.sourceIdentity !== undefined)) {
    const given = [settings.tag, settings['jenkins-tags'], settings['transitive-tag'], settings['source-identity']]
      .filter((setting) => setting !== undefined && setting.value !== false)
      .map((setting) => setting?.source);
    throw new UsageError(
      `${given.join(', ')} with ${token.source}: AssumeRoleWithWebIdentity takes session tags and the source identity from the token's claims, not from the request`,
      {
        fix: `drop ${given.join(', ')}; have the identity provider put them in the token (https://aws.amazon.com/tags, https://aws.amazon.com/source_identity)`,
      },
    );
  }
  return { session, droppedTags: dropped };
}

export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

export function checkExternalId(value: string | undefined, source = '--external-id'): string | undefined {
  if (value !== undefined && !EXTERNAL_ID.test(value)) {
    throw new UsageError(`${source} "${value}": not a valid external ID; STS allows 2-1224 characters of letters, digits and +=,.@:/-`, {
      fix: "pass the external ID exactly as the role's trust policy names it",
    });
  }
  return value;
}

export function describeDerivation(project: string | undefined, environment: string | undefined, context: SessionNameContext): string {
  const jenkins = isJenkins(context.env);
  const parts = [
    project !== undefined ? '--project' : jenkins ? 'JOB_NAME' : 'directory name',
    ...(environment === undefined ? [] : ['--environment']),
    jenkins ? 'BUILD_NUMBER' : 'local user',
  ];
  return `derived from ${parts.join(', ')}`;
}

/** The project a session name takes from JOB_NAME under Jenkins, when none was given. */
export function jenkinsProject(settings: Settings, context: TargetContext): string | undefined {
  return isJenkins(context.env) && nonEmpty(settings.project) === undefined ? context.env.JOB_NAME || undefined : undefined;
}
