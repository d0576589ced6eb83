// Merged settings -> one typed, validated options object per command. Pure.
import { type NetworkSettings, parseProxy } from '../aws/proxy-rules.ts';
import { ConfigurationError, UsageError } from '../errors.ts';
import type { CommonOptions, Options, PoliciesOptions, RoleTarget, SourceOptions, Verbosity } from './command-options.ts';
import type { CommandName } from './definitions.ts';
import { RESOLVING_PROFILE } from './definitions.ts';
import { DEFAULT_DURATION_SECONDS, DEFAULT_REFRESH_LIMIT_SECONDS, parseDuration, parseSeconds } from './duration.ts';
import { isRegionName } from './partition.ts';
import { reproductionArguments, stepCall } from './reproduce.ts';
import {
  buildRoleArn,
  checkPartitionRegion,
  validateAccount,
  validatePrincipalArn,
  validateRoleArn,
  validateRoleName,
} from './role-arn.ts';
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
} from './session-attributes.ts';
import { deriveSessionName, isJenkins, type SessionNameContext, validateSessionName } from './session-name.ts';
import type { Setting, Settings } from './settings.ts';

export interface NormalizeContext extends SessionNameContext {
  fileEnvironment: Record<string, string>;
  /** What identifies this invocation (invocation-key.ts). */
  invocation: string;
  /** Arguments after `--`. */
  commandArgv: string[];
  /** Reads a file the settings name (--policy FILE). */
  readFile: (path: string) => string;
}

const text = (setting: Setting | undefined): string | undefined => {
  if (setting === undefined) return undefined;
  const { value } = setting;
  return Array.isArray(value) ? value.at(-1) : String(value);
};
const flag = (setting: Setting | undefined): boolean | undefined =>
  setting === undefined ? undefined : setting.value === true || setting.value === 'true';

function nonEmpty(setting: Setting | undefined): string | undefined {
  const value = text(setting);
  if (value === undefined) return undefined;
  if (value.trim() === '') {
    throw new UsageError(`${setting?.source}: is empty`, { fix: `give ${setting?.source} a value, or leave it out` });
  }
  return value;
}

function verbosityOf(settings: Settings): Verbosity {
  const verbose = flag(settings.verbose) === true;
  const quiet = flag(settings.quiet) === true;
  if (verbose && quiet) {
    throw new UsageError(`${settings.verbose?.source} and ${settings.quiet?.source}: cannot both be on`, {
      fix: 'choose one of --verbose and --quiet',
    });
  }
  return verbose ? 'verbose' : quiet ? 'quiet' : 'normal';
}

function choice<T extends string>(setting: Setting | undefined, allowed: readonly T[], fallback: T): T {
  const value = nonEmpty(setting);
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${setting?.source} "${value}": not one of ${allowed.join(', ')}`, { fix: `pass one of: ${allowed.join(', ')}` });
  }
  return value as T;
}

function checkRegion(region: string | undefined, source: string): string | undefined {
  if (region !== undefined && !isRegionName(region)) {
    throw new UsageError(`${source} "${region}": not an AWS region name`, { fix: 'pass a region such as us-east-1 or eu-west-1' });
  }
  return region;
}

function checkUrl(value: string | undefined, source: string): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`${source} "${value}": not an http(s) URL`, { fix: 'pass a URL such as https://sts.eu-west-1.amazonaws.com' });
  }
  return value;
}

function sourceOptions(settings: Settings, region: string | undefined): SourceOptions {
  const timeout = nonEmpty(settings['assume-timeout']);
  const profile = nonEmpty(settings.profile);
  const webIdentityTokenFile = nonEmpty(settings['web-identity-token-file']);
  if (webIdentityTokenFile !== undefined && profile !== undefined) {
    throw new UsageError(
      `${settings['web-identity-token-file']?.source} and ${settings.profile?.source}: a web identity token is the only credential; no profile is read`,
      {
        fix: `drop ${settings.profile?.source}, or ${settings['web-identity-token-file']?.source} to assume the role from the profile`,
      },
    );
  }
  return {
    profile,
    webIdentityTokenFile,
    region,
    endpointUrl: checkUrl(nonEmpty(settings['endpoint-url']), settings['endpoint-url']?.source ?? '--endpoint-url'),
    assumeTimeoutSeconds: timeout === undefined ? 60 : parseSeconds(timeout, settings['assume-timeout']?.source ?? '--assume-timeout'),
    network: networkOf(settings),
  };
}

/** --proxy URL, --no-proxy (WITH_ASSUMED_ROLE_PROXY=none), --ca-bundle FILE. */
function networkOf(settings: Settings): NetworkSettings {
  const proxy = settings.proxy;
  const off = proxy !== undefined && (proxy.value === false || /^(none|off|false)$/i.test(String(proxy.value)));
  let url: string | undefined;
  if (proxy !== undefined && !off) {
    url = nonEmpty(proxy);
    try {
      parseProxy(url as string, proxy.source);
    } catch {
      throw new UsageError(`${proxy.source}: not a proxy URL; expected http://[user:password@]host:port`, {
        fix: `give it as e.g. http://proxy.example.com:3128`,
      });
    }
  }
  return { proxy: url, noProxy: off, caBundle: nonEmpty(settings['ca-bundle']) };
}

/** The single region from settings, else from AWS_REGION / AWS_DEFAULT_REGION. */
function regionOf(settings: Settings, env: NormalizeContext['env']): string | undefined {
  const given = nonEmpty(settings.region);
  if (given !== undefined) return checkRegion(given, settings.region?.source ?? '--region');
  if (env.AWS_REGION) return checkRegion(env.AWS_REGION, 'AWS_REGION');
  if (env.AWS_DEFAULT_REGION) return checkRegion(env.AWS_DEFAULT_REGION, 'AWS_DEFAULT_REGION');
  return undefined;
}

function roleTarget(settings: Settings, context: NormalizeContext, region: string | undefined, required: boolean): RoleTarget | undefined {
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
  return {
    roleArn,
    sessionName: given !== undefined ? validateSessionName(given) : deriveSessionName({ project, environment }, context),
    sessionNameOrigin: given !== undefined ? 'given' : describeDerivation(project, environment, context),
    durationSeconds: duration === undefined ? DEFAULT_DURATION_SECONDS : parseDuration(duration, settings.duration?.source),
    externalId: checkExternalId(nonEmpty(settings['external-id']), settings['external-id']?.source),
    ...sessionAttributes(settings, context),
    allowedAccounts,
  };
}

/** Tags (given and --jenkins-tags), transitive keys, source identity, session policies: checked, never rewritten. */
function sessionAttributes(settings: Settings, context: NormalizeContext): { session: SessionAttributes; droppedTags: string[] } {
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

const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

function checkExternalId(value: string | undefined, source = '--external-id'): string | undefined {
  if (value !== undefined && !EXTERNAL_ID.test(value)) {
    throw new UsageError(`${source} "${value}": not a valid external ID; STS allows 2-1224 characters of letters, digits and +=,.@:/-`, {
      fix: "pass the external ID exactly as the role's trust policy names it",
    });
  }
  return value;
}

function describeDerivation(project: string | undefined, environment: string | undefined, context: SessionNameContext): string {
  const jenkins = isJenkins(context.env);
  const parts = [
    project !== undefined ? '--project' : jenkins ? 'JOB_NAME' : 'directory name',
    ...(environment === undefined ? [] : ['--environment']),
    jenkins ? 'BUILD_NUMBER' : 'local user',
  ];
  return `derived from ${parts.join(', ')}`;
}

/**
 * A credential_process line of profile P that runs withAssumedRole with P as its own
 * source would start itself again and again: the CLI marks the environment of what
 * it runs while resolving a profile (RESOLVING_PROFILE), and a run that would resolve
 * the same profile stops here, at once.
 */
function checkNotResolvingItself(settings: Settings, env: NormalizeContext['env']): void {
  const resolving = env[RESOLVING_PROFILE];
  const profile = nonEmpty(settings.profile) ?? (env.AWS_PROFILE || undefined);
  if (resolving === undefined || resolving === '' || profile !== resolving) return;
  throw new ConfigurationError(
    `profile ${profile}: its credential_process runs withAssumedRole, whose source is profile ${profile} again: it would start itself forever`,
    {
      fix: `give that credential_process line a source of its own (--profile <another profile>, or none: keys or an instance profile), and keep AWS_PROFILE=${profile} for the tools that use it`,
    },
  );
}

/** The project a session name takes from JOB_NAME under Jenkins, when none was given. */
function jenkinsProject(settings: Settings, context: NormalizeContext): string | undefined {
  return isJenkins(context.env) && nonEmpty(settings.project) === undefined ? context.env.JOB_NAME || undefined : undefined;
}

/** CI runs mask by default: Jenkins sets JENKINS_URL and BUILD_ID, most CI systems set CI. */
export function isCi(env: NormalizeContext['env']): boolean {
  return Boolean(env.JENKINS_URL || env.BUILD_ID || (env.CI && env.CI !== 'false'));
}

function normalizePolicies(settings: Settings, common: CommonOptions): PoliciesOptions {
  const required = (name: 'target-account' | 'source-account' | 'role', what: string) => {
    const value = nonEmpty(settings[name]);
    if (value === undefined)
      throw new UsageError(`--${name} is required: ${what}`, {
        fix: `pass --${name}, e.g. ${{ role: 'RoleForB', 'target-account': '521111111144', 'source-account': '123456789012' }[name]}`,
      });
    return value;
  };
  const sourceRole = nonEmpty(settings['source-role']);
  const oidc = oidcTrustOf(settings);
  return {
    ...common,
    command: 'policies',
    targetAccount: validateAccount(required('target-account', 'account A, which owns the deploy role'), settings['target-account']?.source),
    sourceAccount:
      oidc === undefined
        ? validateAccount(required('source-account', 'account B, where the agents run'), settings['source-account']?.source)
        : '',
    oidc,
    role: validateRoleName(required('role', 'the name of the deploy role in account A'), settings.role?.source, { path: false }),
    sourceRole: sourceRole === undefined ? undefined : validateRoleName(sourceRole, settings['source-role']?.source, { path: false }),
    externalId: checkExternalId(nonEmpty(settings['external-id']), settings['external-id']?.source),
    region: checkRegion(nonEmpty(settings.region), settings.region?.source ?? '--region'),
    format: choice(settings.format, ['json', 'cloudformation', 'terraform'], 'json'),
    alsoTrust: listOf(settings['also-trust']).map((arn) => validatePrincipalArn(arn, settings['also-trust']?.source)),
    outDir: nonEmpty(settings['out-dir']),
    withTags: flag(settings['with-tags']) === true,
    withSourceIdentity: flag(settings['with-source-identity']) === true,
  };
}

/**
 * --oidc-issuer with its --oidc-subject values: the role then trusts that issuer's id
 * tokens for those subjects, and account B plays no part. A subject is required: an
 * issuer alone would let every job of that Jenkins assume the role (`*` says so on purpose).
 */
function oidcTrustOf(settings: Settings): PoliciesOptions['oidc'] {
  const issuer = nonEmpty(settings['oidc-issuer']);
  const subjects = itemsOf(settings['oidc-subject']).filter((subject) => subject !== '');
  if (issuer === undefined) {
    if (subjects.length > 0) {
      throw new UsageError(`${settings['oidc-subject']?.source}: needs --oidc-issuer`, {
        fix: 'add --oidc-issuer https://<your Jenkins>/oidc',
      });
    }
    return undefined;
  }
  const source = settings['oidc-issuer']?.source ?? '--oidc-issuer';
  let url: URL | undefined;
  try {
    url = new URL(issuer);
  } catch {}
  if (url?.protocol !== 'https:' || url.search !== '' || url.hash !== '') {
    throw new UsageError(`${source} "${issuer}": not an https URL without query; IAM takes the issuer as the tokens' iss claim says it`, {
      fix: "pass the iss of the tokens, e.g. --oidc-issuer https://ci.example.com/oidc (the OpenID Connect Provider plugin's issuer)",
    });
  }
  if (subjects.length === 0) {
    throw new UsageError(`${source}: needs --oidc-subject: without one, every job of that Jenkins could assume the role`, {
      fix: "pin the job(s): --oidc-subject https://ci.example.com/job/app/job/main/ (repeatable; '*' wildcards match as StringLike)",
    });
  }
  for (const other of ['source-account', 'source-role', 'external-id'] as const) {
    if (settings[other] !== undefined) {
      throw new UsageError(`${settings[other]?.source} with ${source}: the role trusts the issuer's tokens, not account B`, {
        fix: `drop ${settings[other]?.source}`,
      });
    }
  }
  return { issuer: issuer.replace(/\/+$/, ''), subjects };
}

/**
 * A repeatable setting's items as given (a flag each time, or the variable's lines or
 * entries), each trimmed. An item holding a line break is refused: lists travel one
 * item per line, so it would become two (a second tag, a second allowed account).
 */
function itemsOf(setting: Setting | undefined): string[] {
  if (setting === undefined) return [];
  const raw = Array.isArray(setting.value) ? setting.value : [String(setting.value)];
  const broken = raw.find((item) => /[\r\n]/.test(item));
  if (broken !== undefined) {
    throw new UsageError(`${setting.source} ${JSON.stringify(broken)}: an item holds a line break, which would make it two`, {
      fix: `give each item on its own (${setting.source} once per item), without line breaks`,
    });
  }
  return raw.map((item) => item.trim());
}

/** A repeatable setting's items, comma-separated ones split too (`--also-trust a,b`), empty ones left out. */
function listOf(setting: Setting | undefined): string[] {
  return itemsOf(setting)
    .flatMap((value) => value.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Validates and types the merged settings of `command`. Throws UsageError naming the input. */
export function normalizeOptions(command: CommandName, settings: Settings, context: NormalizeContext): Options {
  const common: CommonOptions = { verbosity: verbosityOf(settings), fileEnvironment: context.fileEnvironment };
  if (command !== 'exec' && context.commandArgv.length > 0) {
    throw new UsageError(`-- ${context.commandArgv.join(' ')}: ${command} runs no command`, {
      fix: `drop everything from -- on, or leave out "${command}"`,
    });
  }
  checkNotResolvingItself(settings, context.env);
  switch (command) {
    case 'exec': {
      const region = regionOf(settings, context.env);
      const [file, ...args] = context.commandArgv;
      const dryRun = flag(settings['dry-run']) === true;
      const target = roleTarget(settings, context, region, true) as RoleTarget;
      if (file === undefined || file === '') {
        throw new UsageError('no command to run: put it after --', { fix: 'withAssumedRole [options] -- ./deploy.sh' });
      }
      const mask = flag(settings.mask);
      const grace = nonEmpty(settings['kill-grace']);
      return {
        ...common,
        command,
        source: sourceOptions(settings, region),
        target,
        argv: [file, ...args],
        dryRun,
        mask: mask ?? isCi(context.env),
        maskOrigin:
          mask === undefined
            ? isCi(context.env)
              ? 'on: CI detected'
              : 'off: no CI detected'
            : `${mask ? 'on' : 'off'}: ${settings.mask?.source}`,
        killGraceSeconds: grace === undefined ? 10 : parseSeconds(grace, settings['kill-grace']?.source ?? '--kill-grace'),
        refresh: flag(settings.refresh) === true,
        reproduction: reproductionArguments(settings, jenkinsProject(settings, context)),
        stepCall: stepCall(settings, [file, ...args]),
      };
    }
    case 'print': {
      const region = regionOf(settings, context.env);
      const cacheFile = nonEmpty(settings['cache-file']);
      const target = roleTarget(settings, context, region, cacheFile === undefined);
      if (cacheFile !== undefined && target?.sessionNameOrigin.includes('directory name')) {
        throw new UsageError(
          `--cache-file ${cacheFile}: the session name would be derived from the current directory's name, so every directory a tool runs in would need a role session of its own`,
          { fix: 'add --project <name> (or --session-name) to the line, so the session name does not depend on where it runs' },
        );
      }
      return {
        ...common,
        command,
        source: sourceOptions(settings, region),
        target,
        format: choice(settings.format, ['env', 'process', 'json'], 'env'),
        cacheFile,
        invocation: context.invocation,
      };
    }
    case 'serve': {
      const region = regionOf(settings, context.env);
      const dir = nonEmpty(settings.dir);
      if (dir === undefined) {
        throw new UsageError('--dir is required: the folder to share the credentials in', {
          fix: 'pass --dir with a folder of your own, mode 0700 (mktemp -d makes one)',
        });
      }
      const check = flag(settings.check) === true;
      const background = flag(settings.background) === true;
      const stop = flag(settings.stop) === true;
      const limit = nonEmpty(settings['refresh-limit']);
      return {
        ...common,
        command,
        source: sourceOptions(settings, region),
        target: roleTarget(settings, context, region, !check && !background && !stop),
        dir,
        credentials: choice(settings.credentials, ['auto', 'role', 'source'], 'auto'),
        check,
        background,
        stop,
        refreshLimitSeconds:
          limit === undefined ? DEFAULT_REFRESH_LIMIT_SECONDS : parseSeconds(limit, settings['refresh-limit']?.source ?? '--refresh-limit'),
        reproduction: reproductionArguments(settings, jenkinsProject(settings, context)),
      };
    }
    case 'verify': {
      const list = nonEmpty(settings.region);
      const regions = (list ?? regionOf(settings, context.env) ?? 'us-east-1')
        .split(',')
        .map((region) => region.trim())
        .filter((region) => region !== '')
        .map((region) => checkRegion(region, settings.region?.source ?? '--region') as string);
      const stsRegion = regions[0];
      return {
        ...common,
        command,
        source: sourceOptions(settings, stsRegion),
        target: roleTarget(settings, context, stsRegion, true) as RoleTarget,
        regions,
        json: flag(settings.json) === true,
      };
    }
    case 'doctor': {
      const region = regionOf(settings, context.env);
      return { ...common, command, source: sourceOptions(settings, region), target: roleTarget(settings, context, region, false) };
    }
    case 'policies':
      return normalizePolicies(settings, common);
  }
}
