import { UsageError } from './errors.ts';
import { partitionOfRegion } from './partition.ts';

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
const ROLE_NAME = /^((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
const ROLE_NAME_ONLY = /^[\w+=,.@-]{1,64}$/;
const ACCOUNT = /^\d{12}$/;
/** The partitions AWS has. */
export const KNOWN_PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'];

/** The account of any ARN that has one: `arn:aws:sts::521111111144:assumed-role/...` -> `521111111144`. */
export const accountOfArn = (arn: string) => arn.split(':')[4] ?? '';

export interface RoleArnParts {
  partition: string;
  account: string;
  /** The role's path without slashes at either end, '' for the root path. */
  path: string;
  name: string;
}

/** The parts of an IAM role ARN, or undefined when it is not one. */
export function parseRoleArn(arn: string): RoleArnParts | undefined {
  const match = ROLE_ARN.exec(arn);
  if (match === null) return undefined;
  const [, partition, account, path, name] = match as unknown as [string, string, string, string, string];
  return { partition, account, path: path.replace(/\/$/, ''), name };
}

/** Checks --role-arn: `arn:<partition>:iam::<12 digits>:role/[path/]<name>`, in a partition AWS has. */
export function validateRoleArn(arn: string, flag = '--role-arn'): string {
  const parts = parseRoleArn(arn);
  if (parts === undefined) {
    throw new UsageError(`${flag} "${arn}": not an IAM role ARN; expected arn:aws:iam::<12-digit account>:role/<name>`, {
      fix: `pass the ARN of the role to assume, e.g. ${flag} arn:aws:iam::521111111144:role/DeployMaster`,
    });
  }
  if (!KNOWN_PARTITIONS.includes(parts.partition)) {
    throw new UsageError(`${flag} "${arn}": ${parts.partition} is not an AWS partition; they are ${KNOWN_PARTITIONS.join(', ')}`, {
      fix: `check the ARN's second field, e.g. ${flag} arn:aws:iam::521111111144:role/DeployMaster`,
    });
  }
  return arn;
}

/** A role in one partition is assumed through STS in a region of that partition: say so before STS does, obscurely. No region: the default follows the ARN (defaultRegionOf). */
export function checkPartitionRegion(arn: string, region: string | undefined, flag = '--role-arn'): void {
  const partition = parseRoleArn(arn)?.partition ?? 'aws';
  const regionPartition = partitionOfRegion(region);
  if (region !== undefined && regionPartition !== partition) {
    throw new UsageError(`${flag} "${arn}": a role in the ${partition} partition, but the region ${region} is in ${regionPartition}`, {
      fix: `pass a region of ${partition} with --region, or the ARN of a role in ${regionPartition}`,
    });
  }
}

/** Checks a 12-digit account ID (--account, --target-account, --source-account). */
export function validateAccount(account: string, flag = '--account'): string {
  if (!ACCOUNT.test(account)) {
    throw new UsageError(`${flag} "${account}": not an AWS account ID; expected 12 digits`, {
      fix: `pass a 12-digit account ID, e.g. ${flag} 521111111144`,
    });
  }
  return account;
}

/** Checks a role name (with an optional path when `path` is allowed): not an ARN, IAM's alphabet. */
export function validateRoleName(role: string, flag = '--role', { path = true } = {}): string {
  if (role.startsWith('arn:')) {
    throw new UsageError(`${flag} "${role}": is an ARN; ${flag} takes the role's name`, {
      fix: flag === '--role' ? `pass it as --role-arn ${role}, without --account` : 'pass the last part of the ARN, the role name',
    });
  }
  if (!(path ? ROLE_NAME : ROLE_NAME_ONLY).test(role)) {
    throw new UsageError(`${flag} "${role}": not a role name; IAM allows 1-64 characters of letters, digits and +=,.@_-`, {
      fix: `pass the role name as IAM shows it, e.g. ${flag} DeployMaster`,
    });
  }
  return role;
}

/** Builds the role ARN from --role and --account, in the partition of `region`. */
export function buildRoleArn(role: string, account: string, region: string | undefined): string {
  return `arn:${partitionOfRegion(region)}:iam::${validateAccount(account)}:role/${validateRoleName(role)}`;
}

const PRINCIPAL_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):(root|(?:role|user)\/[\w+=,.@/-]+)$/;

/** Checks a principal for a trust policy: an IAM role, user or account-root ARN. */
export function validatePrincipalArn(arn: string, flag = '--also-trust'): string {
  if (!PRINCIPAL_ARN.test(arn) || !KNOWN_PARTITIONS.includes(arn.split(':')[1] as string)) {
    throw new UsageError(`${flag} "${arn}": not an IAM role, user or root ARN`, {
      fix: `pass e.g. ${flag} arn:aws:iam::521111111144:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Deployers_0123456789abcdef`,
    });
  }
  return arn;
}

/** The STS region when none is set anywhere: us-east-1, or the ARN's partition's own (cn-north-1, us-gov-west-1). */
export function defaultRegionOf(roleArn: string | undefined): string {
  const partition = roleArn === undefined ? 'aws' : (parseRoleArn(roleArn)?.partition ?? 'aws');
  return { 'aws-cn': 'cn-north-1', 'aws-us-gov': 'us-gov-west-1' }[partition] ?? 'us-east-1';
}

/** `arn:aws:sts::123:assumed-role/AssumeRoleInA/i-0abc` -> account 123, role AssumeRoleInA. */
export function parseIdentityArn(arn: string): { partition: string; account: string; role?: string; user?: string } | undefined {
  const match = /^arn:([\w-]+):(?:sts|iam)::(\d{12}):(assumed-role|role|user)\/(?:.*\/)?([^/]+?)(?:\/[^/]+)?$/.exec(arn);
  if (match === null) return undefined;
  const [, partition = 'aws', account = '', type, name = ''] = match;
  if (type === 'user') return { partition, account, user: name };
  const assumed = /^arn:[\w-]+:sts::\d{12}:assumed-role\/([^/]+)\//.exec(arn);
  return { partition, account, role: assumed?.[1] ?? name };
}
