// The environment a run reads (process.env, or the one a library caller passes), and
// what it says about where the run happens. Pure.

/** Environment variables as a run reads them: names to values, some unset. */
export type Environment = Readonly<Record<string, string | undefined>>;

const present = (value: string | undefined): value is string => value !== undefined && value !== '';

/** Jenkins sets JENKINS_URL, BUILD_ID and JOB_NAME in every build's environment. */
export function isJenkins(env: Environment): boolean {
  return present(env.JENKINS_URL) || present(env.BUILD_ID) || present(env.JOB_NAME);
}

/** CI runs mask by default: Jenkins sets JENKINS_URL and BUILD_ID, most CI systems set CI. */
export function isCi(env: Environment): boolean {
  return present(env.JENKINS_URL) || present(env.BUILD_ID) || (present(env.CI) && env.CI !== 'false');
}

/**
 * Set by the CLI, in its own environment, to the profile it resolves source
 * credentials from, so that a credential_process of that profile which runs the CLI
 * again knows (not a setting: outside the prefix). Set once per CLI process, never
 * by the library: overlapping library calls share no mark.
 */
export const RESOLVING_PROFILE = '_WITH_ASSUMED_ROLE_RESOLVING_PROFILE';

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
