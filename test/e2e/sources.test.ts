// Source credentials from each place the SDK chain looks: a named profile (static
// keys, credential_process), container credentials, web identity (moto), and
// instance metadata (covered in exec, failures and moto tests).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, fixture, runCli } from '../support/cli.ts';
import { describeWithMoto } from '../support/moto.ts';
import { ACCOUNT_A, ACCOUNT_B, DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';

const world = useStsWorld();
const ROLE = ['--role-arn', DEPLOY_ROLE_ARN, '--session-name', 'sources'];

function profileEnv(profile: string): ReturnType<typeof cleanEnv> {
  const env = cleanEnv({ AWS_ENDPOINT_URL_STS: world.server.url });
  writeFileSync(env.AWS_CONFIG_FILE as string, profile);
  return env;
}

describe('a named profile', () => {
  it('static keys and a region: the source, the STS region and the child region; AWS_PROFILE does not reach the child', async () => {
    const keys = world.source;
    const env = profileEnv(
      `[profile ci]\naws_access_key_id = ${keys.accessKeyId}\naws_secret_access_key = ${keys.secretAccessKey}\nregion = eu-west-1\n`,
    );
    const plan = await runCli([...ROLE, '--profile', 'ci', '--dry-run', '--', 'true'], { env });
    expect(plan.stdout).toContain('credential source  profile ci');
    expect(plan.stdout).toContain("region             eu-west-1 (the profile's)");
    const result = await runCli([...ROLE, '--verbose', '--', fixture('print-env.mjs')], { env: { ...env, AWS_PROFILE: 'ci' } });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('source credentials: profile ci (AWS_PROFILE)');
    const child = JSON.parse(result.stdout);
    expect(child).toMatchObject({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1' });
    expect(child).not.toHaveProperty('AWS_PROFILE');
    expect(world.server.assumeRoleCalls()[0]?.accessKeyId).toBe(keys.accessKeyId);
  });

  it('credential_process: whatever the profile runs', async () => {
    const keys = world.source;
    const script = `console.log(JSON.stringify({Version:1,AccessKeyId:'${keys.accessKeyId}',SecretAccessKey:'${keys.secretAccessKey}'}))`;
    const env = profileEnv(`[profile tool]\ncredential_process = "${process.execPath}" -e "${script}"\n`);
    const result = await runCli(
      [
        ...ROLE,
        '--profile',
        'tool',
        '--',
        'aws',
        'sts',
        'get-caller-identity',
        '--query',
        'Arn',
        '--output',
        'text',
        '--region',
        'us-east-1',
      ],
      { env },
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(`arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/sources`);
  });

  it('a profile that is not there is an error (78), not a fall-through to the next source', async () => {
    const env = profileEnv('[profile other]\nregion = eu-west-1\n');
    const result = await runCli([...ROLE, '--profile', 'ci', '--', 'true'], {
      env: { ...env, AWS_ACCESS_KEY_ID: world.source.accessKeyId, AWS_SECRET_ACCESS_KEY: world.source.secretAccessKey },
    });
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toContain('profile ci: no credentials');
    expect(world.server.assumeRoleCalls()).toHaveLength(0);
  });
});

describe('container credentials', () => {
  it('are the source when AWS_CONTAINER_CREDENTIALS_FULL_URI is set, and a role session', async () => {
    world.server.setContainerRole(ACCOUNT_B, 'TaskRole');
    const env = cleanEnv({
      AWS_ENDPOINT_URL_STS: world.server.url,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${world.server.url}/container-credentials`,
    });
    const result = await runCli([...ROLE, '--verbose', '--', 'true'], { env });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('source credentials: container credentials');
    const chained = await runCli([...ROLE, '--duration', '3h', '--', 'true'], { env });
    expect(chained.exitCode).toBe(78);
    expect(chained.stderr).toContain('container credentials is itself a role session');
  });
});

describe('EKS Pod Identity', () => {
  it("sends the token file's content, read again at each refresh, as the SDK's HTTP provider does", async () => {
    world.server.setContainerRole(ACCOUNT_B, 'PodIdentity');
    world.server.lifetimeSeconds = 4;
    world.server.expiry = 'generations';
    const env = cleanEnv({
      AWS_ENDPOINT_URL_STS: world.server.url,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${world.server.url}/container-credentials`,
    });
    const tokenFile = join(env.HOME as string, 'eks-pod-identity-token');
    writeFileSync(tokenFile, 'first-token');
    world.server.containerToken = 'first-token';
    // Once the role is assumed, the agent's token rotates (kubelet rewrites the file): the refresh must send the new one.
    world.server.onCall = (call) => {
      if (call.action !== 'AssumeRole') return;
      writeFileSync(tokenFile, 'second-token');
      world.server.containerToken = 'second-token';
    };
    const result = await runCli([...ROLE, '--refresh', '--', fixture('until-refreshed.sh'), '2'], {
      env: { ...env, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile },
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^done after \d+ rounds$/m);
    expect(world.server.containerCalls.slice(0, 2)).toEqual(['first-token', 'second-token']);
    expect(result.stderr).not.toContain('refreshing the credentials failed');
  });
});

it('environment keys come first, as in the SDK', async () => {
  world.server.setContainerRole(ACCOUNT_B, 'TaskRole');
  const env = world.env({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${world.server.url}/container-credentials` });
  const result = await runCli([...ROLE, '--verbose', '--', 'true'], { env });
  expect(result.stderr).toContain('source credentials: environment (AWS_ACCESS_KEY_ID)');
});

describeWithMoto('web identity (moto)', (moto) => {
  it('AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN: the agent role from a token, then the deploy role', async () => {
    const env = cleanEnv({
      AWS_ENDPOINT_URL: moto().url,
      AWS_ROLE_ARN: `arn:aws:iam::${ACCOUNT_B}:role/AssumeRoleInA`,
      AWS_ROLE_SESSION_NAME: 'k8s-agent',
    });
    const token = join(env.HOME as string, 'token');
    writeFileSync(token, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJqZW5raW5zIn0.c2lnbmF0dXJl');
    const result = await runCli(
      [...ROLE, '--region', 'us-east-1', '--verbose', '--', 'aws', 'sts', 'get-caller-identity', '--query', 'Arn', '--output', 'text'],
      {
        env: { ...env, AWS_WEB_IDENTITY_TOKEN_FILE: token },
      },
    );
    expect(result.stderr).toContain(`source credentials: web identity (${token})`);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(`arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/sources`);
  });
});
