// A classified STS failure -> the wrapper error a user sees: what went wrong,
// where to look, and one line to fix it. Pure.

import { formatDuration } from '../domain/duration.ts';
import { ConfigurationError, InternalError, StsRefusedError, TemporaryFailureError, type WithAssumedRoleError } from '../domain/errors.ts';
import { parseIdentityArn, parseRoleArn } from '../domain/role-arn.ts';
import { sourcePermissionPolicy, targetTrustPolicy } from '../iam/policy-documents.ts';
import { webIdentityRefusal } from './explain-web-identity.ts';
import { type FailureContext, indent } from './failure-context.ts';
import type { StsFailure } from './sts-failure.ts';

function accessDenied(failure: StsFailure, context: FailureContext): StsRefusedError {
  const target = parseRoleArn(context.roleArn);
  const identity = context.sourceIdentityArn === undefined ? undefined : parseIdentityArn(context.sourceIdentityArn);
  const who = context.sourceIdentityArn ?? `the credentials from ${context.sourceLabel}`;
  const setup = {
    partition: target?.partition ?? 'aws',
    targetAccount: target?.account ?? '<account A>',
    role: target === undefined ? context.roleArn : [target.path, target.name].filter(Boolean).join('/'),
    sourceAccount: identity?.account ?? '<account B>',
    sourceRole: identity?.role,
    externalId: context.externalId,
  };
  // STS names the action it refused: sts:TagSession and sts:SetSourceIdentity need allowing beside sts:AssumeRole.
  const tagging = /sts:TagSession/.test(failure.message);
  const identifying = /sts:SetSourceIdentity/.test(failure.message);
  const withActions = { ...setup, withTags: tagging, withSourceIdentity: identifying };
  const trust = targetTrustPolicy(withActions).Statement[0];
  const permission = sourcePermissionPolicy(withActions).Statement[0];
  const policiesCommand = [
    'withAssumedRole policies',
    `--target-account ${setup.targetAccount}`,
    `--source-account ${setup.sourceAccount}`,
    `--role ${target?.name ?? '<role>'}`,
    ...(setup.sourceRole === undefined ? [] : [`--source-role ${setup.sourceRole}`]),
    ...(tagging ? ['--with-tags'] : []),
    ...(identifying ? ['--with-source-identity'] : []),
  ].join(' ');
  if (tagging || identifying) {
    const action = tagging ? 'sts:TagSession' : 'sts:SetSourceIdentity';
    const what = tagging ? 'tag its session (--tag, --jenkins-tags)' : 'set a source identity (--source-identity)';
    return new StsRefusedError(failure.code, `${context.roleArn}: AccessDenied: ${who} may not ${what}: ${action} is not allowed`, {
      fix: `${policiesCommand} prints both documents; or drop ${tagging ? 'the tags' : '--source-identity'}`,
      details: [
        `STS said: ${failure.message}`,
        `1. the trust policy of ${target?.name ?? 'the role'} in account ${setup.targetAccount} must allow ${action} too; its statement becomes:`,
        ...indent(trust),
        `2. the permissions of ${identity?.role ?? identity?.user ?? 'the source identity'} in account ${setup.sourceAccount} must allow ${action} on ${context.roleArn}; add:`,
        ...indent(permission),
      ],
    });
  }
  return new StsRefusedError(failure.code, `${context.roleArn}: AccessDenied: ${who} may not assume this role`, {
    fix: `${policiesCommand} prints both documents`,
    details: [
      `STS said: ${failure.message}`,
      `1. the trust policy of ${target?.name ?? 'the role'} in account ${setup.targetAccount} must trust ${identity?.role === undefined ? `account ${setup.sourceAccount}` : `the role ${identity.role}`}; add:`,
      ...indent(trust),
      `2. the permissions of ${identity?.role ?? identity?.user ?? 'the source identity'} in account ${setup.sourceAccount} must allow sts:AssumeRole on ${context.roleArn}; add:`,
      ...indent(permission),
    ],
  });
}

/** STS packs tags and session policies into one limited space: say what takes it. */
function packedPolicyTooLarge(failure: StsFailure, context: FailureContext): ConfigurationError {
  const session = context.session;
  const tagCharacters = session?.tags.reduce((sum, tag) => sum + tag.key.length + tag.value.length, 0) ?? 0;
  const parts = [
    `${session?.tags.length ?? 0} tags (${tagCharacters} characters)`,
    `an inline policy of ${session?.policy?.length ?? 0} characters`,
    `${session?.policyArns.length ?? 0} managed policies`,
  ];
  return new ConfigurationError(`${context.roleArn}: the session's tags and policies are too large for STS (PackedPolicyTooLarge)`, {
    fix: 'trim the larger of them: fewer or shorter --tag values (or no --jenkins-tags), a smaller --policy, fewer --policy-arn',
    details: [`STS said: ${failure.message}`, `asked for: ${parts.join(', ')}`],
  });
}

/**
 * A session chained from a role session asked for more than STS's one hour: raised
 * before calling when the source is visibly a role session, or from STS's refusal.
 */
export function chainingCapError(durationSeconds: number, why: string, details: string[] = []): ConfigurationError {
  return new ConfigurationError(`--duration ${formatDuration(durationSeconds)}: over the 1 hour cap STS puts on role chaining; ${why}`, {
    fix: 'pass --duration 1h; in Jenkins the block form refreshes credentials, so long stages need no longer sessions',
    details,
  });
}

/** `1 time`, `3 times`. */
const times = (count: number) => `${count} time${count === 1 ? '' : 's'}`;

/** Throttling, a 5xx, a network error or a timeout, still there after the retries. */
function afterRetries(failure: StsFailure, context: FailureContext): TemporaryFailureError {
  return new TemporaryFailureError(
    `${context.endpoint}: ${failure.code} after ${context.attempts} attempt${context.attempts === 1 ? '' : 's'} (${failure.message})`,
    { fix: 'retry the build; for many parallel stages, stagger them or raise --assume-timeout' },
  );
}

/** The error to throw for a failure STS or the network reported. */
export function explainStsFailure(failure: StsFailure, context: FailureContext): WithAssumedRoleError {
  const duration = formatDuration(context.durationSeconds);
  if (context.webIdentity !== undefined && failure.kind === 'refused') return webIdentityRefusal(failure, context.webIdentity, context);
  switch (failure.kind) {
    case 'idp-unreachable':
      return new TemporaryFailureError(
        `${context.endpoint}: AWS could not reach the token's issuer ${context.webIdentity?.claims.iss ?? ''} to verify it (IDPCommunicationError), ${times(context.attempts)}`,
        {
          fix: "the issuer's /.well-known/openid-configuration and its keys must be reachable from AWS over the internet: check the Jenkins URL the OIDC plugin puts in iss",
          details: [`STS said: ${failure.message}`],
        },
      );
    case 'refused':
      switch (failure.code) {
        case 'AccessDenied':
        case 'AccessDeniedException':
          return accessDenied(failure, context);
        case 'ExpiredToken':
        case 'ExpiredTokenException':
          return new StsRefusedError(failure.code, `${context.sourceLabel}: the source credentials have expired (ExpiredToken)`, {
            fix: 'locally: aws sso login (or refresh the keys); on EC2: the instance profile renews itself, so check the agent clock (NTP) and retry',
          });
        case 'SignatureDoesNotMatch':
          return new StsRefusedError(
            failure.code,
            `${context.sourceLabel}: the secret access key does not match the access key ID (SignatureDoesNotMatch)`,
            {
              fix: 'set AWS_SECRET_ACCESS_KEY (or the profile) to the secret that belongs to the key, and check the agent clock',
            },
          );
        default:
          return new StsRefusedError(
            failure.code,
            `${context.sourceLabel}: STS does not accept these source credentials (${failure.code})`,
            {
              fix: 'the key was deleted, deactivated or belongs to another partition; check with: aws sts get-caller-identity',
              details: [`STS said: ${failure.message}`],
            },
          );
      }
    case 'chaining':
      return chainingCapError(context.durationSeconds, `${context.sourceLabel} is itself a role session`, [`STS said: ${failure.message}`]);
    case 'max-session-duration':
      return new ConfigurationError(
        `--duration ${duration}: over the MaxSessionDuration of ${context.roleArn} (1h unless raised, 12h at most)`,
        {
          fix: `pass a shorter --duration, or raise the limit: aws iam update-role --role-name ${parseRoleArn(context.roleArn)?.name ?? '<role>'} --max-session-duration ${context.durationSeconds}`,
          details: [`STS said: ${failure.message}`],
        },
      );
    case 'region-disabled':
      return new ConfigurationError(`--region ${context.region}: STS is not activated in this region for the source account`, {
        fix: 'activate it in the IAM console (Account settings, Security Token Service), or pass --region us-east-1',
        details: [`STS said: ${failure.message}`],
      });
    case 'validation':
      if (failure.code === 'PackedPolicyTooLarge') return packedPolicyTooLarge(failure, context);
      return new ConfigurationError(`${context.roleArn}: STS refused the request: ${failure.message}`, {
        fix: 'check --role-arn, --session-name, --duration and --external-id against the message',
      });
    case 'proxy-auth':
      return new ConfigurationError(
        `${context.proxy ?? 'the proxy'}: ${failure.status === 401 ? 'refused its credentials (401 Unauthorized)' : 'asks for credentials (407 Proxy Authentication Required)'}`,
        { fix: 'give its user and password in the proxy URL: HTTPS_PROXY=http://user:password@proxy:3128 (or --proxy)' },
      );
    case 'proxy': {
      const what = `${context.endpoint}: the proxy answered HTTP ${failure.status ?? '?'} in place of STS`;
      if (failure.status !== undefined && failure.status < 500) {
        return new ConfigurationError(`${what} (${failure.message})`, {
          fix: 'ask for the STS endpoint to be allowed through the proxy, or bypass the proxy for it with NO_PROXY',
        });
      }
      return new TemporaryFailureError(`${what}, ${times(context.attempts)} (${failure.message})`, {
        fix: 'the proxy could not reach STS: check its logs and its route to the endpoint, or bypass it for this host with NO_PROXY',
      });
    }
    case 'tls':
      return new ConfigurationError(`${context.endpoint}: TLS certificate not trusted (${failure.code}: ${failure.message})`, {
        fix: "where a proxy inspects TLS with your company's CA, point AWS_CA_BUNDLE (or --ca-bundle) at that CA's certificate, in PEM",
      });
    case 'network':
      if (context.proxy !== undefined && failure.code === 'ECONNREFUSED') {
        return new TemporaryFailureError(
          `${context.endpoint}: the proxy ${context.proxy} refused the connection, ${times(context.attempts)}`,
          { fix: 'check the proxy address and that it runs (HTTPS_PROXY or --proxy), or bypass it for this host with NO_PROXY' },
        );
      }
      return afterRetries(failure, context);
    case 'throttled':
    case 'server':
    case 'timeout':
      return afterRetries(failure, context);
    case 'aborted':
      return new TemporaryFailureError(
        `--assume-timeout ${context.assumeTimeoutSeconds}: no credentials within ${context.assumeTimeoutSeconds} s from ${context.endpoint}`,
        {
          fix: 'check that STS (or --endpoint-url) is reachable from here (proxy, VPC endpoint, security group), or raise --assume-timeout',
        },
      );
    case 'malformed':
      return new TemporaryFailureError(`${context.endpoint}: the answer was not an STS response (${failure.message})`, {
        fix: "a proxy may be answering in STS's place: check HTTPS_PROXY/NO_PROXY and --endpoint-url",
      });
    case 'unknown':
      return new InternalError(`${context.endpoint}: unexpected failure: ${failure.code}: ${failure.message}`, {
        fix: 'run again with --verbose and report the output',
      });
  }
}
