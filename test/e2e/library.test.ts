// The library API, called from code: overlapping calls share nothing of the process.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { RESOLVING_PROFILE } from '../../src/domain/environment.ts';
import { assumeRole } from '../../src/library.ts';
import { cleanEnv } from '../support/cli.ts';
import { ACCOUNT_A, DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';

const world = useStsWorld();

it('overlapping assumeRole calls with profiles of their own: each its own source, and no mark left in the process', async () => {
  const env = cleanEnv({ AWS_ENDPOINT_URL_STS: world.server.url, AWS_DEFAULT_REGION: 'us-east-1' });
  const home = env.HOME as string;
  const users = ['first', 'second'].map((name) => ({ name, keys: world.server.addUser(`arn:aws:iam::123456789012:user/${name}`) }));
  // Each profile's credential_process records what mark it saw, then answers slowly enough for the two calls to overlap.
  const profiles = users.map(({ name, keys }) => {
    const script = `require('fs').writeFileSync(${JSON.stringify(join(home, `${name}.mark`))}, String(process.env.${RESOLVING_PROFILE} ?? 'none')); setTimeout(() => console.log(JSON.stringify({ Version: 1, AccessKeyId: '${keys.accessKeyId}', SecretAccessKey: '${keys.secretAccessKey}' })), 300)`;
    return `[profile ${name}]\ncredential_process = "${process.execPath}" -e "${script.replaceAll('"', '\\"')}"\n`;
  });
  writeFileSync(env.AWS_CONFIG_FILE as string, profiles.join('\n'));
  const [first, second] = await Promise.all(
    users.map(({ name }) => assumeRole({ roleArn: DEPLOY_ROLE_ARN, sessionName: name, profile: name, env })),
  );
  expect(first?.assumedRoleArn).toBe(`arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/first`);
  expect(second?.assumedRoleArn).toBe(`arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/second`);
  expect(
    world.server
      .assumeRoleCalls()
      .map((call) => call.accessKeyId)
      .sort(),
  ).toEqual(users.map(({ keys }) => keys.accessKeyId).sort());
  expect(process.env[RESOLVING_PROFILE]).toBeUndefined();
  expect(users.map(({ name }) => readFileSync(join(home, `${name}.mark`), 'utf8'))).toEqual(['none', 'none']);
});
