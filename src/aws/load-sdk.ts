// Lazy loaders for the SDK modules: nothing AWS loads until a command needs it.

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
  ec2 ??= import('./ec2-sdk.ts');
  return ec2;
}
