// verify: assume the role, then see per region whether ec2:DescribeInstances works
// and how many instances it shows: the manual check people did as one command.

import { assumeRole } from '../credentials/assume.ts';
import { countInstances, type RegionCheck } from '../diagnostics/count-instances.ts';
import { ExitCode } from '../domain/errors.ts';
import { accountOfArn } from '../domain/role-arn.ts';
import { roleRequestOf } from '../domain/role-request.ts';
import type { VerifyOptions } from '../options/command-options.ts';
import { createReporter } from '../output/reporter.ts';
import type { CommandIo } from './command-io.ts';
import { personOf } from './person.ts';

function describe(check: RegionCheck): string {
  return check.describeInstances === 'allowed'
    ? `ec2:DescribeInstances allowed, ${check.instances} instance${check.instances === 1 ? '' : 's'}`
    : `ec2:DescribeInstances ${check.describeInstances}: ${check.code}: ${check.message}`;
}

export async function verifyCommand(options: VerifyOptions, io: CommandIo): Promise<number> {
  const reporter = createReporter(options.verbosity);
  const { source, target } = options;
  const assumed = await assumeRole({
    ...roleRequestOf(target, source),
    ...personOf(io.env, options.sessionCache),
    env: io.env,
    log: reporter.verbose,
  });
  const checks = await Promise.all(options.regions.map((region) => countInstances(region, assumed.credentials, io.env, source.network)));
  const account = accountOfArn(assumed.assumedRoleArn);
  const denied = checks.some((check) => check.describeInstances === 'denied');
  if (options.json) {
    io.stdout(
      `${JSON.stringify({ assumedRoleArn: assumed.assumedRoleArn, account, expiration: assumed.credentials.expiration.toISOString(), regions: checks }, null, 2)}\n`,
    );
  } else {
    const width = Math.max(...options.regions.map((region) => region.length), 'assumed role'.length);
    const lines = [
      `${'assumed role'.padEnd(width)}  ${assumed.assumedRoleArn}`,
      `${'account'.padEnd(width)}  ${account}`,
      ...checks.map((check) => `${check.region.padEnd(width)}  ${describe(check)}`),
      ...(denied
        ? [
            `fix: allow ec2:DescribeInstances in the permissions of ${target.roleArn.split('/').at(-1)} (the templates attach ReadOnlyAccess)`,
          ]
        : []),
    ];
    io.stdout(`${lines.join('\n')}\n`);
  }
  if (denied) return ExitCode.refused;
  if (checks.some((check) => check.describeInstances === 'failed')) return ExitCode.temporary;
  return 0;
}
