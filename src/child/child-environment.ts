// The child's environment: the parent's, plus the assumed credentials and region,
// minus whatever would make an SDK or the AWS CLI pick other credentials. Pure.

import type { Environment } from '../domain/environment.ts';
import { OVERRIDING_VARIABLES, RESOLVING_PROFILE } from '../domain/environment.ts';

/**
 * The CLI's own, not the command's: where the run's id token lies
 * (--web-identity-token-file), and the mark of the profile the CLI resolved (cli.ts).
 */
export const CLI_ONLY_VARIABLES = ['WITH_ASSUMED_ROLE_WEB_IDENTITY_TOKEN_FILE', RESOLVING_PROFILE] as const;

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
  /** The profile the child's clients select (refresh-profile.ts): it holds no credentials, so none can win over the endpoint. */
  profile: string;
  /** The config file that holds it: a copy of the child's own, with the profile appended. */
  configFile: string;
}

export type ChildEnvironmentInput = {
  /** The wrapper's own environment: it passes through (Jenkins' process cookies must survive). */
  parent: Environment;
  /** Variables from --env-file files: below the parent's, as dotenv does. */
  files?: Readonly<Record<string, string>>;
  /** Becomes AWS_REGION and AWS_DEFAULT_REGION when known. */
  region?: string | undefined;
} & ({ credentials: ChildCredentials } | { endpoint: ChildEndpoint });

/** Static keys and their expiry: what the endpoint replaces, and what the parent's own must not leak into. */
const KEY_VARIABLES = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_CREDENTIAL_EXPIRATION'] as const;

/**
 * The parent's and the files' variables as the child would have them, before the
 * wrapper adds its own: where its shared files are, what its default profile is.
 */
export function mergedParentEnvironment(input: Pick<ChildEnvironmentInput, 'parent' | 'files'>): Record<string, string> {
  const environment: Record<string, string> = { ...input.files };
  for (const [name, value] of Object.entries(input.parent)) {
    if (value !== undefined) environment[name] = value;
  }
  return environment;
}

/** Builds the child's environment from the parent's, files, the credentials (or the endpoint serving them) and region. */
export function buildChildEnvironment(input: ChildEnvironmentInput): Record<string, string> {
  const { region } = input;
  const environment = mergedParentEnvironment(input);
  for (const name of [...OVERRIDING_VARIABLES, ...CLI_ONLY_VARIABLES]) delete environment[name];
  if ('credentials' in input) {
    const { credentials } = input;
    environment.AWS_ACCESS_KEY_ID = credentials.accessKeyId;
    environment.AWS_SECRET_ACCESS_KEY = credentials.secretAccessKey;
    environment.AWS_SESSION_TOKEN = credentials.sessionToken;
    environment.AWS_CREDENTIAL_EXPIRATION = credentials.expiration.toISOString();
  } else {
    const { endpoint } = input;
    for (const name of KEY_VARIABLES) delete environment[name];
    environment.AWS_CONTAINER_CREDENTIALS_FULL_URI = endpoint.url;
    environment.AWS_CONTAINER_AUTHORIZATION_TOKEN = endpoint.token;
    // A profile of the child's own: no default profile is read for credentials (refresh-profile.ts).
    environment.AWS_PROFILE = endpoint.profile;
    environment.AWS_DEFAULT_PROFILE = endpoint.profile;
    environment.AWS_CONFIG_FILE = endpoint.configFile;
    // The JavaScript SDK v2 and the Go SDK v1 read the config file only with this.
    environment.AWS_SDK_LOAD_CONFIG = '1';
    // A client too old for AWS_CONTAINER_CREDENTIALS_FULL_URI then fails, never falls back to the instance's role.
    environment.AWS_EC2_METADATA_DISABLED = 'true';
  }
  if (region !== undefined) {
    environment.AWS_REGION = region;
    environment.AWS_DEFAULT_REGION = region;
  }
  return environment;
}
