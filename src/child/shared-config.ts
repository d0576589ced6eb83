// With --refresh the command gets no keys in its environment, so a [default]
// profile with credentials of its own would win over the endpoint (botocore and
// the SDKs read the default profile before container credentials). These find
// such a profile in the shared files' text and take its credential settings out. Pure.

/** Settings that make a profile a credential source of its own. */
export const CREDENTIAL_SETTINGS = new Set([
  'aws_access_key_id',
  'aws_secret_access_key',
  'aws_session_token',
  'credential_process',
  'credential_source',
  'role_arn',
  'source_profile',
  'web_identity_token_file',
  'sso_session',
  'sso_start_url',
  'sso_account_id',
  'sso_role_name',
  'login_session',
]);

const SECTION = /^\s*\[\s*([^\]]+?)\s*\]\s*$/;
const SETTING = /^([A-Za-z0-9_.-]+)\s*=/;

/** `text` without the credential settings of its default profile ([default] or [profile default]); undefined when it has none. */
export function withoutDefaultCredentials(text: string): string | undefined {
  const lines = text.split(/\r?\n/);
  const kept: string[] = [];
  let inDefault = false;
  let dropping = false;
  let dropped = false;
  for (const line of lines) {
    const section = SECTION.exec(line);
    if (section !== null) {
      const name = (section[1] ?? '').replace(/^profile\s+/, '');
      inDefault = name === 'default';
      dropping = false;
      kept.push(line);
      continue;
    }
    // An indented line continues the setting above it (nested values such as s3 =).
    if (dropping && /^\s+\S/.test(line)) continue;
    const setting = SETTING.exec(line.trim());
    dropping = inDefault && !/^\s/.test(line) && setting !== null && CREDENTIAL_SETTINGS.has((setting[1] ?? '').toLowerCase());
    if (dropping) {
      dropped = true;
      continue;
    }
    kept.push(line);
  }
  return dropped ? kept.join('\n') : undefined;
}
