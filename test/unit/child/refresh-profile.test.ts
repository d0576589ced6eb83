import { describe, expect, it } from 'vitest';
import { configWithProfile, refreshProfileName, settingsLines } from '../../../src/child/refresh-profile.ts';

describe("the --refresh command's own profile", () => {
  it.each([
    ['keys and a region', { aws_access_key_id: 'A', aws_secret_access_key: 'B', region: 'eu-west-1' }, ['region = eu-west-1']],
    [
      'a credential_process and nested s3 settings',
      { region: 'eu-west-1', credential_process: 'x', 's3.addressing_style': 'path', 's3.use_accelerate_endpoint': 'true' },
      ['region = eu-west-1', 's3 =', '  addressing_style = path', '  use_accelerate_endpoint = true'],
    ],
    ['SSO and role settings', { sso_session: 'corp', sso_region: 'us-east-1', role_arn: 'r', source_profile: 's', mfa_serial: 'm' }, []],
    ['a CA bundle and an output format', { ca_bundle: '/etc/corp.pem', output: 'text' }, ['ca_bundle = /etc/corp.pem', 'output = text']],
    ['a value holding a newline', { region: 'a\n[default]' }, []],
  ])('keeps the default profile settings but credentials: %s', (_name, settings, lines) => {
    expect(settingsLines(settings)).toEqual(lines);
  });

  it('appends the profile to the text, which stays as it was', () => {
    const user = '[default]\naws_access_key_id = A\n[profile dev]\nregion = x';
    const text = configWithProfile(user, 'with-assumed-role', ['region = eu-west-1']);
    expect(text.startsWith(`${user}\n`)).toBe(true);
    expect(text.endsWith('[profile with-assumed-role]\nregion = eu-west-1\n')).toBe(true);
    expect(configWithProfile('', 'p', [])).toMatch(/^\n# .*\n\[profile p\]\n$/);
  });

  it('takes another name when the text already uses its own', () => {
    expect(refreshProfileName('[default]\n', () => 'x')).toBe('with-assumed-role');
    expect(refreshProfileName('[profile with-assumed-role]\n', () => 'x')).toBe('with-assumed-role-x');
  });
});
