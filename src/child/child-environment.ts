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

export interface ChildCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface ChildEnvironmentInput {
  /** The wrapper's own environment: it passes through (Jenkins' process cookies must survive). */
  parent: Readonly<Record<string, string | undefined>>;
  /** Variables from --env-file files: below the parent's, as dotenv does. */
  files?: Readonly<Record<string, string>>;
  credentials: ChildCredentials;
  /** Becomes AWS_REGION and AWS_DEFAULT_REGION when known. */
  region?: string | undefined;
}

/** Builds the child's environment from the parent's, files, credentials and region. */
export function buildChildEnvironment({ parent, files = {}, credentials, region }: ChildEnvironmentInput): Record<string, string> {
  const environment: Record<string, string> = { ...files };
  for (const [name, value] of Object.entries(parent)) {
    if (value !== undefined) environment[name] = value;
  }
  for (const name of OVERRIDING_VARIABLES) delete environment[name];
  environment.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
  environment.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
  environment.AWS_SESSION_TOKEN = credentials.sessionToken;
  environment.AWS_CREDENTIAL_EXPIRATION = credentials.expiration.toISOString();
  if (region !== undefined) {
    environment.AWS_REGION = region;
    environment.AWS_DEFAULT_REGION = region;
  }
  return environment;
}
