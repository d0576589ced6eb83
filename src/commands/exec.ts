// Default command: assume the role, run the command with its credentials.

import { configuredEndpoint, stsEndpointUrl } from '../aws/endpoints.ts';
import { describeNetwork } from '../aws/http-handler.ts';
import { checkPipeFolder } from '../child/output-pipes.ts';
import { temporaryBase } from '../child/private-folder.ts';
import { withAssumedRole } from '../child/run-with-role.ts';
import { mfaDeviceOf } from '../credentials/assume.ts';
import { profileSettings, ssoProblem, ssoSessionOf } from '../credentials/profile-settings.ts';
import { readSourceFacts } from '../credentials/source-credentials.ts';
import type { SourceStep } from '../credentials/source-plan.ts';
import { planSourceChain } from '../credentials/source-plan.ts';
import { resolveStsRegion } from '../credentials/sts-region.ts';
import { describeClaims, readWebIdentityToken } from '../credentials/web-identity-token.ts';
import type { Environment } from '../domain/environment.ts';
import { isJenkins } from '../domain/environment.ts';
import { roleRequestOf } from '../domain/role-request.ts';
import { droppedTagsLine } from '../domain/session-attributes.ts';
import type { ExecOptions } from '../options/command-options.ts';
import { describeExecPlan } from '../options/describe-plan.ts';
import { reproductionLine } from '../options/reproduce.ts';
import { createReporter, describeAssumed, versionedFirstLine } from '../output/reporter.ts';
import type { CommandIo } from './command-io.ts';
import { assumedLine, personOf } from './person.ts';

/** `web identity token F: issuer ..., audience ..., subject ..., expires in ...`; unreadable is 78, as a run would be. */
function describeTokenFile(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  return `web identity token ${path}: ${describeClaims(readWebIdentityToken(path).claims, Date.now())}`;
}

/** How the run is told: with `version`, its first line names it (the Jenkins step's). */
export interface ExecTelling {
  version?: string;
}

/** The first source a run would try, when it is an SSO profile without a session to use: what to say instead. */
async function ssoProblemOf(steps: SourceStep[], env: Environment) {
  const first = steps.find((step) => step.skip === undefined);
  if (first?.kind !== 'profile' || first.profile === undefined) return undefined;
  const state = await ssoSessionOf(await profileSettings(first.profile, env), Date.now());
  return state === undefined ? undefined : ssoProblem(first.profile, state);
}

export async function execCommand(options: ExecOptions, io: CommandIo, telling: ExecTelling = {}): Promise<number> {
  const reporter = createReporter(options.verbosity, telling.version === undefined ? undefined : versionedFirstLine(telling.version));
  const { source, target } = options;
  if (options.dryRun) {
    const region = await resolveStsRegion(source.region, source.profile, io.env, target.roleArn);
    const endpoint = stsEndpointUrl(configuredEndpoint('STS', source.endpointUrl, io.env), region.region);
    const sourceSteps = planSourceChain(io.env, source.profile, readSourceFacts(io.env));
    io.stdout(
      describeExecPlan(options, {
        sourceSteps,
        region: region.region,
        regionOrigin: region.origin,
        endpoint,
        network: describeNetwork(new URL(endpoint), source.network, io.env),
        webIdentity: describeTokenFile(source.webIdentityTokenFile),
        mfa: await mfaDeviceOf({ ...source, webIdentityTokenFile: source.webIdentityTokenFile }, io.env),
        sso: await ssoProblemOf(sourceSteps, io.env),
      }),
    );
    return 0;
  }
  if (options.mask || options.refresh) {
    const base = temporaryBase();
    if (base.notice !== undefined) reporter.info(base.notice);
  }
  if (options.mask) checkPipeFolder();
  if (target.droppedTags.length > 0) reporter.info(droppedTagsLine(target.droppedTags));
  if (isJenkins(io.env)) reporter.info(reproductionLine(options.reproduction, options.argv));
  return withAssumedRole({
    ...roleRequestOf(target, source),
    ...personOf(io.env, options.sessionCache),
    env: io.env,
    command: options.argv,
    mask: options.mask,
    killGraceSeconds: options.killGraceSeconds,
    fileEnvironment: options.fileEnvironment,
    log: reporter.verbose,
    onAssumed: (assumed) => {
      reporter.info(assumedLine(assumed, describeAssumed(assumed.assumedRoleArn, assumed.credentials.expiration)));
    },
    beforeSpawn: io.releaseSignals,
    refresh: options.refresh,
  });
}
