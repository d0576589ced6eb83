// The STS client the wrapper's own calls use: one set of credentials, no SDK
// retries (ours apply), HTTP timeouts, the proxy and CA bundle; and who a set of
// credentials belongs to, for messages.
import { stsEndpointUrl } from '../aws/endpoints.ts';
import { type HandlerOptions, handlerFor } from '../aws/http-handler.ts';
import { loadStsSdk, type StsSdk } from '../aws/load-sdk.ts';
import type { Environment } from '../domain/environment.ts';
import type { NetworkSettings } from '../domain/network.ts';
import type { AwsCredentials } from './source-credentials.ts';

/** A static STS client for one set of credentials (or a provider of them). */
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

export type StsClient = ReturnType<typeof createStsClient>;

/** The request handler for STS in `region` at `endpoint` (configured, else regional), and the proxy it goes through. */
export function stsHandler(region: string, endpoint: string | undefined, network: NetworkSettings, env: Environment) {
  return handlerFor(new URL(stsEndpointUrl(endpoint, region)), network, env);
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
