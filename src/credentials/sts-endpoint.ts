/** How to name the STS endpoint in messages: the configured URL, else the regional one the SDK uses. */
export function stsEndpointLabel(endpoint: string | undefined, region: string): string {
  if (endpoint !== undefined) return `STS at ${endpoint}`;
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `STS at https://sts.${region}.${suffix}`;
}
