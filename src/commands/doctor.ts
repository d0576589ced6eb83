// doctor: where the source credentials come from and whether each step of the
// cross-account chain works, one line per check, a fix under each failing one.
import { configuredEndpoint, stsEndpointUrl } from '../aws/endpoints.ts';
import { caBundleOf, describeNetwork, type HandlerOptions } from '../aws/http-handler.ts';
import { probeInstanceMetadata } from '../checks/probe-instance-metadata.ts';
import { assumeTargetRole, getCallerArn, ROLE_CHAINING_CAP_SECONDS, resolveStsRegion, stsHandler } from '../credentials/assume-role.ts';
import { readSourceFacts, resolveSourceCredentials, type SourceCredentials } from '../credentials/source-credentials.ts';
import { planSourceChain } from '../credentials/source-plan.ts';
import { describeClaims, readWebIdentityToken, type WebIdentityToken } from '../credentials/web-identity-token.ts';
import { ConfigurationError, ExitCode, exitCodeOf, isWithAssumedRoleError } from '../errors.ts';
import type { DoctorOptions } from '../options/command-options.ts';
import { describeRegion } from '../options/describe-plan.ts';
import { accountOfArn } from '../options/role-arn.ts';
import { describeAssumed } from '../output/reporter.ts';
import type { CommandIo } from './command-io.ts';

type Status = 'ok' | 'info' | 'warn' | 'FAIL';

interface Line {
  status: Status;
  check: string;
  finding: string;
  details?: readonly string[];
  fix?: string;
}

function failure(check: string, error: unknown): Line {
  const message = error instanceof Error ? error.message : String(error);
  return { status: 'FAIL', check, finding: message, ...(isWithAssumedRoleError(error) ? { details: error.details, fix: error.fix } : {}) };
}

/** `status  check  finding`, then details and the fix indented under the finding. */
function render(lines: Line[]): string {
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

export async function doctorCommand(options: DoctorOptions, io: CommandIo): Promise<number> {
  const { source, target } = options;
  const lines: Line[] = [];
  let exitCode = 0;
  const fail = (check: string, error: unknown) => {
    lines.push(failure(check, error));
    exitCode ||= exitCodeOf(error);
  };

  const region = await resolveStsRegion(source.region, source.profile, io.env, target?.roleArn);
  const endpoint = configuredEndpoint('STS', source.endpointUrl, io.env);
  const reach = { network: source.network, env: io.env };
  // Found first (requests need it), shown beside the region.
  let handler: HandlerOptions | undefined;
  let network: Line;
  try {
    const shown = describeNetwork(new URL(stsEndpointUrl(endpoint, region.region)), source.network, io.env);
    const reached = await stsHandler(region.region, endpoint, source.network, io.env);
    handler = reached.options;
    const plain = reached.proxy.proxy === undefined && caBundleOf(source.network, io.env) === undefined;
    network = { status: plain ? 'info' : 'ok', check: 'network', finding: `proxy ${shown.proxy}; CA bundle ${shown.caBundle}` };
  } catch (error) {
    network = failure('network', error);
    exitCode ||= exitCodeOf(error);
  }
  let credentials: SourceCredentials | undefined;
  let token: WebIdentityToken | undefined;
  if (source.webIdentityTokenFile !== undefined) {
    try {
      token = readWebIdentityToken(source.webIdentityTokenFile);
      lines.push({
        status: 'ok',
        check: 'credential source',
        finding: `web identity token ${token.path}: ${describeClaims(token.claims, Date.now())}; no source credentials are looked up`,
      });
    } catch (error) {
      fail('credential source', error);
    }
  } else {
    try {
      if (handler === undefined) {
        throw new ConfigurationError('not looked for: no request to AWS can be made', { fix: 'see the network line' });
      }
      credentials = await resolveSourceCredentials(
        { profile: source.profile, region: region.region, endpointUrl: endpoint, handler },
        io.env,
      );
      const chain = planSourceChain(io.env, source.profile, readSourceFacts(io.env)).filter((step) => step.skip === undefined);
      lines.push({
        status: 'ok',
        check: 'credential source',
        finding: `${credentials.label}${chain.length > 1 ? ` (looked at: ${chain.map((step) => step.label).join(', ')})` : ''}`,
      });
    } catch (error) {
      fail('credential source', error);
    }

    if (credentials !== undefined) {
      const arn = await getCallerArn(region.region, endpoint, credentials.credentials, reach);
      if (arn === undefined) {
        lines.push({
          status: 'FAIL',
          check: 'source identity',
          finding: 'STS GetCallerIdentity did not answer for these credentials',
          fix: 'check network access to STS and that the keys are active: aws sts get-caller-identity',
        });
        exitCode ||= ExitCode.temporary;
      } else {
        lines.push({ status: 'ok', check: 'source identity', finding: `${arn} (account ${accountOfArn(arn)})` });
      }
      const roleSession = credentials.roleSession || /:assumed-role\//.test(arn ?? '');
      lines.push({
        status: 'info',
        check: 'role session',
        finding: roleSession
          ? `yes: STS caps roles assumed from it at ${ROLE_CHAINING_CAP_SECONDS / 3600} hour (--duration 1h at most)`
          : "no: a session may last up to the role's MaxSessionDuration (12h at most)",
      });
    }

    const metadata = await probeInstanceMetadata(io.env);
    if (metadata.state === 'disabled') {
      lines.push({ status: 'info', check: 'instance metadata', finding: 'turned off by AWS_EC2_METADATA_DISABLED' });
    } else if (metadata.state === 'unreachable') {
      const needed = credentials === undefined;
      lines.push({
        status: needed ? 'FAIL' : 'info',
        check: 'instance metadata',
        finding: `no answer from ${metadata.endpoint} within 1 s: not on EC2, or blocked`,
        ...(needed
          ? {
              fix: 'on EC2 inside a container, IMDSv2 needs hop limit 2: aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2',
            }
          : {}),
      });
    } else {
      const profile = metadata.instanceProfile;
      lines.push({
        status: metadata.imdsV2 && profile !== undefined ? 'ok' : 'warn',
        check: 'instance metadata',
        finding: `${metadata.imdsV2 ? 'IMDSv2' : 'IMDSv1 only (no IMDSv2 token)'} at ${metadata.endpoint}; ${profile === undefined ? 'no instance profile' : `instance profile role ${profile}`}`,
        ...(profile === undefined
          ? { fix: 'attach an instance profile whose role may assume the deploy role (withAssumedRole policies)' }
          : metadata.imdsV2
            ? {}
            : {
                fix: 'in a container, raise the IMDSv2 hop limit to 2 (aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2)',
              }),
      });
    }
  }

  lines.push(network);
  lines.push({
    status: region.origin === 'default' ? 'info' : 'ok',
    check: 'region',
    finding: describeRegion(region.region, region.origin),
    ...(region.origin === 'default' ? { fix: 'set --region or AWS_REGION for the deploy, so its tools know where to act' } : {}),
  });

  if (target === undefined) {
    lines.push({ status: 'info', check: 'assume role', finding: 'no role given (--role-arn, or --role with --account)' });
  } else if (credentials === undefined && token === undefined) {
    lines.push({ status: 'FAIL', check: 'assume role', finding: `${target.roleArn}: not tried without source credentials` });
  } else {
    try {
      const assumed = await assumeTargetRole({
        target,
        profile: source.profile,
        region: region.region,
        endpointUrl: source.endpointUrl,
        assumeTimeoutSeconds: source.assumeTimeoutSeconds,
        env: io.env,
        network: source.network,
        sourceCredentials: credentials,
        webIdentityTokenFile: source.webIdentityTokenFile,
      });
      lines.push({
        status: 'ok',
        check: 'assume role',
        finding: describeAssumed(assumed.assumedRoleArn, assumed.credentials.expiration),
      });
    } catch (error) {
      fail('assume role', error);
    }
  }
  io.stdout(render(lines));
  return exitCode;
}
