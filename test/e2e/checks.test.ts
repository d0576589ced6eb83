// verify and doctor: the set-up's checks, against the loopback STS (which also
// answers EC2 DescribeInstances and instance metadata) and against moto's two accounts.
import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../support/cli.ts';
import { describeWithMoto } from '../support/moto.ts';
import { ACCOUNT_A, ACCOUNT_B, DEPLOY_ROLE_ARN, SOURCE_USER_ARN, useStsWorld } from '../support/sts-world.ts';

const world = useStsWorld();
const ROLE = ['--role-arn', DEPLOY_ROLE_ARN, '--session-name', 'verify-run'];
const ASSUMED = `arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/verify-run`;

describe('verify', () => {
  it('shows the assumed identity and, per region, DescribeInstances and the count', async () => {
    world.server.ec2Instances = { 'us-east-1': 3, 'eu-west-1': 1 };
    const env = world.env({ AWS_ENDPOINT_URL: world.server.url });
    const result = await runCli(['verify', ...ROLE, '--region', 'us-east-1,eu-west-1,eu-north-1'], { env });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      [
        `assumed role  ${ASSUMED}`,
        `account       ${ACCOUNT_A}`,
        'us-east-1     ec2:DescribeInstances allowed, 3 instances',
        'eu-west-1     ec2:DescribeInstances allowed, 1 instance',
        'eu-north-1    ec2:DescribeInstances allowed, 0 instances',
        '',
      ].join('\n'),
    );
    expect(world.server.calls.filter((call) => call.action === 'DescribeInstances').map((call) => call.accessKeyId)).not.toContain(
      world.source.accessKeyId,
    );
  });

  it('exits 77 when a region refuses, says which and how to fix it; --json for scripts', async () => {
    world.server.ec2Instances = { 'us-east-1': 2 };
    world.server.ec2Denied = new Set(['eu-west-1']);
    const env = world.env({ AWS_ENDPOINT_URL: world.server.url });
    const human = await runCli(['verify', ...ROLE, '--region', 'us-east-1,eu-west-1'], { env });
    expect(human.exitCode).toBe(77);
    expect(human.stdout).toContain(
      'eu-west-1     ec2:DescribeInstances denied: UnauthorizedOperation: You are not authorized to perform this operation.',
    );
    expect(human.stdout).toContain('fix: allow ec2:DescribeInstances in the permissions of DeployMaster');
    const json = await runCli(['verify', ...ROLE, '--region', 'us-east-1,eu-west-1', '--json', '--quiet'], { env });
    expect(json.exitCode).toBe(77);
    expect(JSON.parse(json.stdout)).toMatchObject({
      assumedRoleArn: ASSUMED,
      account: ACCOUNT_A,
      regions: [
        { region: 'us-east-1', describeInstances: 'allowed', instances: 2 },
        { region: 'eu-west-1', describeInstances: 'denied', code: 'UnauthorizedOperation' },
      ],
    });
    world.server.ec2Denied = new Set();
  });

  it('fails like the default command when the role cannot be assumed', async () => {
    world.server.faults = { refuse: 'AccessDenied' };
    const result = await runCli(['verify', ...ROLE], { env: world.env() });
    expect(result.exitCode).toBe(77);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('AccessDenied');
  });
});

describe('doctor', () => {
  it('reports the source, its identity, the region and the assumed role', async () => {
    const result = await runCli(['doctor', ...ROLE, '--region', 'eu-west-1'], { env: world.env() });
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ok {4}credential source {2}environment \(AWS_ACCESS_KEY_ID\)/);
    expect(lines[1]).toBe(`ok    source identity    ${SOURCE_USER_ARN} (account ${ACCOUNT_B})`);
    expect(lines[2]).toMatch(/^info {2}role session {7}no: /);
    expect(lines[3]).toBe('info  instance metadata  turned off by AWS_EC2_METADATA_DISABLED');
    expect(lines[4]).toBe("info  network            proxy none (no HTTP_PROXY set); CA bundle the system's certificates");
    expect(lines[5]).toBe('ok    region             eu-west-1 (given)');
    expect(lines[6]).toMatch(new RegExp(`^ok {4}assume role {8}${ASSUMED} until `));
  });

  it('on an instance profile: IMDSv2, the profile, the one-hour chaining cap', async () => {
    const env = world.instanceProfileEnv();
    const result = await runCli(['doctor', ...ROLE, '--duration', '2h'], { env });
    expect(result.exitCode).toBe(78);
    expect(result.stdout).toContain(`ok    source identity    arn:aws:sts::${ACCOUNT_B}:assumed-role/AssumeRoleInA/i-0123456789abcdef0`);
    expect(result.stdout).toContain('info  role session       yes: STS caps roles assumed from it at 1 hour');
    expect(result.stdout).toContain(`ok    instance metadata  IMDSv2 at ${world.server.url}; instance profile role AssumeRoleInA`);
    expect(result.stdout).toContain('FAIL  assume role        --duration 2h: over the 1 hour cap STS puts on role chaining');
    expect(world.server.assumeRoleCalls()).toHaveLength(0);
  });

  it('without any source credentials: says where it looked and how to fix it', async () => {
    const env = cleanEnv({
      AWS_EC2_METADATA_DISABLED: undefined,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: 'http://127.0.0.1:9',
      AWS_ENDPOINT_URL_STS: world.server.url,
    });
    const result = await runCli(['doctor', ...ROLE], { env });
    expect(result.exitCode).toBe(78);
    expect(result.stdout).toContain('FAIL  credential source  no source credentials');
    expect(result.stdout).toContain(
      'looked at environment (AWS_ACCESS_KEY_ID): AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set',
    );
    expect(result.stdout).toContain('FAIL  instance metadata  no answer from http://127.0.0.1:9 within 1 s');
    expect(result.stdout).toContain(
      'FAIL  assume role        arn:aws:iam::521111111144:role/DeployMaster: not tried without source credentials',
    );
  });
});

describeWithMoto('verify and doctor against moto', (moto) => {
  const env = () => moto().env();

  it('verify counts the instances of account A only', async () => {
    const result = await runCli(['verify', ...ROLE, '--region', 'us-east-1,eu-west-1', '--json'], { env: env() });
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.account).toBe(ACCOUNT_A);
    expect(report.regions).toEqual([
      { region: 'us-east-1', describeInstances: 'allowed', instances: moto().instances[ACCOUNT_A]?.['us-east-1'] },
      { region: 'eu-west-1', describeInstances: 'allowed', instances: moto().instances[ACCOUNT_A]?.['eu-west-1'] },
    ]);
  });

  it('doctor names the jenkins user of account B as the source', async () => {
    const result = await runCli(['doctor', ...ROLE, '--region', 'us-east-1'], { env: env() });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`ok    source identity    arn:aws:iam::${ACCOUNT_B}:user/jenkins (account ${ACCOUNT_B})`);
    expect(result.stdout).toContain(`ok    assume role        ${ASSUMED}`);
  });
});
