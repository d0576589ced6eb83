// Where AWS clients send requests, and how long they wait: shared by STS and EC2.
import type { Environment } from '../domain/environment.ts';

/**
 * The endpoint a service's client is pointed at, when one is configured: the given
 * URL, else AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL, as the SDKs read them.
 * Undefined: the SDK picks the regional one.
 */
export function configuredEndpoint(service: 'STS' | 'EC2', given: string | undefined, env: Environment): string | undefined {
  return given ?? (env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL || undefined);
}

/** The STS URL requests go to: the configured one, else the regional one the SDK uses. */
export function stsEndpointUrl(configured: string | undefined, region: string): string {
  return configured ?? `https://sts.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`;
}
