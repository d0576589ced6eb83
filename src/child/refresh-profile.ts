// With --refresh the command gets no keys: its AWS clients must reach the loopback
// endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI), which every SDK ranks below the
// shared files' default profile. Rather than cut credentials out of that profile
// (and miss a spelling one SDK's INI reader accepts), the command is pointed at a
// profile of its own, AWS_PROFILE and AWS_DEFAULT_PROFILE: the default profile is
// then never read for credentials, whatever it holds. The profile lives in a copy of
// the user's config file with one section appended, and carries the default
// profile's other settings (region, ca_bundle, s3 ...), as the SDK's reader found them. Pure.

/** Settings that make a profile a credential source, or belong to assuming a role: never copied. */
export const CREDENTIAL_SETTINGS = new Set([
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'aws_security_token',
  'aws_credential_expiration',
  'credential_process',
  'credential_source',
  'role_arn',
  'source_profile',
  'role_session_name',
  'external_id',
  'mfa_serial',
  'duration_seconds',
  'web_identity_token_file',
  'sso_session',
  'sso_start_url',
  'sso_region',
  'sso_account_id',
  'sso_role_name',
  'sso_registration_scopes',
  'login_session',
]);

/** The name the command's profile takes: with-assumed-role, unless the user's text already uses it. */
export function refreshProfileName(userText: string, suffix: () => string): string {
  return userText.includes('with-assumed-role') ? `with-assumed-role-${suffix()}` : 'with-assumed-role';
}

/**
 * A profile's settings as the SDK's INI reader gives them (nested ones as `s3.addressing_style`),
 * without credential settings, as config lines: nested ones under their parent, indented.
 */
export function settingsLines(settings: Readonly<Record<string, string | undefined>>): string[] {
  const plain: string[] = [];
  const nested = new Map<string, string[]>();
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined || /[\r\n]/.test(value)) continue;
    const [parent = '', child] = key.split('.', 2);
    if (CREDENTIAL_SETTINGS.has(parent.toLowerCase())) continue;
    if (child === undefined) plain.push(`${key} = ${value}`);
    else nested.set(parent, [...(nested.get(parent) ?? []), `  ${child} = ${value}`]);
  }
  return [...plain, ...[...nested].flatMap(([parent, lines]) => [`${parent} =`, ...lines])];
}

/** The user's config text with the command's profile appended: everything else stays as it was. */
export function configWithProfile(userText: string, name: string, lines: readonly string[]): string {
  const separator = userText === '' || userText.endsWith('\n') ? '' : '\n';
  return `${userText}${separator}\n# withAssumedRole --refresh: the command's profile; its credentials come from the endpoint\n[profile ${name}]\n${lines.map((line) => `${line}\n`).join('')}`;
}
