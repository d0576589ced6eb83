import { UsageError } from '../errors.ts';
import { partitionOfRegion } from './partition.ts';

const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
const ROLE_NAME = /^((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
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

/** Builds the role ARN from --role and --account, in the partition of `region`. */
export function buildRoleArn(role: string, account: string, region: string | undefined): string {
  if (!ACCOUNT.test(account)) {
    throw new UsageError(`--account "${account}": not an AWS account ID; expected 12 digits`, {
      fix: 'pass the 12-digit ID of the account that owns the role, e.g. --account 521111111144',
    });
  }
  if (role.startsWith('arn:')) {
    throw new UsageError(`--role "${role}": is an ARN; --role takes the role's name`, {
      fix: `pass it as --role-arn ${role}, without --account`,
    });
  }
  if (!ROLE_NAME.test(role)) {
    throw new UsageError(`--role "${role}": not a role name; IAM allows 1-64 characters of letters, digits and +=,.@_-`, {
      fix: 'pass the role name as IAM shows it, e.g. --role DeployMaster',
    });
  }
  return `arn:${partitionOfRegion(region)}:iam::${account}:role/${role}`;
}
