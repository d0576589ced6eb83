// The child's environment: the parent's, plus the assumed credentials and region,
// minus whatever would make an SDK or the AWS CLI pick other credentials. Pure.

/**
 * Variables that would override the injected keys: the SDKs ignore environment
 * keys while AWS_PROFILE is set, and web identity or container settings would be
 * used before them by some tools. Stale token and expiry variables go too.
 */
export const OVERRIDING_VARIABLES = [
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ROLE_ARN',
  'AWS_ROLE_SESSION_NAME',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AWS_SECURITY_TOKEN',
  'AWS_SESSION_EXPIRATION',
] as const;

/** Where the run's id token lies (--web-identity-token-file): the CLI's to read, not the command's. */
export const CLI_ONLY_VARIABLES = ['WITH_ASSUMED_ROLE_WEB_IDENTITY_TOKEN_FILE'] as const;

export interface ChildCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** --refresh: where the child fetches credentials instead (the container-credentials protocol). */
export interface ChildEndpoint {
  url: string;
  token: string;
}

export type ChildEnvironmentInput = {
  /** The wrapper's own environment: it passes through (Jenkins' process cookies must survive). */
  parent: Readonly<Record<string, string | undefined>>;
  /** Variables from --env-file files: below the parent's, as dotenv does. */
  files?: Readonly<Record<string, string>>;
  /** Becomes AWS_REGION and AWS_DEFAULT_REGION when known. */
  region?: string | undefined;
  /** Shared config and credentials files to read instead of the parent's (--refresh, when their default profile holds credentials). */
  sharedFiles?: { configFile?: string | undefined; credentialsFile?: string | undefined };
} & ({ credentials: ChildCredentials } | { endpoint: ChildEndpoint });

/** Static keys and their expiry: what the endpoint replaces, and what the parent's own must not leak into. */
const KEY_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION'] as const;

/** Builds the child's environment from the parent's, files, the credentials (or the endpoint serving them) and region. */
export function buildChildEnvironment(input: ChildEnvironmentInput): Record<string, string> {
  const { parent, files = {}, region, sharedFiles } = input;
  const environment: Record<string, string> = { ...files };
  for (const [name, value] of Object.entries(parent)) {
    if (value !== undefined) environment[name] = value;
  }
  for (const name of [...OVERRIDING_VARIABLES, ...CLI_ONLY_VARIABLES]) delete environment[name];
  if ('credentials' in input) {
    const { credentials } = input;
    environment.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
    environment.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
    environment.AWS_SESSION_TOKEN = credentials.sessionToken;
    environment.AWS_CREDENTIAL_EXPIRATION = credentials.expiration.toISOString();
  } else {
    for (const name of KEY_VARIABLES) delete environment[name];
    environment.AWS_CONTAINER_CREDENTIALS_FULL_URI = input.endpoint.url;
    environment.AWS_CONTAINER_AUTHORIZATION_TOKEN = input.endpoint.token;
  }
  if (sharedFiles?.configFile !== undefined) environment.AWS_CONFIG_FILE = sharedFiles.configFile;
  if (sharedFiles?.credentialsFile !== undefined) environment.AWS_SHARED_CREDENTIALS_FILE = sharedFiles.credentialsFile;
  if (region !== undefined) {
    environment.AWS_REGION = region;
    environment.AWS_DEFAULT_REGION = region;
  }
  return environment;
}
