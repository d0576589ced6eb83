// The wrapper's one job, callable from code: assume the role, run the command with
// its credentials in its environment only (or a refreshing endpoint, --refresh),
// its output masked when asked, and resolve to its exit status.
import { type AssumeRoleOptions, type AssumeRoleResult, assumeRole } from '../credentials/assume.ts';
import { ConfigurationError } from '../domain/errors.ts';
import { formatError, PREFIX } from '../output/reporter.ts';
import { buildChildEnvironment, mergedParentEnvironment } from './child-environment.ts';
import { discardRelays, openMaskedRelays } from './mask-stream.ts';
import { openRefreshingEndpoint } from './refreshing-endpoint.ts';
import { runChild } from './run-child.ts';

export interface WithAssumedRoleOptions extends AssumeRoleOptions {
  /** The command and its arguments; run without a shell. */
  command: [string, ...string[]];
  /** Mask the credentials in the command's stdout and stderr; default false. */
  mask?: boolean;
  /** Seconds a signalled command gets before SIGKILL; default 10. */
  killGraceSeconds?: number;
  /** Variables for the command below the environment's (dotenv files). */
  fileEnvironment?: Record<string, string>;
  /** Called once credentials are in hand, before the command starts. */
  onAssumed?: (assumed: AssumeRoleResult) => void;
  /** Called when signals start going to the command, just before it is spawned. */
  beforeSpawn?: () => void;
  /**
   * Instead of static keys, give the command a local credentials endpoint
   * (AWS_CONTAINER_CREDENTIALS_FULL_URI) serving the role, assumed again before expiry.
   */
  refresh?: boolean;
  /** Lines the user must see (a refresh that failed); default: stderr. */
  report?: (text: string) => void;
}

const refreshAsksNoCode = (serial: string): never => {
  throw new ConfigurationError(`MFA device ${serial}: the MFA session has ended, and a refresh asks for no code`, {
    fix: 'run the command again: it asks for a new code',
  });
};

const indent = (text: string) => `${text.trimEnd().replace(/^/gm, '  ')}\n`;

/** Assumes the role, runs the command with its credentials in its environment only, resolves to its exit code. */
export async function withAssumedRole(options: WithAssumedRoleOptions): Promise<number> {
  // The masking pipes are made while STS answers (mkfifo is a process of its own); the secrets come after.
  const relaying = options.mask ? openMaskedRelays([process.stdout, process.stderr]) : undefined;
  relaying?.catch(() => undefined);
  let assumed: AssumeRoleResult;
  try {
    assumed = await assumeRole(options);
  } catch (error) {
    const relays = await relaying?.catch(() => undefined);
    if (relays !== undefined) await discardRelays(relays);
    throw error;
  }
  const relays = await relaying;
  options.onAssumed?.(assumed);
  const { credentials } = assumed;
  const base = { parent: options.env ?? process.env, files: options.fileEnvironment ?? {}, region: assumed.childRegion };
  const run = {
    argv: options.command,
    killGraceMs: (options.killGraceSeconds ?? 10) * 1000,
    log: options.log,
    beforeSpawn: options.beforeSpawn,
  };
  const mask = (secrets: readonly string[]) => {
    for (const relay of relays ?? []) relay.addSecrets(secrets);
  };
  // The id token a role was assumed with is a secret of the run as well.
  const tokenOf = (result: AssumeRoleResult) => (result.source.kind === 'web-identity-token' ? [result.source.token.token] : []);
  mask(tokenOf(assumed));
  if (!options.refresh) {
    mask([credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken]);
    return runChild({ ...run, env: buildChildEnvironment({ ...base, credentials }), relays });
  }
  const report = options.report ?? ((text: string) => process.stderr.write(text));
  const refreshing = await openRefreshingEndpoint(credentials, {
    fetch: async () => {
      // A refresh runs beside the command, which has the terminal: it never asks for an MFA code.
      const next = await assumeRole({ ...options, askMfaCode: refreshAsksNoCode });
      mask(tokenOf(next));
      return next.credentials;
    },
    failed: (error, repeated, current) => {
      if (repeated) return;
      const until = current === undefined ? 'has none left' : `keeps the current ones until ${current.expiration.toISOString()}`;
      report(
        `${PREFIX}refreshing the credentials failed; the command ${until} and the refresh tries again:\n${indent(formatError(error, false))}`,
      );
    },
    expired: (last) =>
      report(`${PREFIX}the credentials expired at ${last.expiration.toISOString()} unrefreshed: the command's next fetch of them fails\n`),
    recovered: () => report(`${PREFIX}refreshed again: the command's next fetch gets the role's credentials\n`),
    env: mergedParentEnvironment(base),
  });
  mask(refreshing.secrets);
  refreshing.onNewSecrets(mask);
  try {
    return await runChild({ ...run, env: buildChildEnvironment({ ...base, endpoint: refreshing.child }), relays });
  } finally {
    await refreshing.stop();
  }
}
