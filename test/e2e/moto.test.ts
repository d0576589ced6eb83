// The cross-account flow end to end in moto's two-account world: source credentials in
// account B (a user's keys, or the instance profile from instance metadata), the
// wrapper assuming DeployMaster in account A, the AWS CLI as the deploy script.
import { expect, it } from 'vitest';
import { cleanEnv, runCli } from '../support/cli.ts';
import { describeWithMoto, HUB_ACCOUNT, HUB_ROLE_ARN } from '../support/moto.ts';
import { ACCOUNT_A, DEPLOY_ROLE_ARN } from '../support/sts-world.ts';

const COUNT = ['aws', 'ec2', 'describe-instances', '--query', 'length(Reservations[].Instances[])', '--output', 'text'];

describeWithMoto('the cross-account flow against moto', (world) => {
  it('acts as DeployMaster in account A with a jenkins user in account B as the source', async () => {
    const env = world().env();
    const identity = await runCli(
      [
        '--role-arn',
        DEPLOY_ROLE_ARN,
        '--project',
        'project',
        '--environment',
        'dev',
        '--region',
        'us-east-1',
        '--',
        'aws',
        'sts',
        'get-caller-identity',
        '--output',
        'json',
      ],
      { env },
    );
    expect(identity.exitCode).toBe(0);
    expect(JSON.parse(identity.stdout).Arn).toBe(`arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/project-dev-local-alice`);

    const counted = await runCli(['--role-arn', DEPLOY_ROLE_ARN, '--region', 'us-east-1', '--quiet', '--', ...COUNT], { env });
    expect(counted.exitCode).toBe(0);
    expect(counted.stdout.trim()).toBe(String(world().instances[ACCOUNT_A]?.['us-east-1']));
    const [elsewhere, without] = await Promise.all([
      runCli(['--role-arn', DEPLOY_ROLE_ARN, '--region', 'eu-west-1', '--quiet', '--', ...COUNT], { env }),
      runCli(['--role-arn', DEPLOY_ROLE_ARN, '--region', 'ap-south-1', '--quiet', '--', ...COUNT], { env }),
    ]);
    expect(elsewhere.stdout.trim()).toBe(String(world().instances[ACCOUNT_A]?.['eu-west-1']));
    expect(without.stdout.trim()).toBe('0');
  });

  it('takes the source credentials from instance metadata, as on a Jenkins agent', async () => {
    const env = cleanEnv({
      AWS_EC2_METADATA_DISABLED: undefined,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: world().url,
      AWS_ENDPOINT_URL: world().url,
      AWS_REGION: 'us-east-1',
    });
    const result = await runCli(['--role-arn', DEPLOY_ROLE_ARN, '--verbose', '--', ...COUNT], { env });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain(`source credentials: instance metadata (${world().url})`);
    expect(result.stdout.trim()).toBe(String(world().instances[ACCOUNT_A]?.['us-east-1']));
  });

  it('through a hub account: agent -> Hub -> DeployMaster, each hop as the caller before it', async () => {
    const env = world().env();
    const result = await runCli(
      [
        '--role-arn',
        DEPLOY_ROLE_ARN,
        '--via',
        HUB_ROLE_ARN,
        '--session-name',
        'hub-run',
        '--region',
        'us-east-1',
        '--verbose',
        '--',
        'aws',
        'sts',
        'get-caller-identity',
        '--output',
        'json',
      ],
      { env },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('source credentials: environment (AWS_ACCESS_KEY_ID)');
    expect(result.stderr).toContain(`--via ${HUB_ROLE_ARN}: arn:aws:sts::${HUB_ACCOUNT}:assumed-role/Hub/hub-run`);
    expect(JSON.parse(result.stdout).Arn).toBe(`arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/hub-run`);
  });
});
