// The library's assumeRole: plain options, checked as the CLI checks its settings,
// the STS region resolved, then assumeTargetRole (assume-role.ts).
import { DEFAULT_DURATION_SECONDS } from '../domain/duration.ts';
import type { Environment } from '../domain/environment.ts';
import { DEFAULT_NETWORK, type NetworkSettings } from '../domain/network.ts';
import { validateRoleArn } from '../domain/role-arn.ts';
import { checkAllowedAccount, checkSessionAttributes, type SessionAttributes } from '../domain/session-attributes.ts';
import { validateSessionName } from '../domain/session-name.ts';
import { type AssumedRole, assumeTargetRole } from './assume-role.ts';
import type { Clock, RetryPolicy } from './retry.ts';
import type { SourceCredentials } from './source-credentials.ts';
import { resolveStsRegion } from './sts-region.ts';

/** The library's options for assuming a role: plain values, checked here. */
export interface AssumeRoleOptions {
  roleArn: string;
  /** Checked against STS's rule (2-64 of [\w+=,.@-]). */
  sessionName: string;
  /** 900-43200; default 3600. */
  durationSeconds?: number | undefined;
  externalId?: string | undefined;
  /** STS region; default: AWS_REGION, AWS_DEFAULT_REGION, the profile's, us-east-1. */
  region?: string | undefined;
  /** STS endpoint; default: AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, regional STS. */
  endpointUrl?: string | undefined;
  /** Profile for the source credentials; default: AWS_PROFILE, else the SDK chain. */
  profile?: string | undefined;
  /** An OIDC id token file: the role is assumed with it (AssumeRoleWithWebIdentity), no source credentials looked up. */
  webIdentityTokenFile?: string | undefined;
  /** Deadline for getting credentials, retries included; default 60. */
  assumeTimeoutSeconds?: number | undefined;
  /** A proxy and CA bundle other than the environment's (HTTPS_PROXY, NO_PROXY, AWS_CA_BUNDLE). */
  network?: NetworkSettings | undefined;
  /** Session tags, transitive tag keys, source identity, session policy (JSON text) and managed policy ARNs. */
  session?: Partial<SessionAttributes> | undefined;
  /** The only accounts the role may be in: checked before STS is called and on the ARN it answers. */
  allowedAccounts?: string[] | undefined;
  /** Environment the source credentials are looked up in; default process.env. */
  env?: Environment;
  /** Source credentials already in hand: no lookup. */
  sourceCredentials?: SourceCredentials | undefined;
  retryPolicy?: RetryPolicy;
  clock?: Clock;
  log?: (line: string) => void;
}

export interface AssumeRoleResult extends AssumedRole {
  /** The STS region used. */
  region: string;
  /** The region to give a child: the given or profile region; undefined when STS fell back to us-east-1. */
  childRegion: string | undefined;
}

/**
 * Assumes a role with source credentials from the AWS SDK chain. Throws a
 * WithAssumedRoleError subclass (with exitCode and fix) on any failure. Safe to call
 * concurrently: it changes nothing of the process (no environment variable).
 */
export async function assumeRole(options: AssumeRoleOptions): Promise<AssumeRoleResult> {
  const env = options.env ?? process.env;
  checkAllowedAccount(options.roleArn, options.allowedAccounts ?? [], 'before');
  const resolved = await resolveStsRegion(
    options.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined),
    options.profile,
    env,
    options.roleArn,
  );
  const assumed = await assumeTargetRole({
    target: {
      roleArn: validateRoleArn(options.roleArn),
      sessionName: validateSessionName(options.sessionName),
      sessionNameOrigin: 'given',
      durationSeconds: options.durationSeconds ?? DEFAULT_DURATION_SECONDS,
      externalId: options.externalId,
      session: checkSessionAttributes(options.session),
      allowedAccounts: options.allowedAccounts ?? [],
      droppedTags: [],
    },
    profile: options.profile,
    sourceCredentials: options.sourceCredentials,
    webIdentityTokenFile: options.webIdentityTokenFile,
    region: resolved.region,
    endpointUrl: options.endpointUrl,
    assumeTimeoutSeconds: options.assumeTimeoutSeconds ?? 60,
    network: options.network ?? DEFAULT_NETWORK,
    env,
    ...(options.retryPolicy === undefined ? {} : { retryPolicy: options.retryPolicy }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  return { ...assumed, region: resolved.region, childRegion: resolved.origin === 'default' ? undefined : resolved.region };
}
