// `serve`: assume the role once in the foreground (failing fast, with the usual
// messages), write the profile into the folder, then hand over to a background
// process of our own (the broker) that keeps the served credentials fresh, and
// serves the role on a loopback endpoint, until the folder is removed, the agent
// process that ran the step is gone, or the refresh limit is reached. Nothing but
// this process tree and the folder ever holds the credentials.
import { spawn } from 'node:child_process';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { configuredEndpoint } from '../aws/endpoints.ts';
import { type CredentialEndpoint, type Served, startCredentialEndpoint } from '../child/credential-endpoint.ts';
import { type AssumeRoleResult, assumeRole } from '../credentials/assume.ts';
import type { TemporaryCredentials } from '../credentials/assume-role.ts';
import { Refresher } from '../credentials/refresher.ts';
import { type AwsCredentials, resolveSourceCredentials } from '../credentials/source-credentials.ts';
import { stsHandler } from '../credentials/sts-client.ts';
import { resolveStsRegion } from '../credentials/sts-region.ts';
import { type Environment, RESOLVING_PROFILE } from '../domain/environment.ts';
import { InternalError } from '../domain/errors.ts';
import type { NetworkSettings } from '../domain/network.ts';
import type { RoleRequest } from '../domain/role-request.ts';
import { formatError } from '../output/reporter.ts';
import { type ProcessAnchor, stillRunning } from './process-anchor.ts';
import {
  type BodyCredentials,
  bodyEnvironment,
  configText,
  credentialsScript,
  FILES,
  type ProfileTarget,
  processJson,
} from './profile-files.ts';
import { logLine, readFolderFile, removeFolderFile, touchHeartbeat, untilStopped, writeAtomically } from './serve-folder.ts';

/** What the background process needs to carry on: no secrets (those stay in served.json and its memory). */
export interface ServeRecord {
  request: RoleRequest;
  mode: BodyCredentials;
  /** The STS region, resolved once. */
  stsRegion: string;
  /** The agent process that ran the step: when it is gone, so is the broker. */
  anchor: ProcessAnchor | undefined;
  /** When the broker stops refreshing, whatever else happens (epoch ms): the refresh limit. */
  until: number;
  /** The agent sets AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (check.json): the body's is hidden. */
  hideRelativeUri: boolean;
  /** The session's ARN, as the AWS CLI's cache records it (stop-serving.ts). */
  assumedRoleArn: string;
  childRegion: string | undefined;
}

/** What the broker holds: the credentials the profile hands out, and the role's, which its endpoint serves. */
export interface BrokerCredentials {
  served: AwsCredentials;
  role: TemporaryCredentials;
}

const targetOf = (request: RoleRequest): ProfileTarget => ({
  roleArn: request.roleArn,
  sessionName: request.sessionName,
  durationSeconds: request.durationSeconds,
  externalId: request.externalId,
});

/** The credentials `mode` serves, from an assumed role: the role's own, or the source it came from. */
export function brokerCredentialsOf(mode: BodyCredentials, assumed: AssumeRoleResult): BrokerCredentials {
  if (mode !== 'source') return { served: assumed.credentials, role: assumed.credentials };
  if (assumed.source.kind === 'web-identity-token')
    throw new InternalError('serve: source mode with a web identity token', { fix: 'report it' });
  return { served: assumed.source.credentials, role: assumed.credentials };
}

/** Fetches anew: the role assumed again, and in `source` mode from the source credentials resolved again, which are served. */
export async function fetchBrokerCredentials(
  record: ServeRecord,
  env: Environment,
  log: (line: string) => void,
): Promise<BrokerCredentials> {
  if (record.mode !== 'source')
    return brokerCredentialsOf(record.mode, await assumeRole({ ...record.request, region: record.stsRegion, env, log }));
  const endpoint = configuredEndpoint('STS', record.request.endpointUrl, env);
  const { options: handler } = await stsHandler(record.stsRegion, endpoint, record.request.network, env);
  const source = await resolveSourceCredentials(
    { profile: record.request.profile, region: record.stsRegion, endpointUrl: endpoint, handler },
    env,
  );
  const assumed = await assumeRole({ ...record.request, region: record.stsRegion, env, log, sourceCredentials: source });
  return brokerCredentialsOf('source', assumed);
}

/** Writes what the body's profile reads; `served.json` last, so a reader never sees a profile without credentials behind it. */
export function writeProfile(dir: string, record: ServeRecord, served: AwsCredentials): void {
  // Not the network settings: a proxy URL may hold a password. The background process gets them as settings.
  // Never written: the proxy (its URL may hold a password) and an MFA code.
  const { network: _network, mfa: _mfa, ...request } = record.request;
  writeAtomically(dir, FILES.request, `${JSON.stringify({ ...record, request })}\n`);
  writeAtomically(dir, FILES.credentials, '');
  writeAtomically(dir, FILES.script, credentialsScript(dir));
  writeAtomically(dir, FILES.config, configText(dir, record.mode, targetOf(record.request), record.childRegion));
  writeAtomically(dir, FILES.served, processJson(served));
}

/** Writes the body's withEnv entries, once the broker's endpoint is known. */
export function writeBodyEnvironment(dir: string, record: ServeRecord, endpointUrl: string): void {
  const tokenFile = record.mode === 'web-identity' ? record.request.webIdentityTokenFile : undefined;
  const entries = bodyEnvironment(dir, targetOf(record.request), {
    region: record.childRegion,
    tokenFile,
    endpointUrl,
    hideRelativeUri: record.hideRelativeUri,
  });
  writeAtomically(dir, FILES.bodyEnv, `${entries.join('\n')}\n`);
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

function withoutMark(env: Environment): Environment {
  const { [RESOLVING_PROFILE]: _mark, ...rest } = env;
  return rest;
}

/** What the broker is handed on its stdin: the role's credentials, which its endpoint serves, never on disk. */
interface Handover {
  role: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: string };
}

/** How long the foreground waits for the broker to listen: generous, for a busy agent; a broker that never says so is an error. */
const BROKER_START_MS = 60_000;

/**
 * Starts the broker: this same CLI, detached, its output into the folder's log, the
 * role's credentials through a pipe; resolves once it listens, with its endpoint's URL.
 */
export async function startBackground(
  dir: string,
  entry: string,
  network: NetworkSettings,
  role: TemporaryCredentials,
  env: Environment,
): Promise<{ pid: number | undefined; url: string }> {
  const log = openSync(`${dir}/${FILES.log}`, 'a', 0o600);
  try {
    const child = spawn(process.execPath, ['--', entry, 'serve', '--background', '--dir', dir], {
      detached: true,
      stdio: ['pipe', log, log, 'pipe'],
      // Not the mark of the profile this process resolved (cli.ts): the broker resolves it again itself.
      env: { ...withoutMark(env), ...networkVariables(network) },
    });
    const handover: Handover = { role: { ...role, expiration: role.expiration.toISOString() } };
    child.stdin?.end(JSON.stringify(handover));
    const ready = child.stdio[3] as NodeJS.ReadableStream;
    const url = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), BROKER_START_MS);
      const done = (value: string | undefined) => {
        clearTimeout(timer);
        resolve(value);
      };
      createInterface({ input: ready }).once('line', (line) => done(/^ready (\S+)$/.exec(line)?.[1]));
      child.once('exit', () => done(undefined));
      child.once('error', () => done(undefined));
    });
    (ready as NodeJS.ReadableStream & { destroy(): void }).destroy();
    child.unref();
    if (url === undefined) {
      throw new InternalError(`the background refresh did not start (see ${dir}/${FILES.log})`, {
        fix: 'run the step again; if it persists, report it with that log',
      });
    }
    if (child.pid !== undefined) writeAtomically(dir, FILES.pid, `${child.pid}\n`);
    return { pid: child.pid, url };
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

async function readHandover(): Promise<Handover | undefined> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  try {
    return JSON.parse(text) as Handover;
  } catch {
    return undefined;
  }
}

/** The background process: serves fresh credentials until the folder is removed, a stop signal comes, the agent is gone or the limit is reached. */
export async function runBackground(dir: string, env: Environment, network: NetworkSettings): Promise<number> {
  const stored = JSON.parse(readFolderFile(dir, FILES.request) ?? 'null') as ServeRecord | null;
  const record = stored === null ? null : { ...stored, request: { ...stored.request, network } };
  const served = JSON.parse(readFolderFile(dir, FILES.served) ?? 'null') as { Expiration?: string } | null;
  const handover = await readHandover();
  if (record === null || served === null || handover === undefined) {
    logLine(dir, 'withAssumedRole: the background refresh found no credentials to refresh; the block runs without refresh');
    return 0;
  }
  const stamp = () => new Date().toISOString();
  const initial = {
    served: { expiration: served.Expiration === undefined ? undefined : new Date(served.Expiration) },
    role: { ...handover.role, expiration: new Date(handover.role.expiration) },
  };
  let endpoint: CredentialEndpoint | undefined;
  const refresher = new Refresher<BrokerCredentials | typeof initial>(initial, expiryOf, {
    fetch: () => fetchBrokerCredentials(record, env, () => undefined),
    update: (value) => writeAtomically(dir, FILES.served, processJson((value as BrokerCredentials).served)),
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
    recovered: () => {
      removeFolderFile(dir, FILES.error);
      logLine(dir, `${stamp()} refreshed again: the block's clients have the role's credentials`);
    },
  });
  const current = (): Served => {
    const value = refresher.current;
    return value === undefined
      ? { gone: `withAssumedRole: the credentials of ${record.request.roleArn} expired and could not be refreshed` }
      : value.role;
  };
  try {
    endpoint = await startCredentialEndpoint(current);
    writeAtomically(dir, FILES.endpointToken, endpoint.token);
    writeBodyEnvironment(dir, record, endpoint.url);
    touchHeartbeat(dir);
    announceReady(endpoint.url);
    const reason = await untilStopped(dir, {
      agentGone: () => record.anchor !== undefined && !stillRunning(record.anchor),
      limitReached: () => Date.now() >= record.until,
      heartbeat: () => touchHeartbeat(dir),
    });
    if (reason === 'the agent process that ran the step is gone') {
      // Nobody will clean up after the block: the credentials go now.
      rmSync(dir, { recursive: true, force: true });
    } else if (reason === 'the refresh limit was reached') {
      removeFolderFile(dir, FILES.served);
      const message = `withAssumedRole: the refresh of ${record.request.roleArn} stopped at its limit (${new Date(record.until).toISOString()}); the block has outlived it`;
      writeAtomically(dir, FILES.error, `${message}\n`);
      logLine(dir, `${stamp()} ${message}`);
    }
    return 0;
  } finally {
    refresher.stop();
    await endpoint?.close();
  }
}

/** The earlier of the two expiries: the refresh comes before either runs out. */
function expiryOf(value: { served: { expiration?: Date | undefined }; role: { expiration: Date } }): Date {
  const served = value.served.expiration;
  return served !== undefined && served < value.role.expiration ? served : value.role.expiration;
}

/** Tells the foreground `serve` (fd 3) that the endpoint listens; nothing is written there again. */
function announceReady(url: string): void {
  try {
    writeSync(3, `ready ${url}\n`);
    closeSync(3);
  } catch {
    // Started by hand, without the pipe: nobody waits.
  }
}
