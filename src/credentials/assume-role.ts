// Source credentials (or an id token) -> the role's credentials: an MFA session
// first when asked (GetSessionToken), then each --via hop in order, then the role;
// one strategy per STS API (sts-strategies.ts), bounded retries with full-jitter
// backoff, HTTP timeouts and one deadline for all of it; every failure explained as
// a typed error naming the hop that failed. Over 300 lines: the chain's steps
// share one deadline, one attempt count and one explanation of what failed where;
// the STS calls (sts-strategies.ts) and the wording (explain-failure.ts) live apart.
import { configuredEndpoint, stsEndpointUrl } from '../aws/endpoints.ts';
import { describeNetwork } from '../aws/http-handler.ts';
import { loadStsSdk } from '../aws/load-sdk.ts';
import { redactProxy, withoutProxyPassword } from '../aws/proxy-rules.ts';
import type { Environment } from '../domain/environment.ts';
import { ConfigurationError, InternalError, isWithAssumedRoleError, StsRefusedError, TemporaryFailureError } from '../domain/errors.ts';
import type { NetworkSettings } from '../domain/network.ts';
import type { RoleTarget } from '../domain/role-request.ts';
import { checkAllowedAccount, NO_SESSION_ATTRIBUTES } from '../domain/session-attributes.ts';
import { chainingCapError, explainStsFailure } from './explain-failure.ts';
import { type Clock, DEFAULT_RETRY_POLICY, RetriesExhausted, type RetryPolicy, retryTransient, systemClock } from './retry.ts';
import { type AwsCredentials, resolveSourceCredentials, type SourceCredentials } from './source-credentials.ts';
import { createStsClient, getCallerArn, type StsClient, stsHandler } from './sts-client.ts';
import { classifyStsFailure, isRetryable, type StsFailure } from './sts-failure.ts';
import {
  type AssumeAnswer,
  mfaSessionRequest,
  NO_CREDENTIALS,
  roleStrategy,
  type StsStrategy,
  type TokenSource,
  webIdentityStrategy,
} from './sts-strategies.ts';
import { describeClaims, readWebIdentityToken } from './web-identity-token.ts';

export type { TokenSource } from './sts-strategies.ts';

/** STS caps sessions chained from a role session at one hour. */
export const ROLE_CHAINING_CAP_SECONDS = 3600;

export interface TemporaryCredentials extends AwsCredentials {
  sessionToken: string;
  expiration: Date;
}

export interface AssumeRoleInput {
  target: RoleTarget;
  profile?: string | undefined;
  /** The STS region; see resolveStsRegion. */
  region: string;
  /** --endpoint-url, else AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL from `env`. */
  endpointUrl?: string | undefined;
  assumeTimeoutSeconds: number;
  /** Where source-credential settings are read from (normally process.env). */
  env: Environment;
  /** Proxy and CA bundle settings given; the environment's apply too. */
  network: NetworkSettings;
  /** Known source credentials: skips the provider chain. */
  sourceCredentials?: SourceCredentials | undefined;
  /** An OIDC id token file: AssumeRoleWithWebIdentity with it, no source credentials at all. */
  webIdentityTokenFile?: string | undefined;
  /** A person's MFA: a session made with the device's code first (GetSessionToken), or one had already. */
  mfa?: MfaInput | undefined;
  /** The code for a source profile whose own role_arn asks for MFA (the SDK's profile provider assumes it). */
  profileMfaCode?: ((serial: string) => Promise<string>) | undefined;
  retryPolicy?: RetryPolicy;
  clock?: Clock;
  log?: (line: string) => void;
}

/** The MFA device, and either its current code or an MFA session already had (the session cache). */
export interface MfaInput {
  serial: string;
  /** Where the device was named, for messages: `--mfa-serial`, `mfa_serial of profile dev`. */
  origin: string;
  code?: string | undefined;
  session?: TemporaryCredentials | undefined;
}

export interface AssumedRole {
  credentials: TemporaryCredentials;
  /** arn:aws:sts::<account>:assumed-role/<role>/<session> */
  assumedRoleArn: string;
  source: SourceCredentials | TokenSource;
  attempts: number;
  /** The sessions of the --via hops passed on the way, in order. */
  hops: string[];
  /** The MFA session this call made (GetSessionToken), for the session cache. */
  mfaSession?: TemporaryCredentials | undefined;
}

/** Where requests go, fixed before the first one: the endpoint, the proxy it goes through, the handler. */
interface Reach {
  endpoint: string | undefined;
  /** `STS at https://...`, with the proxy (no password) where one applies: for messages. */
  described: string;
  proxy: URL | undefined;
  handler: Awaited<ReturnType<typeof stsHandler>>['options'];
}

async function reachOf(input: AssumeRoleInput): Promise<Reach> {
  const endpoint = configuredEndpoint('STS', input.endpointUrl, input.env);
  const url = stsEndpointUrl(endpoint, input.region);
  const handler = await stsHandler(input.region, endpoint, input.network, input.env);
  const proxy = handler.proxy.proxy;
  if (input.log !== undefined) {
    const shown = describeNetwork(new URL(url), input.network, input.env);
    input.log(`proxy: ${shown.proxy}; CA bundle: ${shown.caBundle}`);
  }
  const described = `STS at ${url}${proxy === undefined ? '' : ` through the proxy ${redactProxy(proxy)}`}`;
  return { endpoint, described, proxy, handler: handler.options };
}

function raceDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

/** Where the chain starts: an id token, or source credentials found (within the deadline). */
async function startOf(input: AssumeRoleInput, reach: Reach, signal: AbortSignal, now: number): Promise<SourceCredentials | TokenSource> {
  if (input.webIdentityTokenFile !== undefined) {
    const token = readWebIdentityToken(input.webIdentityTokenFile);
    input.log?.(`web identity token ${token.path}: ${describeClaims(token.claims, now)}; no source credentials`);
    return { kind: 'web-identity-token', label: `the web identity token ${token.path}`, roleSession: false, token };
  }
  const source =
    input.sourceCredentials ??
    (await raceDeadline(
      resolveSourceCredentials(
        {
          profile: input.profile,
          region: input.region,
          endpointUrl: reach.endpoint,
          handler: reach.handler,
          ...(input.profileMfaCode === undefined ? {} : { mfaCodeProvider: input.profileMfaCode }),
        },
        input.env,
      ),
      signal,
    ));
  input.log?.(`source credentials: ${source.label}`);
  return source;
}

/** A role on the way (--via): the role's session name, the shortest session (it is used at once), nothing else of the role's. */
function hopTarget(target: RoleTarget, roleArn: string): RoleTarget {
  return {
    roleArn,
    sessionName: target.sessionName,
    sessionNameOrigin: target.sessionNameOrigin,
    durationSeconds: 900,
    externalId: undefined,
    session: NO_SESSION_ATTRIBUTES,
    allowedAccounts: [],
    droppedTags: [],
    via: [],
  };
}

/** STS caps a role chained from a role session at one hour: said before asking, with why the chain is one. */
function checkChainingCap(target: RoleTarget, source: SourceCredentials | TokenSource): void {
  if (target.durationSeconds <= ROLE_CHAINING_CAP_SECONDS) return;
  const last = target.via.at(-1);
  if (last !== undefined) throw chainingCapError(target.durationSeconds, `the role is assumed from --via ${last}, a role session`);
  if (source.roleSession) throw chainingCapError(target.durationSeconds, `${source.label} is itself a role session`);
}

/** The answer's credentials, or a 'malformed' failure when STS (or what answered in its place) left them out. */
function credentialsOf(answer: AssumeAnswer): { credentials: TemporaryCredentials; arn: string } | StsFailure {
  const credentials = answer.Credentials;
  if (
    !credentials?.AccessKeyId ||
    !credentials.SecretAccessKey ||
    !credentials.SessionToken ||
    !(credentials.Expiration instanceof Date) ||
    !answer.AssumedRoleUser?.Arn
  ) {
    return { kind: 'malformed', code: 'MalformedAnswer', message: 'the answer lacks credentials' };
  }
  return {
    credentials: {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: credentials.Expiration,
    },
    arn: answer.AssumedRoleUser.Arn,
  };
}

/**
 * Assumes `input.target` with source credentials from the SDK's chain (or with an id
 * token). Retries 5xx, network errors and timeouts with full-jitter backoff, six
 * attempts within the --assume-timeout deadline, and throttling until that deadline
 * (docs/decisions.md); refusals fail at once. Throws typed errors only.
 */
export async function assumeTargetRole(input: AssumeRoleInput): Promise<AssumedRole> {
  const clock = input.clock ?? systemClock;
  const deadline = clock.now() + input.assumeTimeoutSeconds * 1000;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`no credentials within ${input.assumeTimeoutSeconds} s`, 'AbortError')),
    input.assumeTimeoutSeconds * 1000,
  );
  timer.unref();
  const clients: StsClient[] = [];
  let reach: Reach | undefined;
  // What is being asked when a failure comes: the MFA session, or a hop (its target and who asks).
  let step: Step | undefined;
  let attempts = 0;
  try {
    reach = await reachOf(input);
    const sdk = await loadStsSdk();
    const known = reach;
    const client = (credentials: AwsCredentials | typeof NO_CREDENTIALS) => {
      const made = createStsClient(sdk, input.region, known.endpoint, credentials, known.handler);
      clients.push(made);
      return made;
    };
    const classify = (error: unknown) => classifyStsFailure(error, known.proxy !== undefined);
    const send = <T>(request: (signal: AbortSignal) => Promise<T>) => {
      attempts = 0;
      return retryTransient(
        async (attempt) => {
          attempts = attempt;
          return request(controller.signal);
        },
        {
          policy: input.retryPolicy ?? DEFAULT_RETRY_POLICY,
          clock,
          deadline,
          signal: controller.signal,
          isRetryable: (error) => isRetryable(classify(error)),
          untilDeadline: (error) => classify(error).kind === 'throttled',
          onRetry: (attempt, delay, error) => input.log?.(`attempt ${attempt} failed (${classify(error).code}); retrying in ${delay} ms`),
        },
      );
    };

    const start = await startOf(input, reach, controller.signal, clock.now());
    let caller: SourceCredentials | TokenSource = start;
    let mfaSession: TemporaryCredentials | undefined;
    if (input.mfa !== undefined) {
      const mfa = input.mfa;
      if (start.kind === 'web-identity-token') throw new InternalError('MFA with a web identity token', { fix: 'report it' });
      step = { kind: 'mfa', mfa, caller: start };
      mfaSession =
        mfa.session ??
        (await newMfaSession(mfa, start, (credentials, code) => send(mfaSessionRequest(sdk, client(credentials), mfa.serial, code))));
      caller = { ...start, label: `${start.label} with MFA (${mfa.serial})`, roleSession: false, credentials: mfaSession };
      input.log?.(mfa.session === undefined ? `MFA session of ${mfa.serial} made` : `MFA session of ${mfa.serial} from the session cache`);
    }
    checkChainingCap(input.target, caller);
    const hops = [...input.target.via.map((arn) => hopTarget(input.target, arn)), input.target];
    const passed: string[] = [];
    for (const [index, hop] of hops.entries()) {
      const strategy: StsStrategy =
        caller.kind === 'web-identity-token'
          ? webIdentityStrategy(sdk, client(NO_CREDENTIALS), hop, caller.token)
          : roleStrategy(sdk, client(caller.credentials), hop, caller);
      step = { kind: 'hop', target: hop, caller, index, of: hops.length };
      const got = credentialsOf(await send((signal) => strategy.send(signal)));
      if ('kind' in got) throw await explain(got, input, reach, step, Math.max(attempts, 1), clock.now());
      if (index === hops.length - 1) {
        checkAllowedAccount(got.arn, input.target.allowedAccounts, 'after');
        return { credentials: got.credentials, assumedRoleArn: got.arn, source: start, attempts, hops: passed, mfaSession };
      }
      input.log?.(`--via ${hop.roleArn}: ${got.arn}`);
      passed.push(got.arn);
      caller = {
        kind: start.kind === 'web-identity-token' ? 'web-identity' : start.kind,
        label: `--via ${hop.roleArn}`,
        roleSession: true,
        credentials: got.credentials,
      };
    }
    throw new InternalError('assumeTargetRole: no hop answered', { fix: 'report it' });
  } catch (caught) {
    if (isWithAssumedRoleError(caught)) throw caught;
    const exhausted = caught instanceof RetriesExhausted ? caught : undefined;
    const classified = classifyStsFailure(exhausted?.lastError ?? caught, reach?.proxy !== undefined);
    if (classified.kind === 'aborted' && step === undefined) {
      throw new TemporaryFailureError(
        `--assume-timeout ${input.assumeTimeoutSeconds}: no source credentials within ${input.assumeTimeoutSeconds} s`,
        { fix: 'see where they are looked for with withAssumedRole doctor; off EC2, set AWS_EC2_METADATA_DISABLED=true or pass --profile' },
      );
    }
    // Whatever an error said, it says it without the proxy's password.
    const failure = { ...classified, message: withoutProxyPassword(classified.message, reach?.proxy) };
    throw await explain(failure, input, reach, step, Math.max(attempts, 1), clock.now());
  } finally {
    clearTimeout(timer);
    for (const client of clients) client.destroy();
  }
}

/** What was being asked of STS: the MFA session, or one hop of the chain (the role itself is the last). */
type Step =
  | { kind: 'mfa'; mfa: MfaInput; caller: SourceCredentials }
  | { kind: 'hop'; target: RoleTarget; caller: SourceCredentials | TokenSource; index: number; of: number };

/** An MFA session from an IAM user's own keys and the device's code: a session already had is no source for one. */
async function newMfaSession(
  mfa: MfaInput,
  source: SourceCredentials,
  request: (credentials: AwsCredentials, code: string) => Promise<AssumeAnswer>,
): Promise<TemporaryCredentials> {
  if (source.roleSession || source.credentials.sessionToken !== undefined) {
    throw new ConfigurationError(
      `${mfa.origin} ${mfa.serial}: MFA goes with an IAM user's own keys, and ${source.label} holds a session already`,
      {
        fix: "drop the MFA device (the session's own sign-in asked for MFA, if it needed any), or use your IAM user's keys",
      },
    );
  }
  if (mfa.code === undefined) throw new InternalError('MFA session without a code', { fix: 'report it' });
  const answer = await request(source.credentials, mfa.code);
  const credentials = answer.Credentials;
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken || !(credentials.Expiration instanceof Date)) {
    throw new TemporaryFailureError(`MFA device ${mfa.serial}: the answer to GetSessionToken lacks credentials`, {
      fix: "a proxy may be answering in STS's place: check HTTPS_PROXY/NO_PROXY and --endpoint-url",
    });
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
    expiration: credentials.Expiration,
  };
}

/**
 * The typed error for a failure, with what was known when it happened; for
 * AccessDenied, who asked (best effort). A hop on the way says which it was; a refused
 * MFA code names the device.
 */
async function explain(
  failure: StsFailure,
  input: AssumeRoleInput,
  reach: Reach | undefined,
  step: Step | undefined,
  attempts: number,
  now: number,
) {
  if (step?.kind === 'mfa' && failure.kind === 'refused' && failure.code.startsWith('AccessDenied')) {
    return new StsRefusedError(
      failure.code,
      `MFA device ${step.mfa.serial}: STS refused the code (wrong, too old, or used already: each code works once)`,
      {
        fix: 'run again with the next code the device shows',
        details: [`STS said: ${failure.message}`],
      },
    );
  }
  const target = step?.kind === 'hop' ? step.target : input.target;
  const source = step?.caller ?? input.sourceCredentials;
  const askSts =
    failure.kind === 'refused' && failure.code.startsWith('AccessDenied') && source !== undefined && source.kind !== 'web-identity-token';
  const sourceIdentityArn = askSts ? await getCallerArn(input.region, reach?.endpoint, source.credentials, input) : undefined;
  const error = explainStsFailure(failure, {
    roleArn: target.roleArn,
    durationSeconds: target.durationSeconds,
    region: input.region,
    endpoint: reach?.described ?? `STS at ${stsEndpointUrl(configuredEndpoint('STS', input.endpointUrl, input.env), input.region)}`,
    sourceLabel: source?.label ?? 'the source credentials',
    sourceIdentityArn,
    attempts,
    assumeTimeoutSeconds: input.assumeTimeoutSeconds,
    externalId: target.externalId,
    session: target.session,
    proxy: reach?.proxy === undefined ? undefined : redactProxy(reach.proxy),
    webIdentity: source?.kind === 'web-identity-token' ? source.token : undefined,
    now,
  });
  if (step?.kind === 'hop' && step.index < step.of - 1) error.message = `--via, hop ${step.index + 1} of ${step.of}: ${error.message}`;
  return error;
}
