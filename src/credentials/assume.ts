// The library's assumeRole: plain options, checked as the CLI checks its settings,
// the STS region resolved, then assumeTargetRole (assume-role.ts). For a person
// (the CLI outside CI): the MFA code asked before the deadline starts, and the
// session cache (session-cache.ts) read first and written after.

import { DEFAULT_DURATION_SECONDS } from '../domain/duration.ts';
import type { Environment } from '../domain/environment.ts';
import { ConfigurationError } from '../domain/errors.ts';
import { DEFAULT_NETWORK, type NetworkSettings } from '../domain/network.ts';
import { validateRoleArn } from '../domain/role-arn.ts';
import { checkAllowedAccount, checkSessionAttributes, type SessionAttributes } from '../domain/session-attributes.ts';
import { validateSessionName } from '../domain/session-name.ts';
import { type AssumedRole, assumeTargetRole, type MfaInput, type TemporaryCredentials } from './assume-role.ts';
import type { AskCode } from './mfa.ts';
import { profileSettings } from './profile-settings.ts';
import type { Clock, RetryPolicy } from './retry.ts';
import { type CachedSession, cachedSession, type SessionCache, sessionKey, storeSession, withSessionLock } from './session-cache.ts';
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
  /** Roles assumed in order before this one (a hub account's), each with the same session name. */
  via?: string[] | undefined;
  /** MFA: the device (else the source profile's mfa_serial) and its code (else `askMfaCode`). */
  mfa?: { serial?: string | undefined; code?: string | undefined } | undefined;
  /** Asks a person for an MFA code (the CLI: on the terminal); without it, a needed code is an error. */
  askMfaCode?: AskCode | undefined;
  /** A person's session cache: the role's credentials and the MFA session, reused while they last. */
  sessionCache?: SessionCache | undefined;
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
  /** Answered from the session cache: STS was not called. */
  cached?: boolean;
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
  const childRegion = resolved.origin === 'default' ? undefined : resolved.region;
  const durationSeconds = options.durationSeconds ?? DEFAULT_DURATION_SECONDS;
  const cache = options.sessionCache;
  const assume = async (): Promise<AssumeRoleResult> => {
    const mfa = await mfaOf(options, env, cache);
    const assumed = await assumeTargetRole({
      target: {
        roleArn: validateRoleArn(options.roleArn),
        sessionName: validateSessionName(options.sessionName),
        sessionNameOrigin: 'given',
        durationSeconds,
        externalId: options.externalId,
        session: checkSessionAttributes(options.session),
        allowedAccounts: options.allowedAccounts ?? [],
        droppedTags: [],
        via: (options.via ?? []).map((hop) => validateRoleArn(hop)),
      },
      profile: options.profile,
      sourceCredentials: options.sourceCredentials,
      webIdentityTokenFile: options.webIdentityTokenFile,
      region: resolved.region,
      endpointUrl: options.endpointUrl,
      assumeTimeoutSeconds: options.assumeTimeoutSeconds ?? 60,
      network: options.network ?? DEFAULT_NETWORK,
      env,
      mfa: mfa.session,
      profileMfaCode: mfa.profileCode,
      ...(options.retryPolicy === undefined ? {} : { retryPolicy: options.retryPolicy }),
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.log === undefined ? {} : { log: options.log }),
    });
    if (cache !== undefined && mfa.session !== undefined && assumed.mfaSession !== undefined && mfa.session.session === undefined) {
      await storeSession(cache, mfa.key, cachedOf(assumed.mfaSession, mfa.session.serial));
    }
    return { ...assumed, region: resolved.region, childRegion };
  };
  if (cache === undefined) return assume();
  const key = sessionKey('role', roleIdentity(options, env, resolved.region));
  // A cached session is reused while half the asked-for lifetime is left: a command gets at least that much.
  const minimum = (durationSeconds * 1000) / 2;
  const fromCache = async () => {
    const hit = await cachedSession(cache, key, options.clock === undefined ? Date.now() : options.clock.now(), minimum);
    return hit === undefined ? undefined : resultOf(hit, resolved.region);
  };
  const hit = await fromCache();
  if (hit !== undefined) return hit;
  return withSessionLock(cache, key, async () => {
    const other = await fromCache();
    if (other !== undefined) return other;
    const assumed = await assume();
    await storeSession(cache, key, { ...cachedOf(assumed.credentials, assumed.assumedRoleArn), childRegion: assumed.childRegion });
    return assumed;
  });
}

/** What identifies a person's role session in the cache: the request, and where its source came from (never a secret). */
function roleIdentity(options: AssumeRoleOptions, env: Environment, region: string): unknown {
  return {
    roleArn: options.roleArn,
    via: options.via ?? [],
    sessionName: options.sessionName,
    durationSeconds: options.durationSeconds ?? DEFAULT_DURATION_SECONDS,
    externalId: options.externalId,
    session: options.session,
    allowedAccounts: options.allowedAccounts ?? [],
    region,
    endpointUrl: options.endpointUrl ?? env.AWS_ENDPOINT_URL_STS ?? env.AWS_ENDPOINT_URL,
    source: sourceIdentity(options, env),
    mfaSerial: options.mfa?.serial,
  };
}

/** Where the source credentials come from, as far as the environment says: a profile, or environment keys (by key ID). */
function sourceIdentity(options: AssumeRoleOptions, env: Environment): unknown {
  return {
    profile: options.profile ?? (env.AWS_PROFILE || undefined),
    accessKeyId: env.AWS_ACCESS_KEY_ID || undefined,
    webIdentityTokenFile: options.webIdentityTokenFile,
  };
}

const cachedOf = (credentials: TemporaryCredentials, arn: string): CachedSession => ({
  accessKeyId: credentials.accessKeyId,
  secretAccessKey: credentials.secretAccessKey,
  sessionToken: credentials.sessionToken,
  expiration: credentials.expiration.toISOString(),
  issuedAt: new Date().toISOString(),
  arn,
});

const credentialsOf = (session: CachedSession): TemporaryCredentials => ({
  accessKeyId: session.accessKeyId,
  secretAccessKey: session.secretAccessKey,
  sessionToken: session.sessionToken,
  expiration: new Date(session.expiration),
});

function resultOf(session: CachedSession, region: string): AssumeRoleResult {
  const credentials = credentialsOf(session);
  return {
    credentials,
    assumedRoleArn: session.arn,
    source: { kind: 'session-cache', label: 'your cached session', roleSession: true, credentials },
    attempts: 0,
    hops: [],
    region,
    childRegion: session.childRegion,
    cached: true,
  };
}

/** The MFA a run needs, settled before the deadline starts (a person types the code): an MFA session's input, or a profile's code. */
interface MfaPlan {
  session?: MfaInput | undefined;
  key: string;
  profileCode?: ((serial: string) => Promise<string>) | undefined;
}

/**
 * Which MFA device applies: --mfa-serial, else the mfa_serial of the profile the source
 * comes from (read with the SDK's own reader). A profile that assumes its own role_arn
 * with it gets the code through the SDK's provider; otherwise an MFA session is made
 * (GetSessionToken), or taken from the session cache, before the role.
 */
async function mfaOf(options: AssumeRoleOptions, env: Environment, cache: SessionCache | undefined): Promise<MfaPlan> {
  if (options.sourceCredentials !== undefined) return { key: '' };
  const device = await mfaDeviceOf(options, env);
  if (device === undefined) return { key: '' };
  const { serial, origin } = device;
  const code = (asked: string) => options.mfa?.code ?? askFor(options, asked);
  if (device.profileRole) return { key: '', profileCode: async (asked) => code(asked) };
  const key = sessionKey('mfa', {
    serial,
    source: sourceIdentity(options, env),
    endpoint: options.endpointUrl ?? env.AWS_ENDPOINT_URL_STS,
  });
  const had = cache === undefined ? undefined : await cachedSession(cache, key, Date.now(), 5 * 60_000);
  if (had !== undefined) return { key, session: { serial, origin, session: credentialsOf(had) } };
  return { key, session: { serial, origin, code: code(serial) } };
}

/** An MFA device a run uses, where it was named, and whether a source profile's own role_arn takes it (the SDK asks then). */
export interface MfaDevice {
  serial: string;
  origin: string;
  profileRole: boolean;
}

/**
 * The MFA device: --mfa-serial, else the mfa_serial of the profile the source comes
 * from (--profile, AWS_PROFILE, or the default profile when no environment keys come
 * first). None with a web identity token.
 */
export async function mfaDeviceOf(
  options: Pick<AssumeRoleOptions, 'profile' | 'mfa' | 'webIdentityTokenFile'>,
  env: Environment,
): Promise<MfaDevice | undefined> {
  if (options.webIdentityTokenFile !== undefined) return undefined;
  const profile = options.profile ?? (env.AWS_PROFILE || (env.AWS_ACCESS_KEY_ID ? undefined : 'default'));
  const settings = profile === undefined ? {} : await profileSettings(profile, env);
  if (options.mfa?.serial !== undefined) return { serial: options.mfa.serial, origin: '--mfa-serial', profileRole: false };
  if (settings.mfa_serial === undefined) return undefined;
  return { serial: settings.mfa_serial, origin: `mfa_serial of profile ${profile}`, profileRole: settings.role_arn !== undefined };
}

function askFor(options: AssumeRoleOptions, serial: string): string {
  if (options.askMfaCode === undefined) {
    throw new ConfigurationError(`MFA device ${serial}: a code is needed, and none was given`, {
      fix: "pass the device's current code (--mfa-code, WITH_ASSUMED_ROLE_MFA_CODE; the library: mfa.code)",
    });
  }
  return options.askMfaCode(serial);
}
