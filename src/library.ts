// The library API: what the CLI does, callable from code.

import { DEFAULT_NETWORK, type NetworkSettings } from './aws/proxy-rules.ts';
import { buildChildEnvironment, mergedParentEnvironment } from './child/child-environment.ts';
import { discardRelays, openMaskedRelays } from './child/mask-stream.ts';
import { openRefreshingEndpoint } from './child/refreshing-endpoint.ts';
import { runChild } from './child/run-child.ts';
import { type AssumedRole, assumeTargetRole, resolveStsRegion } from './credentials/assume-role.ts';
import type { Clock, RetryPolicy } from './credentials/retry.ts';
import type { SourceCredentials } from './credentials/source-credentials.ts';
import type { Environment } from './credentials/source-plan.ts';
import { DEFAULT_DURATION_SECONDS } from './options/duration.ts';
import { validateRoleArn } from './options/role-arn.ts';
import { checkAllowedAccount, checkSessionAttributes, type SessionAttributes } from './options/session-attributes.ts';
import { validateSessionName } from './options/session-name.ts';
import { formatError, PREFIX } from './output/reporter.ts';

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
 * WithAssumedRoleError subclass (with exitCode and fix) on any failure.
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
  /**
   * Instead of static keys, give the command a local credentials endpoint
   * (AWS_CONTAINER_CREDENTIALS_FULL_URI) serving the role, assumed again before expiry.
   */
  refresh?: boolean;
  /** Lines the user must see (a refresh that failed); default: stderr. */
  report?: (text: string) => void;
}

/** Assumes the role, runs the command with its credentials in its environment only, resolves to its exit code. */
export async function withAssumedRole(options: WithAssumedRoleOptions): Promise<number> {
  // The masking pipes are made while STS answers (mkfifo is a process of its own); the secrets come after.
  const relaying = options.mask ? openMaskedRelays([process.stdout, process.stderr]) : undefined;
  relaying?.catch(() => undefined);
  let assumed: AssumeRoleResult;
  try {
    assumed = await assumeRole(options);
  } catch (error) {
    const relays = await relaying?.catch(() => undefined);
    if (relays !== undefined) await discardRelays(relays);
    throw error;
  }
  const relays = await relaying;
  options.onAssumed?.(assumed);
  const { credentials } = assumed;
  const base = { parent: options.env ?? process.env, files: options.fileEnvironment ?? {}, region: assumed.childRegion };
  const run = {
    argv: options.command,
    killGraceMs: (options.killGraceSeconds ?? 10) * 1000,
    log: options.log,
    beforeSpawn: options.beforeSpawn,
  };
  const mask = (secrets: readonly string[]) => {
    for (const relay of relays ?? []) relay.addSecrets(secrets);
  };
  // The id token a role was assumed with is a secret of the run as well.
  const tokenOf = (result: AssumeRoleResult) => (result.source.kind === 'web-identity-token' ? [result.source.token.token] : []);
  mask(tokenOf(assumed));
  if (!options.refresh) {
    mask([credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken]);
    return runChild({ ...run, env: buildChildEnvironment({ ...base, credentials }), relays });
  }
  const report = options.report ?? ((text: string) => process.stderr.write(text));
  const refreshing = await openRefreshingEndpoint(credentials, {
    fetch: async () => {
      const next = await assumeRole(options);
      mask(tokenOf(next));
      return next.credentials;
    },
    failed: (error, repeated, current) => {
      if (repeated) return;
      const until = current === undefined ? 'has none left' : `keeps the current ones until ${current.expiration.toISOString()}`;
      report(
        `${PREFIX}refreshing the credentials failed; the command ${until} and the refresh tries again:\n${indent(formatError(error, false))}`,
      );
    },
    expired: (last) =>
      report(`${PREFIX}the credentials expired at ${last.expiration.toISOString()} unrefreshed: the command's next fetch of them fails\n`),
    env: mergedParentEnvironment(base),
  });
  mask(refreshing.secrets);
  refreshing.onNewSecrets(mask);
  try {
    return await runChild({
      ...run,
      env: buildChildEnvironment({ ...base, endpoint: refreshing.child }),
      relays,
    });
  } finally {
    await refreshing.stop();
  }
}

const indent = (text: string) => `${text.trimEnd().replace(/^/gm, '  ')}\n`;
