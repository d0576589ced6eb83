// Lazy loaders for the SDK modules: nothing AWS loads until a command needs it.

export type StsSdk = typeof import('./sts-sdk.ts');
export type Ec2Sdk = typeof import('./ec2-sdk.ts');

let sts: Promise<StsSdk> | undefined;
let ec2: Promise<Ec2Sdk> | undefined;

/** The STS client, its commands and the credential providers. */
export function loadStsSdk(): Promise<StsSdk> {
  sts ??= import('./sts-sdk.ts');
  return sts;
}

/** The EC2 client and DescribeInstances. */
export function loadEc2Sdk(): Promise<Ec2Sdk> {
  ec2 ??= import('./ec2-sdk.ts');
  return ec2;
}
