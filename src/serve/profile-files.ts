// What `serve` writes into its folder for other processes: an AWS config whose
// profile runs `sh credentials.sh`, which prints the credential_process JSON the
// broker keeps fresh; and the variables a Jenkins block's body gets. Pure.
import type { AwsCredentials } from '../credentials/source-credentials.ts';
import { shellWord } from '../output/shell-words.ts';

/** The profile the body's AWS tools use, and the one holding the source in `source` mode. */
export const PROFILE = 'with-assumed-role';
export const SOURCE_PROFILE = 'with-assumed-role-source';

/**
 * What the body is handed. `role`: the role's own credentials, refreshed by the
 * broker. `source`: the source credentials and a profile that assumes the role,
 * for where web identity variables would win over a credential_process.
 * `web-identity`: the role's credentials as in `role`, and, for botocore, whose web
 * identity variables the agent's own environment sets, those variables pointed at
 * the run's own id token and the role (keyless runs, --web-identity-token-file).
 */
export type BodyCredentials = 'role' | 'source' | 'web-identity';

export const FILES = {
  config: 'config',
  credentials: 'credentials',
  script: 'credentials.sh',
  served: 'served.json',
  error: 'error',
  mode: 'mode',
  request: 'request.json',
  bodyEnv: 'body.env',
  pid: 'broker.pid',
  log: 'refresh.log',
} as const;

/** The credential_process JSON (Version 1); no Expiration for keys that do not expire. */
export function processJson(credentials: AwsCredentials): string {
  return `${JSON.stringify({
    Version: 1,
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    ...(credentials.sessionToken === undefined ? {} : { SessionToken: credentials.sessionToken }),
    ...(credentials.expiration === undefined ? {} : { Expiration: credentials.expiration.toISOString() }),
  })}\n`;
}

/**
 * The credential_process: only sh and cat, so it works in containers without node.
 * Once the credentials are gone (refresh failed past expiry, block ended) it says why on stderr.
 */
export function credentialsScript(dir: string): string {
  const served = shellWord(`${dir}/${FILES.served}`);
  const error = shellWord(`${dir}/${FILES.error}`);
  return [
    '# withAssumedRole: the credential_process of the AWS profile with-assumed-role',
    `cat ${served} 2>/dev/null && exit 0`,
    `cat ${error} >&2 2>/dev/null || echo "withAssumedRole: no credentials here any more: the block that served them has ended" >&2`,
    'exit 1',
    '',
  ].join('\n');
}

export interface ProfileTarget {
  roleArn: string;
  sessionName: string;
  durationSeconds: number;
  externalId: string | undefined;
}

/** The AWS config the body reads: one profile, and in `source` mode the source profile it assumes the role from. */
export function configText(dir: string, mode: BodyCredentials, target: ProfileTarget, region: string | undefined): string {
  const process = `credential_process = sh ${shellWord(`${dir}/${FILES.script}`)}`;
  const regionLine = region === undefined ? [] : [`region = ${region}`];
  if (mode !== 'source') return [`[profile ${PROFILE}]`, process, ...regionLine, ''].join('\n');
  return [
    `[profile ${PROFILE}]`,
    `role_arn = ${target.roleArn}`,
    `source_profile = ${SOURCE_PROFILE}`,
    `role_session_name = ${target.sessionName}`,
    `duration_seconds = ${target.durationSeconds}`,
    ...(target.externalId === undefined ? [] : [`external_id = ${target.externalId}`]),
    ...regionLine,
    '',
    `[profile ${SOURCE_PROFILE}]`,
    process,
    ...regionLine,
    '',
  ].join('\n');
}

/** withEnv expands $NAME and turns $$ into $: every $ doubled, a value arrives as written. */
export const escapeForWithEnv = (value: string) => value.replaceAll('$', '$$$$');

/**
 * The body's withEnv entries: the profile selected by both names botocore and the SDKs
 * read, the pipeline's own keys and web identity removed (an empty value), container
 * credentials removed (they rank below a profile anyway), and AWS_ROLE_ARN and
 * AWS_ROLE_SESSION_NAME set to the deploy role's: where a container's own spec sets
 * AWS_WEB_IDENTITY_TOKEN_FILE, botocore's web identity can then only become the
 * deploy role or fail, never act as the pod's role.
 */
export function bodyEnvironment(dir: string, target: ProfileTarget, region: string | undefined, tokenFile?: string): string[] {
  const entries: [string, string][] = [
    ['AWS_CONFIG_FILE', `${dir}/${FILES.config}`],
    ['AWS_SHARED_CREDENTIALS_FILE', `${dir}/${FILES.credentials}`],
    ['AWS_PROFILE', PROFILE],
    ['AWS_DEFAULT_PROFILE', PROFILE],
    ['AWS_ACCESS_KEY_ID', ''],
    ['AWS_SECRET_ACCESS_KEY', ''],
    ['AWS_SESSION_TOKEN', ''],
    ['AWS_SECURITY_TOKEN', ''],
    ['AWS_CREDENTIAL_EXPIRATION', ''],
    ['AWS_SESSION_EXPIRATION', ''],
    ['AWS_WEB_IDENTITY_TOKEN_FILE', tokenFile ?? ''],
    ['AWS_CONTAINER_CREDENTIALS_FULL_URI', ''],
    ['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', ''],
    ['AWS_CONTAINER_AUTHORIZATION_TOKEN', ''],
    ['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', ''],
    ['AWS_ROLE_ARN', target.roleArn],
    ['AWS_ROLE_SESSION_NAME', target.sessionName],
    ...(region === undefined
      ? []
      : ([
          ['AWS_REGION', region],
          ['AWS_DEFAULT_REGION', region],
        ] as [string, string][])),
  ];
  return entries.map(([name, value]) => `${name}=${escapeForWithEnv(value)}`);
}

/** What would win over the profile in the body, found in an environment withEnv could not clean: the agent process's own. */
export interface BodyCheck {
  /** Variables that would win over any profile (botocore reads environment keys first). */
  keys: string[];
  /** Web identity variables: botocore ranks them above a credential_process, below a role_arn profile. */
  webIdentity: string[];
  /** A Kubernetes pod (KUBERNETES_SERVICE_HOST): its container() specs may set web identity variables the check cannot see. */
  kubernetes: boolean;
}

export function checkBodyEnvironment(env: Readonly<Record<string, string | undefined>>): BodyCheck {
  const set = (name: string) => (env[name] ?? '') !== '';
  // botocore takes environment keys when AWS_ACCESS_KEY_ID is set (and fails without the secret); a secret alone does nothing.
  return {
    keys: set('AWS_ACCESS_KEY_ID') ? ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].filter(set) : [],
    webIdentity: ['AWS_WEB_IDENTITY_TOKEN_FILE'].filter(set),
    kubernetes: set('KUBERNETES_SERVICE_HOST'),
  };
}
