// --refresh: the credentials endpoint, fed by a Refresher that assumes the role
// again before expiry, and the profile of the child's own that keeps any default
// profile from winning over it (refresh-profile.ts).
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadStsSdk } from '../aws/load-sdk.ts';
import type { TemporaryCredentials } from '../credentials/assume-role.ts';
import { Refresher, type Timers } from '../credentials/refresher.ts';
import { sharedFilePaths } from '../credentials/source-plan.ts';
import type { Environment } from '../domain/environment.ts';
import type { ChildEndpoint } from './child-environment.ts';
import { type CredentialEndpoint, startCredentialEndpoint } from './credential-endpoint.ts';
import { makePrivateFolder, removePrivateFolder } from './private-folder.ts';
import { configWithProfile, refreshProfileName, settingsLines } from './refresh-profile.ts';

export interface RefreshingEndpoint {
  endpoint: CredentialEndpoint;
  /** What the child's environment names: the endpoint, and the profile that selects nothing else. */
  child: ChildEndpoint;
  /** Every secret the child may be handed, so far: the token and each credentials' parts. */
  secrets: string[];
  /** Called with each new credentials' secrets, before the endpoint serves them (to mask them). */
  onNewSecrets(listener: (secrets: string[]) => void): void;
  stop(): Promise<void>;
}

export interface RefreshingOptions {
  fetch(): Promise<TemporaryCredentials>;
  failed(error: unknown, repeated: boolean, current: TemporaryCredentials | undefined): void;
  expired(last: TemporaryCredentials): void;
  /** Refreshed again after failures. */
  recovered(): void;
  /** The child's environment before the wrapper's additions: where its shared files are. */
  env: Environment;
  timers?: Timers;
}

const secretsOf = (credentials: TemporaryCredentials) => [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken];

const readText = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};

/**
 * The child's profile: a copy of its config file (as its environment names it) with a
 * profile appended that holds the default profile's settings, read by the SDK's own
 * reader, and no credentials; in a private folder, removed when the command ends.
 */
async function commandProfile(env: Environment): Promise<{ profile: string; configFile: string; dir: string }> {
  const { configFile, credentialsFile } = sharedFilePaths(env);
  const userText = readText(configFile);
  const { loadSharedConfigFiles } = await loadStsSdk();
  const parsed = await loadSharedConfigFiles({ filepath: credentialsFile, configFilepath: configFile, ignoreCache: true }).catch(() => ({
    configFile: {} as Record<string, Record<string, string | undefined>>,
    credentialsFile: {} as Record<string, Record<string, string | undefined>>,
  }));
  const defaults = { ...parsed.credentialsFile.default, ...parsed.configFile.default };
  const profile = refreshProfileName(userText, () => randomBytes(4).toString('hex'));
  const dir = makePrivateFolder();
  const copy = join(dir, 'config');
  writeFileSync(copy, configWithProfile(userText, profile, settingsLines(defaults)), { mode: 0o600 });
  return { profile, configFile: copy, dir };
}

export async function openRefreshingEndpoint(first: TemporaryCredentials, options: RefreshingOptions): Promise<RefreshingEndpoint> {
  const listeners: ((secrets: string[]) => void)[] = [];
  let last = first;
  const refresher = new Refresher<TemporaryCredentials>(first, (credentials) => credentials.expiration, {
    fetch: options.fetch,
    update: (credentials) => {
      for (const listener of listeners) listener(secretsOf(credentials));
      last = credentials;
    },
    failed: (error, repeated) => options.failed(error, repeated, refresher.current),
    expired: () => options.expired(last),
    recovered: () => options.recovered(),
    ...(options.timers === undefined ? {} : { timers: options.timers }),
  });
  const endpoint = await startCredentialEndpoint(() => {
    const current = refresher.current;
    return current === undefined
      ? { gone: `withAssumedRole: the role's credentials expired at ${last.expiration.toISOString()} and could not be refreshed` }
      : current;
  });
  const shared = await commandProfile(options.env);
  return {
    endpoint,
    child: { url: endpoint.url, token: endpoint.token, profile: shared.profile, configFile: shared.configFile },
    secrets: [endpoint.token, ...secretsOf(first)],
    onNewSecrets: (listener) => listeners.push(listener),
    stop: async () => {
      refresher.stop();
      await endpoint.close();
      removePrivateFolder(shared.dir);
    },
  };
}
