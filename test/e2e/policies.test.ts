// policies: the documents are accepted by IAM as they are (moto validates policy
// grammar), the CloudFormation templates pass cfn-lint and deploy in moto, and the
// Terraform parses as HCL with the same documents inside.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { buildPolicySet } from '../../src/iam/policy-documents.ts';
import { commandWorks } from '../support/available.ts';
import { cleanEnv, runCli } from '../support/cli.ts';
import { createUserKeys, describeWithMoto } from '../support/moto.ts';
import { ACCOUNT_A, ACCOUNT_B } from '../support/sts-world.ts';

const setup = (role: string, sourceRole: string) => [
  '--target-account',
  ACCOUNT_A,
  '--source-account',
  ACCOUNT_B,
  '--role',
  role,
  '--source-role',
  sourceRole,
];
const SETUP = setup('RoleForB', 'AgentRole');
/** The role people assume to reproduce a CI run locally: --also-trust. */
const PEOPLE = `arn:aws:iam::${ACCOUNT_A}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Deployers_0123456789abcdef`;
const policies = async (...args: string[]) => {
  const result = await runCli(['policies', ...SETUP, ...args], { env: cleanEnv() });
  expect(result.exitCode).toBe(0);
  return result.stdout;
};
const halves = (text: string) => text.split(/^---\n/m);

describe('policies --format json', () => {
  it('labels the three documents with the account and role they belong to', async () => {
    const printed = JSON.parse(await policies('--external-id', 'deploy-ext-1'));
    expect(printed.targetRoleTrustPolicy).toMatchObject({ account: ACCOUNT_A, role: 'RoleForB' });
    expect(printed.targetRoleTrustPolicy.document.Statement[0]).toMatchObject({
      Principal: { AWS: `arn:aws:iam::${ACCOUNT_B}:role/AgentRole` },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': 'deploy-ext-1' } },
    });
    expect(printed.sourceRolePermissionPolicy).toMatchObject({ account: ACCOUNT_B, role: 'AgentRole', policyName: 'AssumeDeployRole' });
    expect(printed.sourceRolePermissionPolicy.document.Statement[0].Resource).toBe(`arn:aws:iam::${ACCOUNT_A}:role/RoleForB`);
    expect(printed.sourceRoleTrustPolicy.document.Statement[0].Principal).toEqual({ Service: 'ec2.amazonaws.com' });
  });

  it('--also-trust adds principals to the trust policy, repeated or comma-separated; refuses what is not an IAM principal', async () => {
    const other = `arn:aws:iam::${ACCOUNT_B}:user/alice`;
    const printed = JSON.parse(await policies('--also-trust', `${PEOPLE},${other}`));
    expect(printed.targetRoleTrustPolicy.document.Statement[0].Principal.AWS).toEqual([
      `arn:aws:iam::${ACCOUNT_B}:role/AgentRole`,
      PEOPLE,
      other,
    ]);
    const repeated = JSON.parse(await policies('--also-trust', PEOPLE, '--also-trust', other));
    expect(repeated.targetRoleTrustPolicy.document).toEqual(printed.targetRoleTrustPolicy.document);
    const bad = await runCli(['policies', ...SETUP, '--also-trust', 'alice'], { env: cleanEnv() });
    expect(bad.exitCode).toBe(64);
    expect(bad.stderr).toContain('withAssumedRole: --also-trust "alice": not an IAM role, user or root ARN');
  });

  it('trusts the whole source account without --source-role, in the region partition', async () => {
    const result = await runCli(
      ['policies', '--target-account', ACCOUNT_A, '--source-account', ACCOUNT_B, '--role', 'RoleForB', '--region', 'cn-north-1'],
      { env: cleanEnv() },
    );
    const printed = JSON.parse(result.stdout);
    expect(printed.targetRoleTrustPolicy.document.Statement[0].Principal.AWS).toBe(`arn:aws-cn:iam::${ACCOUNT_B}:root`);
    expect(printed.sourceRoleTrustPolicy.document.Statement[0].Principal.Service).toBe('ec2.amazonaws.com.cn');
    expect(printed.sourceRolePermissionPolicy.role).toBe('jenkins-agent');
  });
});

describe('policies --format terraform', () => {
  it('is HCL holding the same documents, one configuration per account', async () => {
    const [source, target] = halves(await policies('--format', 'terraform'));
    const documents = buildPolicySet({
      partition: 'aws',
      targetAccount: ACCOUNT_A,
      sourceAccount: ACCOUNT_B,
      role: 'RoleForB',
      sourceRole: 'AgentRole',
    });
    // hcl2json's shape: blocks by type and name, each a list; expressions as "${...}" strings.
    type Hcl = { resource: Record<string, Record<string, Record<string, string>[]>>; variable: Record<string, { default: string }[]> };
    const parsedSource = (await parseHcl('source.tf', source as string)) as Hcl;
    const parsedTarget = (await parseHcl('target.tf', target as string)) as Hcl;
    const policyOf = (expression: string) =>
      JSON.parse(
        expression
          .replace(/^\$\{jsonencode\(/, '')
          .replace(/\)\}$/, '')
          .replaceAll('$${', '${'),
      );
    const agent = parsedSource.resource.aws_iam_role?.agent?.[0] ?? {};
    expect(agent.name).toBe('AgentRole');
    expect(policyOf(agent.assume_role_policy ?? '')).toEqual(documents.sourceTrustPolicy);
    expect(policyOf(parsedSource.resource.aws_iam_role_policy?.assume_deploy_role?.[0]?.policy ?? '')).toEqual(
      documents.sourcePermissionPolicy,
    );
    expect(parsedSource.resource.aws_iam_instance_profile?.agent?.[0]?.role).toBe(['$', '{aws_iam_role.agent.name}'].join(''));
    const deploy = parsedTarget.resource.aws_iam_role?.deploy?.[0] ?? {};
    expect(deploy.name).toBe('RoleForB');
    expect(policyOf(deploy.assume_role_policy ?? '')).toEqual(documents.targetTrustPolicy);
    expect(parsedTarget.variable.deploy_policy_arn?.[0]?.default).toBe('arn:aws:iam::aws:policy/ReadOnlyAccess');
  });
});

const lintable = commandWorks('cfn-lint') || Boolean(process.env.CI);
if (!lintable) console.warn('NOTICE: cfn-lint not found; skipping the CloudFormation lint. Install it with pip install cfn-lint.');

// cfn-lint (Python, its whole rule set) takes seconds alone and more on a busy machine: not the default 30 s.
describe.skipIf(!lintable)('policies --format cloudformation', { timeout: 120_000 }, () => {
  it('passes cfn-lint, one template per account, written as one file each with --out-dir', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'war-cfn-')), 'templates');
    const printed = await policies('--format', 'cloudformation', '--external-id', 'x-1', '--also-trust', PEOPLE, '--out-dir', dir);
    const files = printed.trim().split('\n');
    expect(files).toEqual([join(dir, `account-b-${ACCOUNT_B}.yaml`), join(dir, `account-a-${ACCOUNT_A}.yaml`)]);
    expect(halves(await policies('--format', 'cloudformation', '--external-id', 'x-1', '--also-trust', PEOPLE))).toEqual(
      files.map((file) => readFileSync(file, 'utf8')),
    );
    const lint = await execa('cfn-lint', files, { reject: false });
    expect(lint.stdout).toBe('');
    expect(lint.exitCode).toBe(0);
  });
});

describeWithMoto('the documents in IAM (moto)', (world) => {
  const asAccount = async (account: string, user: string) => {
    const keys = await createUserKeys(world().url, account, user);
    return cleanEnv({
      AWS_ACCESS_KEY_ID: keys.accessKeyId,
      AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
      AWS_ENDPOINT_URL: world().url,
      AWS_DEFAULT_REGION: 'us-east-1',
    });
  };
  const aws = (env: Record<string, string | undefined>, ...args: string[]) => execa('aws', args, { env, extendEnv: false, reject: false });
  const putRolePolicy = (env: Record<string, string | undefined>, role: string, name: string, document: string) =>
    aws(env, 'iam', 'put-role-policy', '--role-name', role, '--policy-name', name, '--policy-document', document);

  it('accepts each JSON document as it is, and refuses a broken one', async () => {
    // RoleForB exists in the two-account world already; these documents go to roles of their own.
    const json = await runCli(['policies', ...setup('JsonDeploy', 'AgentRole'), '--external-id', 'deploy-ext-1', '--also-trust', PEOPLE], {
      env: cleanEnv(),
    });
    const printed = JSON.parse(json.stdout);
    const inB = await asAccount(ACCOUNT_B, 'admin-json-b');
    const inA = await asAccount(ACCOUNT_A, 'admin-json-a');
    const doc = (name: string) => JSON.stringify(printed[name].document);
    expect(
      (await aws(inB, 'iam', 'create-role', '--role-name', 'AgentRole', '--assume-role-policy-document', doc('sourceRoleTrustPolicy')))
        .exitCode,
    ).toBe(0);
    const put = await putRolePolicy(inB, 'AgentRole', 'AssumeDeployRole', doc('sourceRolePermissionPolicy'));
    expect(put.stderr).toBe('');
    const created = await aws(
      inA,
      'iam',
      'create-role',
      '--role-name',
      'JsonDeploy',
      '--assume-role-policy-document',
      doc('targetRoleTrustPolicy'),
    );
    expect(created.stderr).toBe('');
    const broken = { ...printed.sourceRolePermissionPolicy.document, Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] };
    const refused = await putRolePolicy(inB, 'AgentRole', 'Broken', JSON.stringify(broken));
    expect(refused.stderr).toContain('MalformedPolicyDocument');
  });

  it('deploys both CloudFormation templates, account B first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'war-cfn-'));
    const [source, target] = halves(
      await runCli(['policies', ...setup('DeployFromCfn', 'CfnAgent'), '--format', 'cloudformation'], { env: cleanEnv() }).then(
        (r) => r.stdout,
      ),
    );
    writeFileSync(join(dir, 'b.yaml'), source as string);
    writeFileSync(join(dir, 'a.yaml'), target as string);
    const inB = await asAccount(ACCOUNT_B, 'admin-cfn-b');
    const inA = await asAccount(ACCOUNT_A, 'admin-cfn-a');
    for (const [env, file, stack] of [
      [inB, 'b.yaml', 'agents'],
      [inA, 'a.yaml', 'deploy-role'],
    ] as const) {
      const created = await aws(
        env,
        'cloudformation',
        'create-stack',
        '--stack-name',
        stack,
        '--template-body',
        `file://${join(dir, file)}`,
        '--capabilities',
        'CAPABILITY_NAMED_IAM',
      );
      expect(created.stderr).toBe('');
      const status = await aws(
        env,
        'cloudformation',
        'describe-stacks',
        '--stack-name',
        stack,
        '--query',
        'Stacks[0].StackStatus',
        '--output',
        'text',
      );
      expect(status.stdout.trim()).toBe('CREATE_COMPLETE');
    }
    const trust = await aws(
      inA,
      'iam',
      'get-role',
      '--role-name',
      'DeployFromCfn',
      '--query',
      'Role.AssumeRolePolicyDocument.Statement[0].Principal.AWS',
      '--output',
      'text',
    );
    expect(trust.stdout.trim()).toBe(`arn:aws:iam::${ACCOUNT_B}:role/CfnAgent`);
    const profile = await aws(
      inB,
      'iam',
      'get-instance-profile',
      '--instance-profile-name',
      'CfnAgent',
      '--query',
      'InstanceProfile.Roles[0].RoleName',
      '--output',
      'text',
    );
    expect(profile.stdout.trim()).toBe('CfnAgent');
  });
});
