// Source credentials (or an id token) -> the role's credentials: one strategy per
// STS API (sts-strategies.ts), bounded retries with full-jitter backoff, HTTP
// timeouts and an overall deadline; every failure explained as a typed error.
import { configuredEndpoint, stsEndpointUrl } from '../aws/endpoints.ts';
import { describeNetwork } from '../aws/http-handler.ts';
import { loadStsSdk } from '../aws/load-sdk.ts';
import { redactProxy, withoutProxyPassword } from '../aws/proxy-rules.ts';
import type { Environment } from '../domain/environment.ts';
import { isWithAssumedRoleError, TemporaryFailureError } from '../domain/errors.ts';
import type { NetworkSettings } from '../domain/network.ts';
import type { RoleTarget } from '../domain/role-request.ts';
import { checkAllowedAccount } from '../domain/session-attributes.ts';
import { chainingCapError, explainStsFailure } from './explain-failure.ts';
import { type Clock, DEFAULT_RETRY_POLICY, RetriesExhausted, type RetryPolicy, retryTransient, systemClock } from './retry.ts';
import { type AwsCredentials, resolveSourceCredentials, type SourceCredentials } from './source-credentials.ts';
import { createStsClient, getCallerArn, type StsClient, stsHandler } from './sts-client.ts';
import { classifyStsFailure, isRetryable, type StsFailure } from './sts-failure.ts';
import {
  type AssumeAnswer,
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
  retryPolicy?: RetryPolicy;
  clock?: Clock;
  log?: (line: string) => void;
}

export interface AssumedRole {
  credentials: TemporaryCredentials;
  /** arn:aws:sts::<account>:assumed-role/<role>/<session> */
  assumedRoleArn: string;
  source: SourceCredentials | TokenSource;
  attempts: number;
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

/** The strategy for `input`: with an id token, or with source credentials found (within the deadline) and checked for chaining. */
async function strategyOf(
  input: AssumeRoleInput,
  reach: Reach,
  client: (credentials: AwsCredentials | typeof NO_CREDENTIALS) => StsClient,
  signal: AbortSignal,
  now: number,
): Promise<StsStrategy> {
  const sdk = await loadStsSdk();
  if (input.webIdentityTokenFile !== undefined) {
    const token = readWebIdentityToken(input.webIdentityTokenFile);
    input.log?.(`web identity token ${token.path}: ${describeClaims(token.claims, now)}; no source credentials`);
    return webIdentityStrategy(sdk, client(NO_CREDENTIALS), input.target, token);
  }
  const source =
    input.sourceCredentials ??
    (await raceDeadline(
      resolveSourceCredentials(
        { profile: input.profile, region: input.region, endpointUrl: reach.endpoint, handler: reach.handler },
        input.env,
      ),
      signal,
    ));
  input.log?.(`source credentials: ${source.label}`);
  if (source.roleSession && input.target.durationSeconds > ROLE_CHAINING_CAP_SECONDS) {
    throw chainingCapError(input.target.durationSeconds, source.label);
  }
  return roleStrategy(sdk, client(source.credentials), input.target, source);
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
 * token). Retries throttling, 5xx, network errors and timeouts with full-jitter
 * backoff until the --assume-timeout deadline; refusals fail at once. Throws typed errors only.
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
  let strategy: StsStrategy | undefined;
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
    strategy = await strategyOf(input, reach, client, controller.signal, clock.now());
    const chosen = strategy;
    const classify = (error: unknown) => classifyStsFailure(error, known.proxy !== undefined);
    const answer = await retryTransient(
      async (attempt) => {
        attempts = attempt;
        return chosen.send(controller.signal);
      },
      {
        policy: input.retryPolicy ?? DEFAULT_RETRY_POLICY,
        clock,
        deadline,
        signal: controller.signal,
        isRetryable: (error) => isRetryable(classify(error)),
        onRetry: (attempt, delay, error) => input.log?.(`attempt ${attempt} failed (${classify(error).code}); retrying in ${delay} ms`),
      },
    );
    const got = credentialsOf(answer);
    if ('kind' in got) throw await explain(got, input, reach, strategy, Math.max(attempts, 1), clock.now());
    checkAllowedAccount(got.arn, input.target.allowedAccounts, 'after');
    return { credentials: got.credentials, assumedRoleArn: got.arn, source: strategy.source, attempts };
  } catch (caught) {
    if (isWithAssumedRoleError(caught)) throw caught;
    const exhausted = caught instanceof RetriesExhausted ? caught : undefined;
    const classified = classifyStsFailure(exhausted?.lastError ?? caught, reach?.proxy !== undefined);
    if (classified.kind === 'aborted' && strategy === undefined) {
      throw new TemporaryFailureError(
        `--assume-timeout ${input.assumeTimeoutSeconds}: no source credentials within ${input.assumeTimeoutSeconds} s`,
        { fix: 'see where they are looked for with withAssumedRole doctor; off EC2, set AWS_EC2_METADATA_DISABLED=true or pass --profile' },
      );
    }
    // Whatever an error said, it says it without the proxy's password.
    const failure = { ...classified, message: withoutProxyPassword(classified.message, reach?.proxy) };
    throw await explain(failure, input, reach, strategy, Math.max(attempts, 1), clock.now());
  } finally {
    clearTimeout(timer);
    for (const client of clients) client.destroy();
  }
}

/** The typed error for a failure, with what was known when it happened; for AccessDenied, who the source was (best effort). */
async function explain(
  failure: StsFailure,
  input: AssumeRoleInput,
  reach: Reach | undefined,
  strategy: StsStrategy | undefined,
  attempts: number,
  now: number,
) {
  const source = strategy?.source ?? input.sourceCredentials;
  const askSts =
    failure.kind === 'refused' && failure.code.startsWith('AccessDenied') && source !== undefined && source.kind !== 'web-identity-token';
  const sourceIdentityArn = askSts ? await getCallerArn(input.region, reach?.endpoint, source.credentials, input) : undefined;
  return explainStsFailure(failure, {
    roleArn: input.target.roleArn,
    durationSeconds: input.target.durationSeconds,
    region: input.region,
    endpoint: reach?.described ?? `STS at ${stsEndpointUrl(configuredEndpoint('STS', input.endpointUrl, input.env), input.region)}`,
    sourceLabel: source?.label ?? 'the source credentials',
    sourceIdentityArn,
    attempts,
    assumeTimeoutSeconds: input.assumeTimeoutSeconds,
    externalId: input.target.externalId,
    session: input.target.session,
    proxy: reach?.proxy === undefined ? undefined : redactProxy(reach.proxy),
    webIdentity: source?.kind === 'web-identity-token' ? source.token : undefined,
    now,
  });
}
