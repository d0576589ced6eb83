// What `serve` writes into its folder for other processes: an AWS config whose
// profile runs `sh credentials.sh`, which prints the credential_process JSON the
// broker keeps fresh; and the variables a Jenkins block's body gets. Pure.

import type { AwsCredentials } from '../credentials/source-credentials.ts';
import type { Environment } from '../domain/environment.ts';
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
  /** What --check found (BodyCheck and the mode it chose), as JSON. */
  check: 'check.json',
  request: 'request.json',
  bodyEnv: 'body.env',
  pid: 'broker.pid',
  log: 'refresh.log',
  /** The token of the broker's loopback endpoint (AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE). */
  endpointToken: 'endpoint-token',
  /** Touched by the broker while it runs: a folder whose heartbeat stopped was left by a refresh that died. */
  heartbeat: 'heartbeat',
} as const;

/** Marks a folder as the step's own, so that a later block may remove it once its refresh is gone. */
export const FOLDER_PREFIX = 'with-assumed-role.';

/**
 * What the body's AWS_CONTAINER_CREDENTIALS_RELATIVE_URI becomes where the agent
 * process itself sets one (an ECS agent), which withEnv cannot remove: a path the
 * ECS endpoint answers with an error, so that a client falling back to container
 * credentials fails instead of taking the agent's task role.
 */
export const HIDDEN_RELATIVE_URI = '/with-assumed-role/not-in-this-block';

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

/** What the body's environment is made of, besides the folder and the role. */
export interface BodyEnvironmentInput {
  region: string | undefined;
  /** web-identity mode: the run's own id token, which the body's web identity variables name. */
  tokenFile?: string | undefined;
  /** The broker's loopback endpoint, serving the role (AWS_CONTAINER_CREDENTIALS_FULL_URI). */
  endpointUrl: string;
  /** The agent process sets AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, which an empty value cannot remove. */
  hideRelativeUri: boolean;
}

/**
 * The body's withEnv entries, so that every AWS client in it acts as the role or
 * fails (docs/sdk-matrix.md): the profile selected by both names botocore and the
 * SDKs read; the shared config loaded by the SDKs that read it only when asked
 * (AWS_SDK_LOAD_CONFIG: the JavaScript SDK v2, the Go SDK v1); instance metadata off,
 * so that no client falls back to the agent's instance role; container credentials
 * pointed at the broker's endpoint, which serves the role to a client that asks for
 * them before a credential_process (the JavaScript SDK v2), and an ECS agent's
 * relative URI hidden; the pipeline's own keys and web identity removed (an empty
 * value); AWS_ROLE_ARN and AWS_ROLE_SESSION_NAME set to the deploy role's, so that a
 * web identity left in the agent's or a container's environment can only become the
 * deploy role or fail. No value here is a secret: withEnv records them.
 */
export function bodyEnvironment(dir: string, target: ProfileTarget, input: BodyEnvironmentInput): string[] {
  const { region, tokenFile } = input;
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
    ['AWS_SDK_LOAD_CONFIG', '1'],
    ['AWS_EC2_METADATA_DISABLED', 'true'],
    ['AWS_CONTAINER_CREDENTIALS_FULL_URI', input.endpointUrl],
    ['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', input.hideRelativeUri ? HIDDEN_RELATIVE_URI : ''],
    ['AWS_CONTAINER_AUTHORIZATION_TOKEN', ''],
    ['AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', `${dir}/${FILES.endpointToken}`],
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
  /** AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (an ECS task role), which the SDKs read before a FULL_URI. */
  relativeUri: boolean;
}

export function checkBodyEnvironment(env: Environment): BodyCheck {
  const set = (name: string) => (env[name] ?? '') !== '';
  // botocore takes environment keys when AWS_ACCESS_KEY_ID is set (and fails without the secret); a secret alone does nothing.
  return {
    keys: set('AWS_ACCESS_KEY_ID') ? ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'].filter(set) : [],
    webIdentity: ['AWS_WEB_IDENTITY_TOKEN_FILE'].filter(set),
    kubernetes: set('KUBERNETES_SERVICE_HOST'),
    relativeUri: set('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'),
  };
}
