// The resolved plan as a dry run prints it: what would be asked of STS and run. Pure.

import type { SourceStep } from '../credentials/source-plan.ts';
import type { RegionOrigin } from '../credentials/sts-region.ts';
import { formatDuration } from '../domain/duration.ts';
import type { RoleTarget } from '../domain/role-request.ts';
import { droppedTagsLine } from '../domain/session-attributes.ts';
import { shellQuote } from '../output/shell-words.ts';
import type { ExecOptions } from './command-options.ts';

/** `eu-west-1 (given)`: a region and where it came from, for plans and doctor. */
export function describeRegion(region: string, origin: RegionOrigin): string {
  return `${region} (${origin === 'given' ? 'given' : origin === 'profile' ? "the profile's" : 'no region set: STS default'})`;
}

export interface PlanFacts {
  sourceSteps: SourceStep[];
  /** With --web-identity-token-file: what the token says, in place of a source. */
  webIdentity?: string | undefined;
  region: string;
  regionOrigin: RegionOrigin;
  endpoint: string;
  /** The proxy to the endpoint and why, the CA bundle and where it came from (http-handler.ts describeNetwork). */
  network: { proxy: string; caBundle: string };
  /** The MFA device the run uses, and where it was named. */
  mfa?: { serial: string; origin: string; profileRole: boolean } | undefined;
  /** An SSO source profile without a session to use: what to say instead of the source. */
  sso?: { message: string; fix: string } | undefined;
}

/** Tags, source identity, session policies and allowed accounts: a row for each one asked for. */
function sessionRows(target: RoleTarget): [string, string][] {
  const { session } = target;
  const transitive = new Set(session.transitiveTagKeys.map((key) => key.toLowerCase()));
  const rows: [string, string][] = session.tags.map((tag, index) => [
    index === 0 ? 'session tags' : '',
    `${tag.key}=${tag.value}${transitive.has(tag.key.toLowerCase()) ? ' (transitive)' : ''}`,
  ]);
  if (target.droppedTags.length > 0) rows.push(['', droppedTagsLine(target.droppedTags)]);
  if (session.sourceIdentity !== undefined) rows.push(['source identity', session.sourceIdentity]);
  if (session.policy !== undefined) rows.push(['session policy', session.policy]);
  if (session.policyArns.length > 0) rows.push(['managed policies', session.policyArns.join(', ')]);
  if (target.allowedAccounts.length > 0) rows.push(['allowed accounts', `${target.allowedAccounts.join(', ')} (the role's is one)`]);
  return rows;
}

/** The MFA device, and when its code is asked. */
function mfaRows(options: ExecOptions, facts: PlanFacts): [string, string][] {
  if (facts.mfa === undefined) return [];
  const when =
    options.source.mfa.code !== undefined
      ? 'the code given (--mfa-code)'
      : facts.mfa.profileRole
        ? 'its code asked on this terminal when the profile assumes its role'
        : `its code asked on this terminal, unless ${options.sessionCache ? 'an MFA session of it is cached' : 'given'}`;
  return [['MFA', `${facts.mfa.serial} (${facts.mfa.origin}): ${when}`]];
}

/** Roles on the way, in order, and what chaining costs the session. */
function viaRows(target: RoleTarget): [string, string][] {
  if (target.via.length === 0) return [];
  return [
    ['via', `${[...target.via, 'the role'].join(' -> ')}, each as session ${target.sessionName}`],
    ['', 'the role is then chained from a role session: STS gives it 1h at most'],
  ];
}

/** The lines of `--dry-run`. */
export function describeExecPlan(options: ExecOptions, facts: PlanFacts): string {
  const tried = facts.sourceSteps.filter((step) => step.skip === undefined);
  // Environment keys, when both are set, always answer; any other step may not, so the chain is shown.
  const source =
    tried.length === 1 && tried[0]?.kind === 'instance-metadata'
      ? `none found in the environment or the shared files; ${tried[0].label} is left, which answers on EC2 only (on a laptop: --profile, after aws sso login)`
      : tried[0]?.kind === 'environment' || tried.length === 1
        ? (tried[0]?.label ?? '')
        : `the first that answers of: ${tried.map((step) => step.label).join(', ')}`;
  const rows: [string, string][] = [
    [
      'credential source',
      facts.webIdentity !== undefined
        ? `${facts.webIdentity}; no source credentials (AssumeRoleWithWebIdentity)`
        : facts.sso !== undefined
          ? `${facts.sso.message}: run ${facts.sso.fix} first`
          : tried.length === 0
            ? 'none available'
            : source,
    ],
    ...mfaRows(options, facts),
    ...viaRows(options.target),
    ['role ARN', options.target.roleArn],
    ['session name', `${options.target.sessionName} (${options.target.sessionNameOrigin})`],
    ['duration', `${options.target.durationSeconds} s (${formatDuration(options.target.durationSeconds)})`],
    ['external ID', options.target.externalId ?? 'none'],
    ...sessionRows(options.target),
    ['region', describeRegion(facts.region, facts.regionOrigin)],
    ['STS endpoint', facts.endpoint],
    ['proxy', facts.network.proxy],
    ['CA bundle', facts.network.caBundle],
    ['command', options.argv.map(shellQuote).join(' ')],
    [
      'credentials to it',
      options.refresh
        ? 'a loopback endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI), the role assumed again before expiry'
        : 'AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, until they expire',
    ],
    ['output masking', options.maskOrigin],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
  return `dry run: STS not called, nothing run\n${lines.join('\n')}\nas a Jenkins step:\n  ${options.stepCall}\n`;
}
