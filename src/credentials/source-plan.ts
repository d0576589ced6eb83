// Which source-credential providers will be asked, in the SDK's order, decided
// from the environment alone. Pure: dry runs, doctor and errors describe it.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Environment } from '../domain/environment.ts';

export type SourceKind = 'environment' | 'profile' | 'web-identity' | 'container' | 'instance-metadata';

export interface SourceStep {
  kind: SourceKind;
  /** 'environment (AWS_ACCESS_KEY_ID)', 'profile dev', 'instance metadata (169.254.169.254)'. */
  label: string;
  /** Why this step is not even tried, when it is not. */
  skip?: string;
  /** The profile to read, for 'profile'. */
  profile?: string;
}

const set = (value: string | undefined): value is string => value !== undefined && value !== '';

/** How `env` sets up instance metadata for the SDK: turned off, or another endpoint than 169.254.169.254. */
export function instanceMetadataSettings(env: Environment): { disabled: boolean; endpoint: string | undefined } {
  return {
    disabled: set(env.AWS_EC2_METADATA_DISABLED) && env.AWS_EC2_METADATA_DISABLED.toLowerCase() !== 'false',
    endpoint: set(env.AWS_EC2_METADATA_SERVICE_ENDPOINT) ? env.AWS_EC2_METADATA_SERVICE_ENDPOINT : undefined,
  };
}

/** The shared config and credentials files the SDK reads for `env` (in its HOME). */
export function sharedFilePaths(env: Environment): { configFile: string; credentialsFile: string } {
  const home = set(env.HOME) ? env.HOME : homedir();
  return {
    configFile: set(env.AWS_CONFIG_FILE) ? env.AWS_CONFIG_FILE : join(home, '.aws', 'config'),
    credentialsFile: set(env.AWS_SHARED_CREDENTIALS_FILE) ? env.AWS_SHARED_CREDENTIALS_FILE : join(home, '.aws', 'credentials'),
  };
}

/** What the plan needs to know beyond the environment: read from the shared files by the caller. */
export interface SourceFacts {
  /** Whether the shared config or credentials file has a default profile. */
  defaultProfile: boolean;
}

/** Whether a shared file's text has the default profile ([default], or [profile default] in the config). */
export function hasDefaultSection(text: string): boolean {
  return /^\s*\[\s*(?:profile\s+)?default\s*\]\s*$/m.test(text);
}

/**
 * The SDK default chain's steps for `env`: environment keys, a profile, web
 * identity, container, instance metadata. A named profile (flag or AWS_PROFILE)
 * is the only step: it must work, rather than quietly fall through to the instance's role.
 */
export function planSourceChain(env: Environment, profile: string | undefined, facts: SourceFacts): SourceStep[] {
  const named = profile ?? (set(env.AWS_PROFILE) ? env.AWS_PROFILE : undefined);
  if (named !== undefined) {
    return [{ kind: 'profile', label: `profile ${named}${profile === undefined ? ' (AWS_PROFILE)' : ''}`, profile: named }];
  }
  const keys = set(env.AWS_ACCESS_KEY_ID) && set(env.AWS_SECRET_ACCESS_KEY);
  const webIdentity = set(env.AWS_WEB_IDENTITY_TOKEN_FILE);
  const container = set(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) || set(env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
  const metadata = instanceMetadataSettings(env);
  return [
    {
      kind: 'environment',
      label: 'environment (AWS_ACCESS_KEY_ID)',
      ...(keys ? {} : { skip: 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set' }),
    },
    {
      kind: 'profile',
      label: 'profile default',
      profile: 'default',
      ...(facts.defaultProfile ? {} : { skip: 'no [default] profile in the shared config or credentials file' }),
    },
    {
      kind: 'web-identity',
      label: `web identity (${env.AWS_WEB_IDENTITY_TOKEN_FILE ?? 'AWS_WEB_IDENTITY_TOKEN_FILE'})`,
      ...(webIdentity ? {} : { skip: 'AWS_WEB_IDENTITY_TOKEN_FILE is not set' }),
    },
    {
      kind: 'container',
      label: 'container credentials',
      ...(container ? {} : { skip: 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI/FULL_URI are not set' }),
    },
    {
      kind: 'instance-metadata',
      label: `instance metadata (${metadata.endpoint ?? '169.254.169.254'})`,
      ...(metadata.disabled ? { skip: 'AWS_EC2_METADATA_DISABLED is set' } : {}),
    },
  ];
}

/** Instance profiles, task roles and web identities are role sessions: STS caps chained sessions at one hour. */
export function isRoleSessionSource(kind: SourceKind): boolean {
  return kind === 'instance-metadata' || kind === 'container' || kind === 'web-identity';
}
