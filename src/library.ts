// The library API: what the CLI does, callable from code.

import { buildChildEnvironment } from './child/child-environment.ts';
import { runChild } from './child/run-child.ts';
import { type AssumedRole, assumeTargetRole, resolveStsRegion } from './credentials/assume-role.ts';
import type { Clock, RetryPolicy } from './credentials/retry.ts';
import type { Environment } from './credentials/source-plan.ts';
import { DEFAULT_DURATION_SECONDS } from './options/duration.ts';
import { validateRoleArn } from './options/role-arn.ts';
import { validateSessionName } from './options/session-name.ts';

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
  /** Deadline for getting credentials, retries included; default 60. */
  assumeTimeoutSeconds?: number | undefined;
  /** Environment the source credentials are looked up in; default process.env. */
  env?: Environment;
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
 * WithAssumedRoleError subclass (with exitCode and fix) on any failure.
 */
export async function assumeRole(options: AssumeRoleOptions): Promise<AssumeRoleResult> {
  const env = options.env ?? process.env;
  const resolved = await resolveStsRegion(options.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined), options.profile, env);
  const assumed = await assumeTargetRole({
    target: {
      roleArn: validateRoleArn(options.roleArn),
      sessionName: validateSessionName(options.sessionName),
      sessionNameOrigin: 'given',
      durationSeconds: options.durationSeconds ?? DEFAULT_DURATION_SECONDS,
      externalId: options.externalId,
    },
    profile: options.profile,
    region: resolved.region,
    endpointUrl: options.endpointUrl,
    assumeTimeoutSeconds: options.assumeTimeoutSeconds ?? 60,
    env,
    ...(options.retryPolicy === undefined ? {} : { retryPolicy: options.retryPolicy }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  return { ...assumed, region: resolved.region, childRegion: resolved.origin === 'default' ? undefined : resolved.region };
}

export interface WithAssumedRoleOptions extends AssumeRoleOptions {
  /** The command and its arguments; run without a shell. */
  command: [string, ...string[]];
  /** Mask the credentials in the command's stdout and stderr; default false. */
  mask?: boolean;
  /** Seconds a signalled command gets before SIGKILL; default 10. */
  killGraceSeconds?: number;
  /** Variables for the command below the environment's (dotenv files). */
  fileEnvironment?: Record<string, string>;
  /** Called once credentials are in hand, before the command starts. */
  onAssumed?: (assumed: AssumeRoleResult) => void;
  /** Called when signals start going to the command, just before it is spawned. */
  beforeSpawn?: () => void;
}

/** Assumes the role, runs the command with the credentials in its environment only, resolves to its exit code. */
export async function withAssumedRole(options: WithAssumedRoleOptions): Promise<number> {
  const assumed = await assumeRole(options);
  options.onAssumed?.(assumed);
  const { credentials } = assumed;
  return runChild({
    argv: options.command,
    env: buildChildEnvironment({
      parent: options.env ?? process.env,
      files: options.fileEnvironment ?? {},
      credentials,
      region: assumed.childRegion,
    }),
    maskSecrets: options.mask ? [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken] : undefined,
    killGraceMs: (options.killGraceSeconds ?? 10) * 1000,
    log: options.log,
    beforeSpawn: options.beforeSpawn,
  });
}
