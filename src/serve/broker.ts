// `serve`: assume the role once in the foreground (failing fast, with the usual
// messages), write the profile into the folder, then hand over to a background
// process of our own that keeps the served credentials fresh until the folder is
// removed. Nothing but this process tree and the folder ever holds them.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { configuredEndpoint } from '../aws/endpoints.ts';
import type { NetworkSettings } from '../aws/proxy-rules.ts';
import { resolveStsRegion, stsHandler } from '../credentials/assume-role.ts';
import { Refresher } from '../credentials/refresher.ts';
import { type AwsCredentials, resolveSourceCredentials } from '../credentials/source-credentials.ts';
import type { Environment } from '../credentials/source-plan.ts';
import { type AssumeRoleResult, assumeRole } from '../library.ts';
import type { RoleRequest } from '../options/command-options.ts';
import { formatError } from '../output/reporter.ts';
import {
  type BodyCredentials,
  bodyEnvironment,
  configText,
  credentialsScript,
  FILES,
  type ProfileTarget,
  processJson,
} from './profile-files.ts';
import { logLine, readFolderFile, removeFolderFile, untilFolderGone, writeAtomically } from './serve-folder.ts';

/** What the background process needs to carry on: no secrets (those stay in served.json). */
export interface ServeRecord {
  request: RoleRequest;
  mode: BodyCredentials;
  /** The STS region, resolved once. */
  stsRegion: string;
}

const targetOf = (request: RoleRequest): ProfileTarget => ({
  roleArn: request.roleArn,
  sessionName: request.sessionName,
  durationSeconds: request.durationSeconds,
  externalId: request.externalId,
});

/** The credentials `mode` serves, from an assumed role: the role's own, or the source it came from. */
export function servedOf(mode: BodyCredentials, assumed: AssumeRoleResult): AwsCredentials {
  if (mode !== 'source') return assumed.credentials;
  if (assumed.source.kind === 'web-identity-token') throw new Error('serve: source mode with a web identity token');
  return assumed.source.credentials;
}

/** Fetches what `mode` serves again: the role assumed anew, or the source credentials resolved anew. */
export async function fetchServed(record: ServeRecord, env: Environment, log: (line: string) => void): Promise<AwsCredentials> {
  if (record.mode !== 'source') return (await assumeRole({ ...record.request, region: record.stsRegion, env, log })).credentials;
  const endpoint = configuredEndpoint('STS', record.request.endpointUrl, env);
  const { options: handler } = await stsHandler(record.stsRegion, endpoint, record.request.network, env);
  const source = await resolveSourceCredentials(
    { profile: record.request.profile, region: record.stsRegion, endpointUrl: endpoint, handler },
    env,
  );
  return source.credentials;
}

/** Writes everything the body reads; `served.json` last, so a reader never sees a profile without credentials behind it. */
export function writeProfile(dir: string, record: ServeRecord, served: AwsCredentials, childRegion: string | undefined): void {
  const target = targetOf(record.request);
  // Not the network settings: a proxy URL may hold a password. The background process gets them as settings.
  const { network: _network, ...request } = record.request;
  writeAtomically(dir, FILES.request, `${JSON.stringify({ ...record, request })}\n`);
  writeAtomically(dir, FILES.credentials, '');
  writeAtomically(dir, FILES.script, credentialsScript(dir));
  writeAtomically(dir, FILES.config, configText(dir, record.mode, target, childRegion));
  const tokenFile = record.mode === 'web-identity' ? record.request.webIdentityTokenFile : undefined;
  writeAtomically(dir, FILES.bodyEnv, `${bodyEnvironment(dir, target, childRegion, tokenFile).join('\n')}\n`);
  writeAtomically(dir, FILES.served, processJson(served));
}

/** The network settings as the settings variables the background process reads. */
function networkVariables(network: NetworkSettings): Record<string, string> {
  return {
    ...(network.noProxy
      ? { WITH_ASSUMED_ROLE_PROXY: 'none' }
      : network.proxy === undefined
        ? {}
        : { WITH_ASSUMED_ROLE_PROXY: network.proxy }),
    ...(network.caBundle === undefined ? {} : { WITH_ASSUMED_ROLE_CA_BUNDLE: network.caBundle }),
  };
}

/** Starts the background refresh: this same CLI, detached, its output into the folder's log. */
export function startBackground(dir: string, entry: string, network: NetworkSettings): number | undefined {
  const log = openSync(`${dir}/${FILES.log}`, 'a', 0o600);
  try {
    const child = spawn(process.execPath, ['--', entry, 'serve', '--background', '--dir', dir], {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, ...networkVariables(network) },
    });
    child.unref();
    if (child.pid !== undefined) writeAtomically(dir, FILES.pid, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

/** The STS region of a request, resolved as assumeRole resolves it. */
export async function stsRegionOf(request: RoleRequest, env: Environment): Promise<string> {
  return (
    await resolveStsRegion(request.region ?? (env.AWS_REGION || env.AWS_DEFAULT_REGION || undefined), request.profile, env, request.roleArn)
  ).region;
}

/** The background process: serves fresh credentials until the folder is removed or a stop signal comes. */
export async function runBackground(dir: string, env: Environment, network: NetworkSettings): Promise<number> {
  const stored = JSON.parse(readFolderFile(dir, FILES.request) ?? 'null') as ServeRecord | null;
  const record = stored === null ? null : { ...stored, request: { ...stored.request, network } };
  const served = JSON.parse(readFolderFile(dir, FILES.served) ?? 'null') as { Expiration?: string } | null;
  if (record === null || served === null) {
    logLine(dir, 'withAssumedRole: the background refresh found no credentials to refresh; the block runs without refresh');
    return 0;
  }
  const stamp = () => new Date().toISOString();
  const refresher = new Refresher<AwsCredentials | { expiration?: Date }>(
    served.Expiration === undefined ? {} : { expiration: new Date(served.Expiration) },
    (value) => value.expiration,
    {
      fetch: () => fetchServed(record, env, () => undefined),
      update: (value) => writeAtomically(dir, FILES.served, processJson(value as AwsCredentials)),
      failed: (error, repeated) => {
        if (!repeated)
          logLine(dir, `${stamp()} refresh failed; retrying until the current credentials expire:\n${formatError(error, false)}`);
      },
      expired: () => {
        removeFolderFile(dir, FILES.served);
        const message = `withAssumedRole: the credentials of ${record.request.roleArn} expired and could not be refreshed (see ${dir}/${FILES.log})`;
        writeAtomically(dir, FILES.error, `${message}\n`);
        logLine(dir, `${stamp()} ${message}`);
      },
    },
  );
  await untilFolderGone(dir);
  refresher.stop();
  return 0;
}
