// Lazy loaders for the SDK modules: nothing AWS loads until a command needs it.
import { ConfigurationError } from '../domain/errors.ts';

export type StsSdk = typeof import('./sts-sdk.ts');
export type ProvidersSdk = typeof import('./providers-sdk.ts');
export type Ec2Sdk = typeof import('./ec2-sdk.ts');

let sts: Promise<StsSdk> | undefined;
let providers: Promise<ProvidersSdk> | undefined;
let ec2: Promise<Ec2Sdk> | undefined;

/** The STS client, its commands and the shared-config reader. */
export function loadStsSdk(): Promise<StsSdk> {
  sts ??= import('./sts-sdk.ts');
  return sts;
}

/** The credential providers: profiles, SSO, web identity, container, instance metadata. */
export function loadProvidersSdk(): Promise<ProvidersSdk> {
  providers ??= import('./providers-sdk.ts');
  return providers;
}

/** The EC2 client and DescribeInstances. */
export function loadEc2Sdk(): Promise<Ec2Sdk> {
  ec2 ??= loadPart('verify', () => import('./ec2-sdk.ts'));
  return ec2;
}

/**
 * A part of the CLI bundled apart (scripts/build.ts): the Jenkins step ships the
 * main file alone, which has no --help, policies or verify. Said so, not a stack trace.
 */
export async function loadPart<T>(what: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new ConfigurationError(`${what}: not in this copy of withAssumedRole (the Jenkins step's, which has what the step runs)`, {
      fix: `run ${what} with the installed withAssumedRole (npm install the package)`,
      cause: error,
    });
  }
}
