// Reproducing a containerised stage on a laptop: withAssumedRole -- docker run -e NAME ...
// passes the credentials by name; their values never reach any argument list.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { identitiesIn } from '../support/aws-clients.ts';
import { FIXTURES, fixture, isolatedHome, runCli } from '../support/cli.ts';
import { generateCredentials } from '../support/sts-server.ts';
import { ACCOUNT_A, DEPLOY_ROLE_ARN, useStsWorld } from '../support/sts-world.ts';

const world = useStsWorld();

describe('a container run locally', () => {
  it('docker run -e AWS_ACCESS_KEY_ID ...: the container acts as the role; no value is in any argv', async () => {
    const canary = generateCredentials();
    world.server.nextCredentials.push(canary);
    const list = join(isolatedHome(), 'canaries');
    writeFileSync(list, [canary.accessKeyId, canary.secretAccessKey, canary.sessionToken].join('\n'));
    // AWS_DEFAULT_REGION too: botocore (the AWS CLI, boto3) reads only that one.
    const names = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_DEFAULT_REGION'];
    const run = [
      'docker',
      'run',
      '--rm',
      ...names.flatMap((name) => ['-e', name]),
      '-e',
      `AWS_ENDPOINT_URL_STS=${world.server.url}`,
      'amazon/aws-cli',
    ];
    const result = await runCli(
      [
        '--role-arn',
        DEPLOY_ROLE_ARN,
        '--session-name',
        'laptop',
        '--region',
        'us-east-1',
        '--',
        ...run,
        'sh',
        '-c',
        `${fixture('identities.sh')} v1; "${process.execPath}" ${fixture('scan-argv.mjs')} ${list}`,
      ],
      { env: world.env({ PATH: `${join(FIXTURES, 'docker-bin')}:${process.env.PATH}` }) },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    expect(identitiesIn(result.stdout)).toEqual({ v1: [`arn:aws:sts::${ACCOUNT_A}:assumed-role/DeployMaster/laptop`] });
    expect(result.stdout).toContain('argv canaries: 0');
  });
});
