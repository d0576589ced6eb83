import { describe, expect, it } from 'vitest';
import { bodyEnvironment, checkBodyEnvironment, configText, escapeForWithEnv, processJson } from '../../../src/serve/profile-files.ts';

const target = {
  roleArn: 'arn:aws:iam::521111111144:role/DeployMaster',
  sessionName: 'p-dev-jenkins-1',
  durationSeconds: 3600,
  externalId: 'x1',
};

describe('what serve writes for the body', () => {
  it('doubles every $ for withEnv, which would expand $NAME and turn $$ into $', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a value holding ${X} as written
    expect(escapeForWithEnv('a$HOME${X}$$b')).toBe('a$$HOME$${X}$$$$b');
  });
  const body = { region: 'eu-west-1', endpointUrl: 'http://127.0.0.1:4567/p', hideRelativeUri: false };
  it('selects the profile under both names, clears pipeline keys and web identity, sets the deploy role for any web identity left', () => {
    const entries = bodyEnvironment('/w@tmp/d', target, body);
    expect(entries).toContain('AWS_CONFIG_FILE=/w@tmp/d/config');
    expect(entries).toContain('AWS_PROFILE=with-assumed-role');
    expect(entries).toContain('AWS_DEFAULT_PROFILE=with-assumed-role');
    expect(entries).toContain('AWS_ACCESS_KEY_ID=');
    expect(entries).toContain('AWS_WEB_IDENTITY_TOKEN_FILE=');
    expect(entries).toContain(`AWS_ROLE_ARN=${target.roleArn}`);
    expect(entries).toContain('AWS_REGION=eu-west-1');
    expect(bodyEnvironment('/w$x/d', target, { ...body, region: undefined })).toContain('AWS_CONFIG_FILE=/w$$x/d/config');
  });
  it('fences every fallback to the agent: shared config loaded, instance metadata off, container credentials the broker', () => {
    const entries = bodyEnvironment('/d', target, body);
    expect(entries).toContain('AWS_SDK_LOAD_CONFIG=1');
    expect(entries).toContain('AWS_EC2_METADATA_DISABLED=true');
    expect(entries).toContain('AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:4567/p');
    expect(entries).toContain('AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/d/endpoint-token');
    expect(entries).toContain('AWS_CONTAINER_AUTHORIZATION_TOKEN=');
    expect(entries).toContain('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=');
    expect(bodyEnvironment('/d', target, { ...body, hideRelativeUri: true })).toContain(
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/with-assumed-role/not-in-this-block',
    );
  });
  it('role mode: a credential_process profile; source mode: a role_arn profile over a source profile', () => {
    expect(configText('/d', 'role', target, 'us-east-1')).toBe(
      "[profile with-assumed-role]\ncredential_process = sh '/d/credentials.sh'\nregion = us-east-1\n",
    );
    const source = configText('/d', 'source', target, undefined);
    expect(source).toContain(`[profile with-assumed-role]\nrole_arn = ${target.roleArn}\nsource_profile = with-assumed-role-source\n`);
    expect(source).toContain('role_session_name = p-dev-jenkins-1\nduration_seconds = 3600\nexternal_id = x1\n');
    expect(source).toContain("[profile with-assumed-role-source]\ncredential_process = sh '/d/credentials.sh'\n");
  });
  it('writes the credential_process JSON, without Expiration for keys that do not expire', () => {
    expect(JSON.parse(processJson({ accessKeyId: 'A', secretAccessKey: 'S' }))).toEqual({
      Version: 1,
      AccessKeyId: 'A',
      SecretAccessKey: 'S',
    });
    expect(JSON.parse(processJson({ accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T', expiration: new Date(0) }))).toEqual({
      Version: 1,
      AccessKeyId: 'A',
      SecretAccessKey: 'S',
      SessionToken: 'T',
      Expiration: '1970-01-01T00:00:00.000Z',
    });
  });
  it.each([
    [{}, [], []],
    [{ AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S' }, ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'], []],
    [{ AWS_SECRET_ACCESS_KEY: 'S' }, [], []],
    [{ AWS_WEB_IDENTITY_TOKEN_FILE: '/t', AWS_ROLE_ARN: 'x' }, [], ['AWS_WEB_IDENTITY_TOKEN_FILE']],
    [{ AWS_ACCESS_KEY_ID: '' }, [], []],
    [{ KUBERNETES_SERVICE_HOST: '10.100.0.1' }, [], [], true],
    [{ AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x' }, [], [], false, true],
  ])('finds what would win over the profile in %j', (env, keys, webIdentity, kubernetes = false, relativeUri = false) => {
    expect(checkBodyEnvironment(env)).toEqual({ keys, webIdentity, kubernetes, relativeUri });
  });
});
