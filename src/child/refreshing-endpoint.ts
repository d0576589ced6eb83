// --refresh: the credentials endpoint, fed by a Refresher that assumes the role
// again before expiry, and the shared files the child reads instead of a parent's
// whose default profile would win over the endpoint.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TemporaryCredentials } from '../credentials/assume-role.ts';
import { Refresher, type Timers } from '../credentials/refresher.ts';
import { type Environment, sharedFilePaths } from '../credentials/source-plan.ts';
import { type CredentialEndpoint, startCredentialEndpoint } from './credential-endpoint.ts';
import { withoutDefaultCredentials } from './shared-config.ts';

export interface RefreshingEndpoint {
  endpoint: CredentialEndpoint;
  /** Replacements for the parent's shared files, where those would win over the endpoint. */
  sharedFiles: { configFile?: string; credentialsFile?: string };
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
  env: Environment;
  timers?: Timers;
}

const secretsOf = (credentials: TemporaryCredentials) => [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken];

const readText = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** Shared files without a default profile that holds credentials: copies in a private folder, only where needed. */
function cleanSharedFiles(env: Environment): { files: RefreshingEndpoint['sharedFiles']; dir: string | undefined } {
  const { configFile, credentialsFile } = sharedFilePaths(env);
  const config = readText(configFile);
  const cleanConfig = config === undefined ? undefined : withoutDefaultCredentials(config);
  const credentials = readText(credentialsFile);
  const cleanCredentials = credentials === undefined ? undefined : withoutDefaultCredentials(credentials);
  if (cleanConfig === undefined && cleanCredentials === undefined) return { files: {}, dir: undefined };
  const dir = mkdtempSync(join(tmpdir(), 'with-assumed-role-'));
  const files: RefreshingEndpoint['sharedFiles'] = {};
  if (cleanConfig !== undefined) {
    files.configFile = join(dir, 'config');
    writeFileSync(files.configFile, cleanConfig, { mode: 0o600 });
  }
  if (cleanCredentials !== undefined) {
    files.credentialsFile = join(dir, 'credentials');
    writeFileSync(files.credentialsFile, cleanCredentials, { mode: 0o600 });
  }
  return { files, dir };
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
    ...(options.timers === undefined ? {} : { timers: options.timers }),
  });
  const endpoint = await startCredentialEndpoint(() => {
    const current = refresher.current;
    return current === undefined
      ? { gone: `withAssumedRole: the role's credentials expired at ${last.expiration.toISOString()} and could not be refreshed` }
      : current;
  });
  const shared = cleanSharedFiles(options.env);
  return {
    endpoint,
    sharedFiles: shared.files,
    secrets: [endpoint.token, ...secretsOf(first)],
    onNewSecrets: (listener) => listeners.push(listener),
    stop: async () => {
      refresher.stop();
      await endpoint.close();
      if (shared.dir !== undefined) rmSync(shared.dir, { recursive: true, force: true });
    },
  };
}
