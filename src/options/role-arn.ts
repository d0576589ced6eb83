import { UsageError } from '../errors.ts';
import { partitionOfRegion } from './partition.ts';

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
const ROLE_NAME = /^((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
const ROLE_NAME_ONLY = /^[\w+=,.@-]{1,64}$/;
const ACCOUNT = /^\d{12}$/;

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

/** Checks --role-arn: `arn:<partition>:iam::<12 digits>:role/[path/]<name>`. */
export function validateRoleArn(arn: string, flag = '--role-arn'): string {
  if (parseRoleArn(arn) === undefined) {
    throw new UsageError(`${flag} "${arn}": not an IAM role ARN; expected arn:aws:iam::<12-digit account>:role/<name>`, {
      fix: `pass the ARN of the role to assume, e.g. ${flag} arn:aws:iam::521111111144:role/DeployMaster`,
    });
  }
  return arn;
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
