import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatCredentials } from '../../../src/output/format-credentials.ts';

const credentials = {
  accessKeyId: 'ASIAEXAMPLE',
  secretAccessKey: "se'cret/+key",
  sessionToken: 'token==',
  expiration: new Date('2026-11-28T12:00:00Z'),
  assumedRoleArn: 'arn:aws:sts::521111111144:assumed-role/DeployMaster/s',
  region: 'eu-west-1',
};

describe('formatCredentials', () => {
  it('env: export lines a shell evaluates back to the same values, and unsets what would override them', () => {
    const text = formatCredentials(credentials, 'env');
    const out = execFileSync('sh', [
      '-c',
      `AWS_PROFILE=stale; ${text} printf '%s|%s|%s|%s|%s' "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_REGION" "$AWS_CREDENTIAL_EXPIRATION" "\${AWS_PROFILE-unset}"`,
    ]).toString();
    expect(out).toBe("se'cret/+key|token==|eu-west-1|2026-11-28T12:00:00.000Z|unset");
  });

  it('process: the credential_process contract, Version 1 with Expiration', () => {
    expect(JSON.parse(formatCredentials(credentials, 'process'))).toEqual({
      Version: 1,
      AccessKeyId: 'ASIAEXAMPLE',
      SecretAccessKey: "se'cret/+key",
      SessionToken: 'token==',
      Expiration: '2026-11-28T12:00:00.000Z',
    });
  });

  it('json: shaped like aws sts assume-role output, plus the region', () => {
    expect(JSON.parse(formatCredentials({ ...credentials, region: undefined }, 'json'))).toEqual({
      Credentials: {
        AccessKeyId: 'ASIAEXAMPLE',
        SecretAccessKey: "se'cret/+key",
        SessionToken: 'token==',
        Expiration: '2026-11-28T12:00:00.000Z',
      },
      AssumedRoleUser: { Arn: credentials.assumedRoleArn },
    });
  });
});
