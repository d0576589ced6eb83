import { describe, expect, it } from 'vitest';
import { buildPolicySet, ec2TrustPolicy, trustedPrincipal } from '../../../src/iam/policy-documents.ts';
import { hclString } from '../../../src/iam/render-terraform.ts';

const setup = { partition: 'aws', targetAccount: '521111111144', sourceAccount: '123456789012', role: 'RoleForB' };

describe('policy documents', () => {
  it.each([
    [{ ...setup }, 'arn:aws:iam::123456789012:root'],
    [{ ...setup, sourceRole: 'AssumeRoleInA' }, 'arn:aws:iam::123456789012:role/AssumeRoleInA'],
    [{ ...setup, partition: 'aws-us-gov' }, 'arn:aws-us-gov:iam::123456789012:root'],
  ])('%j trusts %s', (input, principal) => expect(trustedPrincipal(input)).toBe(principal));

  it('adds sts:ExternalId only when given', () => {
    expect(buildPolicySet(setup).targetTrustPolicy.Statement[0]).not.toHaveProperty('Condition');
    expect(buildPolicySet({ ...setup, externalId: 'x' }).targetTrustPolicy.Statement[0]?.Condition).toEqual({
      StringEquals: { 'sts:ExternalId': 'x' },
    });
  });

  it('lets EC2 in China use its own service principal', () => {
    expect(ec2TrustPolicy('aws-cn').Statement[0]?.Principal).toEqual({ Service: 'ec2.amazonaws.com.cn' });
  });
});

describe('hclString', () => {
  it.each([
    ['plain', '"plain"'],
    ['quote " and \\ backslash', '"quote \\" and \\\\ backslash"'],
    [`${'$'}{var.x} and %{ if }`, `"${'$$'}{var.x} and %%{ if }"`],
  ])('%s -> %s', (value, expected) => expect(hclString(value)).toBe(expected));
});
