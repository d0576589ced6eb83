import { describe, expect, it } from 'vitest';
import { buildChildEnvironment } from '../../../src/child/child-environment.ts';
import { OVERRIDING_VARIABLES } from '../../../src/domain/environment.ts';

const credentials = {
  accessKeyId: 'ASIAEXAMPLE',
  secretAccessKey: 'secret/+key',
  sessionToken: 'token==',
  expiration: new Date('2026-11-28T12:00:00Z'),
};

describe('buildChildEnvironment', () => {
  it('keeps the parent, adds credentials, expiry and region, drops what would override them', () => {
    const parent = Object.fromEntries([
      ...OVERRIDING_VARIABLES.map((name) => [name, 'stale']),
      ['JENKINS_SERVER_COOKIE', 'c'],
      ['PATH', '/bin'],
      ['AWS_ACCESS_KEY_ID', 'AKIASOURCE'],
      ['UNSET', undefined],
    ]);
    const env = buildChildEnvironment({ parent, credentials, region: 'eu-west-1' });
    expect(env).toEqual({
      JENKINS_SERVER_COOKIE: 'c',
      PATH: '/bin',
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret/+key',
      AWS_SESSION_TOKEN: 'token==',
      AWS_CREDENTIAL_EXPIRATION: '2026-11-28T12:00:00.000Z',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
    });
  });

  it.each([
    [{ SHARED: 'parent' }, { SHARED: 'file', ONLY_FILE: 'f' }, { SHARED: 'parent', ONLY_FILE: 'f' }],
    [{}, { AWS_ACCESS_KEY_ID: 'from-file', AWS_PROFILE: 'file-profile' }, { AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE' }],
    [{ AWS_REGION: 'us-west-2' }, {}, { AWS_REGION: 'us-west-2' }],
  ])('parent %j over files %j', (parent, files, expected) => {
    const env = buildChildEnvironment({ parent, files, credentials });
    expect(env).toMatchObject(expected);
    expect(env).not.toHaveProperty('AWS_PROFILE');
  });

  it('leaves the region alone when none is known', () => {
    expect(buildChildEnvironment({ parent: {}, credentials })).not.toHaveProperty('AWS_REGION');
  });
});
