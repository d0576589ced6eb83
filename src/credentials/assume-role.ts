// Source credentials -> AssumeRole, with bounded retries, HTTP timeouts and an overall deadline.
import { configuredEndpoint, stsEndpointUrl } from '../aws/endpoints.ts';
import { describeNetwork, type HandlerOptions, handlerFor } from '../aws/http-handler.ts';
import { loadStsSdk, type StsSdk } from '../aws/load-sdk.ts';
import { type NetworkSettings, redactProxy, withoutProxyPassword } from '../aws/proxy-rules.ts';
import { isWithAssumedRoleError, TemporaryFailureError } from '../errors.ts';
import type { RoleTarget } from '../options/command-options.ts';
import { defaultRegionOf } from '../options/role-arn.ts';
import { checkAllowedAccount, type SessionAttributes } from '../options/session-attributes.ts';
import { chainingCapError, explainStsFailure, type FailureContext } from './explain-failure.ts';
import { type Clock, DEFAULT_RETRY_POLICY, RetriesExhausted, type RetryPolicy, retryTransient, systemClock } from './retry.ts';
import { type AwsCredentials, resolveSourceCredentials, type SourceCredentials } from './source-credentials.ts';
import type { Environment } from './source-plan.ts';
import { classifyStsFailure, isRetryable } from './sts-failure.ts';
import { describeClaims, readWebIdentityToken, type WebIdentityToken } from './web-identity-token.ts';

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

/** What a role was assumed with instead of source credentials: an id token, read from its file. */
export interface TokenSource {
  kind: 'web-identity-token';
  label: string;
  roleSession: false;
  token: WebIdentityToken;
}

export interface AssumedRole {
  credentials: TemporaryCredentials;
  /** arn:aws:sts::<account>:assumed-role/<role>/<session> */
  assumedRoleArn: string;
  source: SourceCredentials | TokenSource;
  attempts: number;
}

/** What AssumeRole and AssumeRoleWithWebIdentity answer that is used here. */
interface AssumeAnswer {
  Credentials?:
    | {
        AccessKeyId?: string | undefined;
        SecretAccessKey?: string | undefined;
        SessionToken?: string | undefined;
        Expiration?: Date | undefined;
      }
    | undefined;
  AssumedRoleUser?: { Arn?: string | undefined } | undefined;
}

/** Never asked for: AssumeRoleWithWebIdentity is unsigned, and no source is looked up for it. */
const NO_CREDENTIALS = async (): Promise<AwsCredentials> => {
  throw new Error('AssumeRoleWithWebIdentity needs no credentials; none are looked up');
};

/** Where the STS region came from. */
export type RegionOrigin = 'given' | 'profile' | 'default';

/**
 * The given region, else the profile's (read the SDK's way), else us-east-1. Not the
 * SDK's last resort, instance metadata: a laptop would wait a second for it.
 */
export async function resolveStsRegion(
  region: string | undefined,
  profile: string | undefined,
  env: Environment,
  roleArn?: string,
): Promise<{ region: string; origin: RegionOrigin }> {
  if (region !== undefined) return { region, origin: 'given' };
  const sdk = await loadStsSdk();
  const name = profile ?? (env.AWS_PROFILE || 'default');
  const found = await sdk
    .loadConfig<string | undefined>(
      {
        environmentVariableSelector: () => undefined,
        configFileSelector: (section) => section.region,
        default: () => undefined,
      },
      { ...sdk.NODE_REGION_CONFIG_FILE_OPTIONS, profile: name, ...(env.AWS_CONFIG_FILE ? { configFilepath: env.AWS_CONFIG_FILE } : {}) },
    )()
    .catch(() => undefined);
  return typeof found === 'string' && found !== ''
    ? { region: found, origin: 'profile' }
    : { region: defaultRegionOf(roleArn), origin: 'default' };
}

/** A static STS client for one set of credentials: no SDK retries (ours apply), HTTP timeouts, the proxy and CA bundle. */
export function createStsClient(
  sdk: StsSdk,
  region: string,
  endpoint: string | undefined,
  credentials: AwsCredentials | (() => Promise<AwsCredentials>),
  handler: HandlerOptions,
) {
  return new sdk.STSClient({
    region,
    ...(endpoint === undefined ? {} : { endpoint }),
    credentials,
    maxAttempts: 1,
    requestHandler: handler,
  });
}

/** The request handler for STS in `region` at `endpoint` (configured, else regional), and the proxy it goes through. */
export function stsHandler(region: string, endpoint: string | undefined, network: NetworkSettings, env: Environment) {
  return handlerFor(new URL(stsEndpointUrl(endpoint, region)), network, env);
}

/** AssumeRole's parameters for session tags, source identity and session policies: only those asked for. */
function assumeRoleExtras(session: SessionAttributes) {
  return {
    ...(session.tags.length === 0 ? {} : { Tags: session.tags.map((tag) => ({ Key: tag.key, Value: tag.value })) }),
    ...(session.transitiveTagKeys.length === 0 ? {} : { TransitiveTagKeys: session.transitiveTagKeys }),
    ...(session.sourceIdentity === undefined ? {} : { SourceIdentity: session.sourceIdentity }),
    ...sessionPolicies(session),
  };
}

/** Session policies: what AssumeRoleWithWebIdentity takes of the attributes too. */
function sessionPolicies(session: SessionAttributes) {
  return {
    ...(session.policy === undefined ? {} : { Policy: session.policy }),
    ...(session.policyArns.length === 0 ? {} : { PolicyArns: session.policyArns.map((arn) => ({ arn })) }),
  };
}

/** The ARN of whoever `credentials` belong to, or undefined when STS will not say within 3 s. */
export async function getCallerArn(
  region: string,
  endpoint: string | undefined,
  credentials: AwsCredentials,
  reach: { network: NetworkSettings; env: Environment },
): Promise<string | undefined> {
  try {
    const sdk = await loadStsSdk();
    const { options } = await stsHandler(region, endpoint, reach.network, reach.env);
    const client = createStsClient(sdk, region, endpoint, credentials, options);
    try {
      const answer = await client.send(new sdk.GetCallerIdentityCommand({}), { abortSignal: AbortSignal.timeout(3000) });
      return answer.Arn;
    } finally {
      client.destroy();
    }
  } catch {
    return undefined;
  }
}

function raceDeadline<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const abort = () => reject(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

function deadlineError(input: AssumeRoleInput): DOMException {
  return new DOMException(`no credentials within ${input.assumeTimeoutSeconds} s`, 'AbortError');
}

/**
 * Assumes `input.target` with source credentials from the SDK's chain. Retries
 * throttling, 5xx, network errors and timeouts with full-jitter backoff until the
 * --assume-timeout deadline; refusals fail at once. Throws typed errors only.
 */
export async function assumeTargetRole(input: AssumeRoleInput): Promise<AssumedRole> {
  const clock = input.clock ?? systemClock;
  const deadline = clock.now() + input.assumeTimeoutSeconds * 1000;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(deadlineError(input)), input.assumeTimeoutSeconds * 1000);
  timer.unref();
  const endpoint = configuredEndpoint('STS', input.endpointUrl, input.env);
  const context: FailureContext = {
    roleArn: input.target.roleArn,
    durationSeconds: input.target.durationSeconds,
    region: input.region,
    endpoint: `STS at ${stsEndpointUrl(endpoint, input.region)}`,
    sourceLabel: input.sourceCredentials?.label ?? 'the source credentials',
    attempts: 0,
    assumeTimeoutSeconds: input.assumeTimeoutSeconds,
    externalId: input.target.externalId,
    session: input.target.session,
  };
  let source: SourceCredentials | TokenSource | undefined = input.sourceCredentials;
  let proxy: URL | undefined;
  let client: ReturnType<typeof createStsClient> | undefined;
  let attempts = 0;
  try {
    const handler = await stsHandler(input.region, endpoint, input.network, input.env);
    proxy = handler.proxy.proxy;
    if (input.log !== undefined) {
      const shown = describeNetwork(new URL(stsEndpointUrl(endpoint, input.region)), input.network, input.env);
      input.log(`proxy: ${shown.proxy}; CA bundle: ${shown.caBundle}`);
    }
    if (proxy !== undefined) {
      context.proxy = redactProxy(proxy);
      context.endpoint = `${context.endpoint} through the proxy ${context.proxy}`;
    }
    let send: (signal: AbortSignal) => Promise<AssumeAnswer>;
    const sdk = await loadStsSdk();
    const request = {
      RoleArn: input.target.roleArn,
      RoleSessionName: input.target.sessionName,
      DurationSeconds: input.target.durationSeconds,
    };
    if (input.webIdentityTokenFile !== undefined) {
      // Read at each assumption: a refresh sends the file's current token.
      const token = readWebIdentityToken(input.webIdentityTokenFile);
      source = { kind: 'web-identity-token', label: `the web identity token ${token.path}`, roleSession: false, token };
      context.sourceLabel = source.label;
      context.webIdentity = token;
      input.log?.(`web identity token ${token.path}: ${describeClaims(token.claims, clock.now())}; no source credentials`);
      const sts = createStsClient(sdk, input.region, endpoint, NO_CREDENTIALS, handler.options);
      client = sts;
      const command = new sdk.AssumeRoleWithWebIdentityCommand({
        ...request,
        WebIdentityToken: token.token,
        ...sessionPolicies(input.target.session),
      });
      send = (signal) => sts.send(command, { abortSignal: signal });
    } else {
      const known =
        source ??
        (await raceDeadline(
          resolveSourceCredentials(
            { profile: input.profile, region: input.region, endpointUrl: endpoint, handler: handler.options },
            input.env,
          ),
          controller.signal,
        ));
      source = known;
      context.sourceLabel = known.label;
      input.log?.(`source credentials: ${known.label}`);
      if (known.roleSession && input.target.durationSeconds > ROLE_CHAINING_CAP_SECONDS) {
        throw chainingCapError(input.target.durationSeconds, known.label);
      }
      const sts = createStsClient(sdk, input.region, endpoint, known.credentials, handler.options);
      client = sts;
      const command = new sdk.AssumeRoleCommand({
        ...request,
        ...(input.target.externalId === undefined ? {} : { ExternalId: input.target.externalId }),
        ...assumeRoleExtras(input.target.session),
      });
      send = (signal) => sts.send(command, { abortSignal: signal });
    }
    const answer = await retryTransient(
      async (attempt) => {
        attempts = attempt;
        return send(controller.signal);
      },
      {
        policy: input.retryPolicy ?? DEFAULT_RETRY_POLICY,
        clock,
        deadline,
        signal: controller.signal,
        isRetryable: (error) => isRetryable(classifyStsFailure(error, proxy !== undefined)),
        onRetry: (attempt, delay, error) =>
          input.log?.(`attempt ${attempt} failed (${classifyStsFailure(error, proxy !== undefined).code}); retrying in ${delay} ms`),
      },
    );
    const credentials = answer.Credentials;
    if (
      !credentials?.AccessKeyId ||
      !credentials.SecretAccessKey ||
      !credentials.SessionToken ||
      !(credentials.Expiration instanceof Date) ||
      !answer.AssumedRoleUser?.Arn
    ) {
      throw Object.assign(new Error('Deserialization error: the AssumeRole answer lacks credentials'), {
        $metadata: { httpStatusCode: 200 },
      });
    }
    checkAllowedAccount(answer.AssumedRoleUser.Arn, input.target.allowedAccounts, 'after');
    return {
      credentials: {
        accessKeyId: credentials.AccessKeyId,
        secretAccessKey: credentials.SecretAccessKey,
        sessionToken: credentials.SessionToken,
        expiration: credentials.Expiration,
      },
      assumedRoleArn: answer.AssumedRoleUser.Arn,
      source,
      attempts,
    };
  } catch (caught) {
    if (isWithAssumedRoleError(caught)) throw caught;
    const exhausted = caught instanceof RetriesExhausted ? caught : undefined;
    const classified = classifyStsFailure(exhausted?.lastError ?? caught, proxy !== undefined);
    // Whatever an error said, it says it without the proxy's password.
    const failure = { ...classified, message: withoutProxyPassword(classified.message, proxy) };
    context.attempts = Math.max(attempts, 1);
    if (failure.kind === 'aborted' && source === undefined) {
      throw new TemporaryFailureError(
        `--assume-timeout ${input.assumeTimeoutSeconds}: no source credentials within ${input.assumeTimeoutSeconds} s`,
        {
          fix: 'see where they are looked for with withAssumedRole doctor; off EC2, set AWS_EC2_METADATA_DISABLED=true or pass --profile',
        },
      );
    }
    if (
      failure.kind === 'refused' &&
      failure.code.startsWith('AccessDenied') &&
      source !== undefined &&
      source.kind !== 'web-identity-token'
    ) {
      // Best effort, for the message only: who we were when STS said no.
      context.sourceIdentityArn = await getCallerArn(input.region, endpoint, source.credentials, input);
    }
    throw explainStsFailure(failure, context);
  } finally {
    clearTimeout(timer);
    client?.destroy();
  }
}
