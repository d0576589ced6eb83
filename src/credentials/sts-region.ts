// The region STS is asked in: the given one, the profile's, else the role's
// partition's default. Not the SDK's last resort, instance metadata: a laptop would
// wait a second for it.
import { loadStsSdk } from '../aws/load-sdk.ts';
import type { Environment } from '../domain/environment.ts';
import { defaultRegionOf } from '../domain/role-arn.ts';

/** Where the STS region came from. */
export type RegionOrigin = 'given' | 'profile' | 'default';

/** The given region, else the profile's (read the SDK's way), else us-east-1 (or the role's partition's). */
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
