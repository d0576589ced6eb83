import { describe, expect, it } from 'vitest';
import { partitionOfRegion } from '../../../src/domain/partition.ts';
import { buildRoleArn, parseRoleArn, validateRoleArn } from '../../../src/domain/role-arn.ts';

describe('role ARNs', () => {
  it.each([
    ['arn:aws:iam::521111111144:role/DeployMaster', { partition: 'aws', account: '521111111144', path: '', name: 'DeployMaster' }],
    [
      'arn:aws-cn:iam::521111111144:role/ci/deploy/RoleForB',
      { partition: 'aws-cn', account: '521111111144', path: 'ci/deploy', name: 'RoleForB' },
    ],
    ['arn:aws:iam::52111111114:role/x', undefined],
    ['arn:aws:iam::521111111144:user/x', undefined],
    ['arn:aws:sts::521111111144:assumed-role/x/y', undefined],
    ['DeployMaster', undefined],
  ])('parseRoleArn(%s)', (arn, expected) => expect(parseRoleArn(arn)).toEqual(expected));

  it('validateRoleArn refuses what is not a role ARN, naming the flag', () => {
    expect(() => validateRoleArn('arn:aws:iam::1:role/x')).toThrowError('--role-arn "arn:aws:iam::1:role/x": not an IAM role ARN');
  });

  it.each([
    ['DeployMaster', '521111111144', undefined, 'arn:aws:iam::521111111144:role/DeployMaster'],
    ['DeployMaster', '521111111144', 'eu-west-1', 'arn:aws:iam::521111111144:role/DeployMaster'],
    ['RoleForB', '521111111144', 'cn-north-1', 'arn:aws-cn:iam::521111111144:role/RoleForB'],
    ['RoleForB', '521111111144', 'us-gov-west-1', 'arn:aws-us-gov:iam::521111111144:role/RoleForB'],
    ['ci/RoleForB', '521111111144', undefined, 'arn:aws:iam::521111111144:role/ci/RoleForB'],
  ])('buildRoleArn(%s, %s, %s) = %s', (role, account, region, expected) => expect(buildRoleArn(role, account, region)).toBe(expected));

  it.each([
    ['DeployMaster', '1234', '--account "1234": not an AWS account ID'],
    ['arn:aws:iam::521111111144:role/x', '521111111144', "is an ARN; --role takes the role's name"],
    ['bad name', '521111111144', '--role "bad name": not a role name'],
  ])('buildRoleArn(%s, %s) is refused', (role, account, message) => {
    expect(() => buildRoleArn(role, account, undefined)).toThrowError(message);
  });

  it.each([
    ['us-east-1', 'aws'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-east-1', 'aws-us-gov'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
    [undefined, 'aws'],
  ])('partitionOfRegion(%s) = %s', (region, partition) => expect(partitionOfRegion(region)).toBe(partition));
});
