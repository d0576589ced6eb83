import { describe, expect, it } from 'vitest';
import { isCi } from '../../../src/domain/environment.ts';
import type { ExecOptions, PoliciesOptions, PrintOptions, VerifyOptions } from '../../../src/options/command-options.ts';
import { normalizeOptions } from '../../../src/options/normalize.ts';
import { mergeSettings, type Settings, settingsFromFlags, settingsFromVariables } from '../../../src/options/settings.ts';

const ARN = 'arn:aws:iam::521111111144:role/DeployMaster';
const context = (extra: Partial<Parameters<typeof normalizeOptions>[2]> = {}) => ({
  env: {},
  username: 'alice',
  directoryName: 'repo',
  fileEnvironment: {},
  commandArgv: ['./deploy.sh'],
  invocation: 'test-invocation',
  readFile: (path: string): string => {
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  },
  ...extra,
});
const flags = (command: Parameters<typeof settingsFromFlags>[0], values: Record<string, unknown>): Settings =>
  settingsFromFlags(command, values);

describe('settings precedence', () => {
  it('flags over environment over files, later files over earlier', () => {
    const files = [
      settingsFromVariables('exec', { WITH_ASSUMED_ROLE_DURATION: '20m', WITH_ASSUMED_ROLE_REGION: 'eu-west-1' }, 'env-file', 'a.env'),
      settingsFromVariables('exec', { WITH_ASSUMED_ROLE_DURATION: '25m' }, 'env-file', 'b.env'),
    ];
    const environment = settingsFromVariables('exec', { WITH_ASSUMED_ROLE_DURATION: '30m', OTHER: 'x' }, 'environment');
    const merged = mergeSettings(flags('exec', { 'role-arn': ARN }), environment, files);
    expect(merged.duration).toEqual({ value: '30m', origin: 'environment', source: 'WITH_ASSUMED_ROLE_DURATION' });
    expect(merged.region).toEqual({ value: 'eu-west-1', origin: 'env-file', source: 'a.env: WITH_ASSUMED_ROLE_REGION' });
    expect(mergeSettings({}, {}, files).duration?.value).toBe('25m');
    expect(mergeSettings(flags('exec', { duration: '1h' }), environment, files).duration?.value).toBe('1h');
  });

  it("reads booleans and lists from variables, skips other commands' settings, refuses unknown names", () => {
    expect(
      settingsFromVariables(
        'exec',
        { WITH_ASSUMED_ROLE_DRY_RUN: 'yes', WITH_ASSUMED_ROLE_ENV_FILE: 'a.env:b.env', WITH_ASSUMED_ROLE_FORMAT: 'json' },
        'environment',
      ),
    ).toEqual({
      'dry-run': { value: true, origin: 'environment', source: 'WITH_ASSUMED_ROLE_DRY_RUN' },
      'env-file': { value: ['a.env', 'b.env'], origin: 'environment', source: 'WITH_ASSUMED_ROLE_ENV_FILE' },
    });
    expect(() => settingsFromVariables('exec', { WITH_ASSUMED_ROLE_MASK: 'sometimes' }, 'environment')).toThrowError(
      'WITH_ASSUMED_ROLE_MASK="sometimes": not a boolean',
    );
    expect(() => settingsFromVariables('exec', { WITH_ASSUMED_ROLE_ROLEARN: ARN }, 'env-file', 'ci.env')).toThrowError(
      'ci.env: WITH_ASSUMED_ROLE_ROLEARN: not a withAssumedRole setting',
    );
  });

  it('ignores an env file naming further env files', () => {
    expect(settingsFromVariables('exec', { WITH_ASSUMED_ROLE_ENV_FILE: 'other.env' }, 'env-file', 'a.env')).toEqual({});
  });
});

describe('normalizeOptions', () => {
  it('types the exec options with defaults', () => {
    const options = normalizeOptions(
      'exec',
      flags('exec', { 'role-arn': ARN, project: 'project', environment: 'dev' }),
      context(),
    ) as ExecOptions;
    expect(options).toMatchObject({
      command: 'exec',
      argv: ['./deploy.sh'],
      dryRun: false,
      mask: false,
      killGraceSeconds: 10,
      verbosity: 'normal',
      source: { profile: undefined, region: undefined, endpointUrl: undefined, assumeTimeoutSeconds: 60 },
      target: { roleArn: ARN, sessionName: 'project-dev-local-alice', durationSeconds: 3600, externalId: undefined },
    });
  });

  it('masks by default in CI and Jenkins, and obeys --mask / --no-mask', () => {
    const run = (env: Record<string, string>, values: Record<string, unknown> = {}) =>
      (normalizeOptions('exec', flags('exec', { 'role-arn': ARN, ...values }), context({ env })) as ExecOptions).mask;
    expect(run({})).toBe(false);
    expect(run({ CI: 'true' })).toBe(true);
    expect(run({ CI: 'false' })).toBe(false);
    expect(run({ JENKINS_URL: 'https://ci/' })).toBe(true);
    expect(run({ BUILD_ID: '3' })).toBe(true);
    expect(run({ CI: 'true' }, { mask: false })).toBe(false);
    expect(run({}, { mask: true })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
  });

  it('takes the region from the settings, else AWS_REGION, else AWS_DEFAULT_REGION', () => {
    const region = (values: Record<string, unknown>, env: Record<string, string>) =>
      (normalizeOptions('exec', flags('exec', { 'role-arn': ARN, ...values }), context({ env })) as ExecOptions).source.region;
    expect(region({ region: 'eu-west-1' }, { AWS_REGION: 'us-west-2' })).toBe('eu-west-1');
    expect(region({}, { AWS_REGION: 'us-west-2', AWS_DEFAULT_REGION: 'eu-central-1' })).toBe('us-west-2');
    expect(region({}, { AWS_DEFAULT_REGION: 'eu-central-1' })).toBe('eu-central-1');
    expect(region({}, {})).toBeUndefined();
  });

  it.each([
    ['exec', {}, 'no role to assume'],
    ['exec', { 'role-arn': ARN, role: 'x' }, 'give the role either as --role-arn or as --role with --account'],
    ['exec', { account: '521111111144' }, '--account: needs --role too'],
    ['exec', { 'role-arn': ARN, 'endpoint-url': 'sts.local' }, '--endpoint-url "sts.local": not an http(s) URL'],
    ['exec', { 'role-arn': ARN, 'external-id': 'a b' }, '--external-id "a b": not a valid external ID'],
    ['exec', { 'role-arn': ARN, 'kill-grace': 'soon' }, '--kill-grace "soon": not a positive number of seconds'],
    ['exec', { 'role-arn': ARN, project: ' ' }, '--project: is empty'],
    ['print', { 'role-arn': ARN, format: 'yaml' }, '--format "yaml": not one of env, process, json'],
    ['policies', { 'source-account': '123456789012', role: 'R' }, '--target-account is required'],
    ['policies', { 'target-account': '1', 'source-account': '123456789012', role: 'R' }, '--target-account "1": not an AWS account ID'],
  ] as const)('%s %j is refused: %s', (command, values, message) => {
    const argv = command === 'exec' ? ['./deploy.sh'] : [];
    expect(() => normalizeOptions(command, flags(command, values), context({ commandArgv: argv }))).toThrowError(
      expect.objectContaining({ exitCode: 64, message: expect.stringContaining(message) }),
    );
  });

  it('refuses a command after -- for commands that run none', () => {
    expect(() => normalizeOptions('print', flags('print', { 'role-arn': ARN }), context())).toThrowError(
      '-- ./deploy.sh: print runs no command',
    );
  });

  it('lets print go without a role only with --cache-file', () => {
    const print = normalizeOptions(
      'print',
      flags('print', { 'cache-file': '/tmp/c.json', format: 'process' }),
      context({ commandArgv: [] }),
    ) as PrintOptions;
    expect(print).toMatchObject({ target: undefined, format: 'process', cacheFile: '/tmp/c.json' });
  });

  it('splits verify regions, the first being the STS region', () => {
    const verify = normalizeOptions(
      'verify',
      flags('verify', { 'role-arn': ARN, region: 'eu-west-1, us-east-1' }),
      context({ commandArgv: [] }),
    ) as VerifyOptions;
    expect(verify.regions).toEqual(['eu-west-1', 'us-east-1']);
    expect(verify.source.region).toBe('eu-west-1');
  });

  it('types the policies options', () => {
    const policies = normalizeOptions(
      'policies',
      flags('policies', {
        'target-account': '521111111144',
        'source-account': '123456789012',
        role: 'RoleForB',
        'source-role': 'AssumeRoleInA',
        format: 'terraform',
      }),
      context({ commandArgv: [] }),
    ) as PoliciesOptions;
    expect(policies).toMatchObject({
      targetAccount: '521111111144',
      sourceAccount: '123456789012',
      role: 'RoleForB',
      sourceRole: 'AssumeRoleInA',
      format: 'terraform',
      externalId: undefined,
    });
  });
});

describe('list items', () => {
  it.each([
    ['tag', { tag: ['team=payments\nowner=mallory'] }, '--tag "team=payments\\nowner=mallory": an item holds a line break'],
    ['allowed-account', { 'allowed-account': ['521111111144\n111111111111'] }, '--allowed-account "521111111144\\n111111111111"'],
    ['policy-arn', { 'policy-arn': ['arn:aws:iam::aws:policy/A\r'] }, 'an item holds a line break'],
  ])('refuse a line break inside an item of %s (it would make two)', (_name, values, message) => {
    expect(() => normalizeOptions('exec', flags('exec', { 'role-arn': ARN, ...values }), context())).toThrowError(message);
  });
});
