// A profile's settings as the SDK reads the shared files (its own INI reader), and
// what they say without a network call: the MFA device a profile names, and whether
// an SSO profile's session is there to use (the token file IAM Identity Center's
// sign-in leaves), so that a dry run and doctor can say "aws sso login" beforehand.
import { loadStsSdk } from '../aws/load-sdk.ts';
import type { Environment } from '../domain/environment.ts';
import { sharedFilePaths } from './source-plan.ts';

export type ProfileSettings = Record<string, string | undefined>;

/** A profile's settings in the shared config and credentials files (the config's over the credentials'). */
export async function profileSettings(profile: string, env: Environment): Promise<ProfileSettings> {
  const { loadSharedConfigFiles } = await loadStsSdk();
  const { configFile, credentialsFile } = sharedFilePaths(env);
  const parsed = await loadSharedConfigFiles({ filepath: credentialsFile, configFilepath: configFile, ignoreCache: true }).catch(() => ({
    configFile: {} as Record<string, ProfileSettings>,
    credentialsFile: {} as Record<string, ProfileSettings>,
  }));
  return { ...parsed.credentialsFile[profile], ...parsed.configFile[profile] };
}

/** Where an SSO profile's session stands: none to use (never logged in here), ended, or good until a time. */
export type SsoState = { state: 'missing' } | { state: 'expired'; expiresAt: Date } | { state: 'valid'; expiresAt: Date };

/** The SSO session of `profile`, read from the token cache; undefined when it is not an SSO profile. */
export async function ssoSessionOf(settings: ProfileSettings, now: number): Promise<SsoState | undefined> {
  const key = settings.sso_session ?? settings.sso_start_url;
  if (key === undefined) return undefined;
  const { getSSOTokenFromFile } = await loadStsSdk();
  try {
    const token = await getSSOTokenFromFile(key);
    const expiresAt = new Date(token.expiresAt);
    if (Number.isNaN(expiresAt.getTime())) return { state: 'missing' };
    return expiresAt.getTime() <= now ? { state: 'expired', expiresAt } : { state: 'valid', expiresAt };
  } catch {
    return { state: 'missing' };
  }
}

/** The one line an SSO profile without a usable session gets, and its fix. */
export function ssoProblem(profile: string, state: SsoState): { message: string; fix: string } | undefined {
  if (state.state === 'valid') return undefined;
  return {
    message:
      state.state === 'expired'
        ? `profile ${profile}: its SSO session ended at ${state.expiresAt.toISOString()}`
        : `profile ${profile}: no SSO session (not logged in on this machine)`,
    fix: `aws sso login --profile ${profile}`,
  };
}
