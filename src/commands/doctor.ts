// doctor: where the source credentials come from and whether each step of the
// cross-account chain works, one line per check, a fix under each failing one. One
// function per check, each computing and returning its own lines, in the order shown.
import { configuredEndpoint, stsEndpointUrl } from '../aws/endpoints.ts';
import { caBundleOf, describeNetwork, type HandlerOptions } from '../aws/http-handler.ts';
import { type MfaDevice, mfaDeviceOf } from '../credentials/assume.ts';
import { assumeTargetRole, ROLE_CHAINING_CAP_SECONDS } from '../credentials/assume-role.ts';
import { readSourceFacts, resolveSourceCredentials, type SourceCredentials } from '../credentials/source-credentials.ts';
import { planSourceChain } from '../credentials/source-plan.ts';
import { getCallerArn, stsHandler } from '../credentials/sts-client.ts';
import { type RegionOrigin, resolveStsRegion } from '../credentials/sts-region.ts';
import { describeClaims, readWebIdentityToken, type WebIdentityToken } from '../credentials/web-identity-token.ts';
import { probeInstanceMetadata } from '../diagnostics/probe-instance-metadata.ts';
import type { Environment } from '../domain/environment.ts';
import { ConfigurationError, ExitCode, exitCodeOf, isWithAssumedRoleError } from '../domain/errors.ts';
import { accountOfArn } from '../domain/role-arn.ts';
import type { RoleTarget, SourceOptions } from '../domain/role-request.ts';
import type { DoctorOptions } from '../options/command-options.ts';
import { describeRegion } from '../options/describe-plan.ts';
import { describeAssumed } from '../output/reporter.ts';
import type { CommandIo } from './command-io.ts';

type Status = 'ok' | 'info' | 'warn' | 'FAIL';

interface Line {
  status: Status;
  check: string;
  finding: string;
  details?: readonly string[];
  fix?: string;
  /** A FAIL's exit code: the first decides doctor's. */
  exitCode?: number;
}

function failure(check: string, error: unknown): Line {
  const message = error instanceof Error ? error.message : String(error);
  return {
    status: 'FAIL',
    check,
    finding: message,
    exitCode: exitCodeOf(error),
    ...(isWithAssumedRoleError(error) ? { details: error.details, fix: error.fix } : {}),
  };
}

/** `status  check  finding`, then details and the fix indented under the finding. */
function render(lines: readonly Line[]): string {
  const width = Math.max(...lines.map((line) => line.check.length));
  const indent = ' '.repeat(width + 8);
  return `${lines
    .flatMap((line) => [
      `${line.status.padEnd(4)}  ${line.check.padEnd(width)}  ${line.finding}`,
      ...(line.details ?? []).map((detail) => `${indent}${detail}`),
      ...(line.fix === undefined ? [] : [`${indent}fix: ${line.fix}`]),
    ])
    .join('\n')}\n`;
}

/** What every check may need: the STS region and endpoint, and the environment. */
interface Context {
  source: SourceOptions;
  env: Environment;
  region: { region: string; origin: RegionOrigin };
  endpoint: string | undefined;
}

/** The proxy and CA bundle requests go out with; the handler the other checks use, when it could be made. */
async function checkNetwork(context: Context): Promise<{ line: Line; handler: HandlerOptions | undefined }> {
  const { source, env, region, endpoint } = context;
  try {
    const shown = describeNetwork(new URL(stsEndpointUrl(endpoint, region.region)), source.network, env);
    const reached = await stsHandler(region.region, endpoint, source.network, env);
    const plain = reached.proxy.proxy === undefined && caBundleOf(source.network, env) === undefined;
    return {
      line: { status: plain ? 'info' : 'ok', check: 'network', finding: `proxy ${shown.proxy}; CA bundle ${shown.caBundle}` },
      handler: reached.options,
    };
  } catch (error) {
    return { line: failure('network', error), handler: undefined };
  }
}

/** The id token the role would be assumed with, instead of source credentials. */
function checkToken(path: string): { line: Line; token: WebIdentityToken | undefined } {
  try {
    const token = readWebIdentityToken(path);
    return {
      line: {
        status: 'ok',
        check: 'credential source',
        finding: `web identity token ${token.path}: ${describeClaims(token.claims, Date.now())}; no source credentials are looked up`,
      },
      token,
    };
  } catch (error) {
    return { line: failure('credential source', error), token: undefined };
  }
}

/** The source credentials, where the SDK chain finds them, and every place it looked. */
async function checkSource(
  context: Context,
  handler: HandlerOptions | undefined,
): Promise<{ line: Line; credentials?: SourceCredentials }> {
  const { source, env, region, endpoint } = context;
  try {
    if (handler === undefined)
      throw new ConfigurationError('not looked for: no request to AWS can be made', { fix: 'see the network line' });
    const credentials = await resolveSourceCredentials(
      {
        profile: source.profile,
        region: region.region,
        endpointUrl: endpoint,
        handler,
        mfaCodeProvider: async (serial) => codeFor(source, serial),
      },
      env,
    );
    const chain = planSourceChain(env, source.profile, readSourceFacts(env)).filter((step) => step.skip === undefined);
    const looked = chain.length > 1 ? ` (looked at: ${chain.map((step) => step.label).join(', ')})` : '';
    return { line: { status: 'ok', check: 'credential source', finding: `${credentials.label}${looked}` }, credentials };
  } catch (error) {
    return { line: failure('credential source', error) };
  }
}

/** Who the source credentials are, and whether they are a role session (which caps a chained one at an hour). */
async function checkIdentity(context: Context, credentials: SourceCredentials): Promise<Line[]> {
  const arn = await getCallerArn(context.region.region, context.endpoint, credentials.credentials, {
    network: context.source.network,
    env: context.env,
  });
  const identity: Line =
    arn === undefined
      ? {
          status: 'FAIL',
          check: 'source identity',
          finding: 'STS GetCallerIdentity did not answer for these credentials',
          fix: 'check network access to STS and that the keys are active: aws sts get-caller-identity',
          exitCode: ExitCode.temporary,
        }
      : { status: 'ok', check: 'source identity', finding: `${arn} (account ${accountOfArn(arn)})` };
  const roleSession = credentials.roleSession || /:assumed-role\//.test(arn ?? '');
  const session: Line = {
    status: 'info',
    check: 'role session',
    finding: roleSession
      ? `yes: STS caps roles assumed from it at ${ROLE_CHAINING_CAP_SECONDS / 3600} hour (--duration 1h at most)`
      : "no: a session may last up to the role's MaxSessionDuration (12h at most)",
  };
  return [identity, session];
}

/** Instance metadata: off, out of reach (a failure only when nothing else gave credentials), or what it offers. */
async function checkInstanceMetadata(env: Environment, needed: boolean): Promise<Line> {
  const metadata = await probeInstanceMetadata(env);
  const check = 'instance metadata';
  if (metadata.state === 'disabled') return { status: 'info', check, finding: 'turned off by AWS_EC2_METADATA_DISABLED' };
  if (metadata.state === 'unreachable') {
    return {
      status: needed ? 'FAIL' : 'info',
      check,
      finding: `no answer from ${metadata.endpoint} within 1 s: not on EC2, or blocked`,
      ...(needed
        ? {
            fix: 'on EC2 inside a container, IMDSv2 needs hop limit 2: aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2',
            exitCode: ExitCode.configuration,
          }
        : {}),
    };
  }
  const profile = metadata.instanceProfile;
  const fix =
    profile === undefined
      ? 'attach an instance profile whose role may assume the deploy role (withAssumedRole policies)'
      : metadata.imdsV2
        ? undefined
        : 'in a container, raise the IMDSv2 hop limit to 2 (aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2)';
  return {
    status: metadata.imdsV2 && profile !== undefined ? 'ok' : 'warn',
    check,
    finding: `${metadata.imdsV2 ? 'IMDSv2' : 'IMDSv1 only (no IMDSv2 token)'} at ${metadata.endpoint}; ${profile === undefined ? 'no instance profile' : `instance profile role ${profile}`}`,
    ...(fix === undefined ? {} : { fix }),
  };
}

function checkRegion(region: Context['region']): Line {
  return {
    status: region.origin === 'default' ? 'info' : 'ok',
    check: 'region',
    finding: describeRegion(region.region, region.origin),
    ...(region.origin === 'default' ? { fix: 'set --region or AWS_REGION for the deploy, so its tools know where to act' } : {}),
  };
}

/** doctor asks for no code: an MFA device needs --mfa-code to be tried. */
function codeFor(source: SourceOptions, serial: string): string {
  if (source.mfa.code !== undefined) return source.mfa.code;
  throw new ConfigurationError(`MFA device ${serial}: doctor asks for no code`, { fix: "pass the device's current code: --mfa-code CODE" });
}

/** The MFA device the run would use, and the roles on its way: what a person's run does before the role. */
function checkPath(device: MfaDevice | undefined, target: RoleTarget | undefined): Line[] {
  const lines: Line[] = [];
  if (device !== undefined) lines.push({ status: 'info', check: 'MFA', finding: `${device.serial} (${device.origin})` });
  if (target !== undefined && target.via.length > 0) {
    lines.push({
      status: 'info',
      check: 'via',
      finding: `${[...target.via, target.roleArn].join(' -> ')}; the role is chained, so 1h at most`,
    });
  }
  return lines;
}

/** The role itself: assumed for real with what was found, through the roles on the way, with the MFA code if given. */
async function checkAssume(
  context: Context,
  target: RoleTarget | undefined,
  found: { credentials?: SourceCredentials; token?: WebIdentityToken },
  device: MfaDevice | undefined,
): Promise<Line> {
  const check = 'assume role';
  if (target === undefined) return { status: 'info', check, finding: 'no role given (--role-arn, or --role with --account)' };
  if (found.credentials === undefined && found.token === undefined) {
    return { status: 'FAIL', check, finding: `${target.roleArn}: not tried without source credentials`, exitCode: ExitCode.configuration };
  }
  const mfa = device === undefined || device.profileRole ? undefined : device;
  if (mfa !== undefined && context.source.mfa.code === undefined) {
    return {
      status: 'info',
      check,
      finding: `${target.roleArn}: not tried: it needs a code of ${mfa.serial}`,
      fix: 'pass --mfa-code CODE to try it',
    };
  }
  try {
    const assumed = await assumeTargetRole({
      ...(mfa === undefined ? {} : { mfa: { serial: mfa.serial, origin: mfa.origin, code: context.source.mfa.code } }),
      target,
      profile: context.source.profile,
      region: context.region.region,
      endpointUrl: context.source.endpointUrl,
      assumeTimeoutSeconds: context.source.assumeTimeoutSeconds,
      env: context.env,
      network: context.source.network,
      sourceCredentials: found.credentials,
      webIdentityTokenFile: context.source.webIdentityTokenFile,
    });
    const via = assumed.hops.length === 0 ? '' : ` via ${assumed.hops.join(', ')}`;
    return { status: 'ok', check, finding: `${describeAssumed(assumed.assumedRoleArn, assumed.credentials.expiration)}${via}` };
  } catch (error) {
    return failure(check, error);
  }
}

export async function doctorCommand(options: DoctorOptions, io: CommandIo): Promise<number> {
  const { source, target } = options;
  const region = await resolveStsRegion(source.region, source.profile, io.env, target?.roleArn);
  const context: Context = { source, env: io.env, region, endpoint: configuredEndpoint('STS', source.endpointUrl, io.env) };
  // The network is found first (requests need it) and shown beside the region.
  const network = await checkNetwork(context);
  const lines: Line[] = [];
  const found: { credentials?: SourceCredentials; token?: WebIdentityToken } = {};
  if (source.webIdentityTokenFile !== undefined) {
    const checked = checkToken(source.webIdentityTokenFile);
    lines.push(checked.line);
    if (checked.token !== undefined) found.token = checked.token;
  } else {
    const checked = await checkSource(context, network.handler);
    lines.push(checked.line);
    if (checked.credentials !== undefined) {
      found.credentials = checked.credentials;
      lines.push(...(await checkIdentity(context, checked.credentials)));
    }
    lines.push(await checkInstanceMetadata(io.env, checked.credentials === undefined));
  }
  const device = await mfaDeviceOf(source, io.env);
  lines.push(network.line, checkRegion(region), ...checkPath(device, target), await checkAssume(context, target, found, device));
  io.stdout(render(lines));
  // The first failure found decides: the network's, which every other check depends on, before the rest.
  return [network.line, ...lines].find((line) => line.status === 'FAIL')?.exitCode ?? 0;
}
