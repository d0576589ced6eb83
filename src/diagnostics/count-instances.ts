// ec2:DescribeInstances in one region with the assumed credentials: the manual flow's
// closing check ("does it work?"), answered per region.
import { configuredEndpoint } from '../aws/endpoints.ts';
import { handlerFor } from '../aws/http-handler.ts';
import { loadEc2Sdk } from '../aws/load-sdk.ts';
import type { TemporaryCredentials } from '../credentials/assume-role.ts';
import { classifyStsFailure } from '../credentials/sts-failure.ts';
import type { Environment } from '../domain/environment.ts';
import type { NetworkSettings } from '../domain/network.ts';

export type RegionCheck =
  | { region: string; describeInstances: 'allowed'; instances: number }
  | { region: string; describeInstances: 'denied' | 'failed'; code: string; message: string };

const REFUSALS = new Set(['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException', 'AuthFailure', 'OptInRequired', 'Blocked']);

/** Counts the instances the credentials see in `region`, every page, or says why it could not. */
export async function countInstances(
  region: string,
  credentials: TemporaryCredentials,
  env: Environment,
  network: NetworkSettings,
): Promise<RegionCheck> {
  const sdk = await loadEc2Sdk();
  const endpoint = configuredEndpoint('EC2', undefined, env);
  const { options } = await handlerFor(new URL(endpoint ?? `https://ec2.${region}.amazonaws.com`), network, env);
  const client = new sdk.EC2Client({
    region,
    credentials,
    ...(endpoint === undefined ? {} : { endpoint }),
    requestHandler: options,
  });
  try {
    let instances = 0;
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new sdk.DescribeInstancesCommand({ MaxResults: 1000, ...(nextToken ? { NextToken: nextToken } : {}) }),
        {
          abortSignal: AbortSignal.timeout(30_000),
        },
      );
      for (const reservation of page.Reservations ?? []) instances += reservation.Instances?.length ?? 0;
      nextToken = page.NextToken;
    } while (nextToken);
    return { region, describeInstances: 'allowed', instances };
  } catch (error) {
    const failure = classifyStsFailure(error);
    return { region, describeInstances: REFUSALS.has(failure.code) ? 'denied' : 'failed', code: failure.code, message: failure.message };
  } finally {
    client.destroy();
  }
}
