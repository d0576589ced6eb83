// policies: the IAM documents of the cross-account set-up, as JSON, CloudFormation or
// Terraform, on stdout or (--out-dir) one file per account.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigurationError } from '../domain/errors.ts';
import { partitionOfRegion } from '../domain/partition.ts';
import { parseRoleArn, type RoleArnParts } from '../domain/role-arn.ts';
import type { CrossAccountSetup } from '../iam/policy-documents.ts';
import { cloudFormationParts, renderCloudFormation } from '../iam/render-cloudformation.ts';
import { renderChainJson, renderPoliciesJson } from '../iam/render-json.ts';
import { renderTerraform, terraformParts } from '../iam/render-terraform.ts';
import type { PoliciesOptions } from '../options/command-options.ts';
import type { CommandIo } from './command-io.ts';

/** The files --out-dir gets: account B's first, as it is deployed first. */
function filesOf(setup: CrossAccountSetup, format: PoliciesOptions['format']): [string, string][] {
  const source = `account-b-${setup.sourceAccount}`;
  const target = `account-a-${setup.targetAccount}`;
  if (setup.oidc !== undefined) {
    // Keyless: account A alone.
    const name = { json: 'policies.json', cloudformation: `${target}.yaml`, terraform: `${target}/main.tf` }[format];
    const render = { json: renderPoliciesJson, cloudformation: renderCloudFormation, terraform: renderTerraform }[format];
    return [[name, render(setup)]];
  }
  switch (format) {
    case 'json':
      return [['policies.json', renderPoliciesJson(setup)]];
    case 'cloudformation': {
      const parts = cloudFormationParts(setup);
      return [
        [`${source}.yaml`, parts.sourceAccount],
        [`${target}.yaml`, parts.targetAccount],
      ];
    }
    case 'terraform': {
      const parts = terraformParts(setup);
      return [
        [`${source}/main.tf`, parts.sourceAccount],
        [`${target}/main.tf`, parts.targetAccount],
      ];
    }
  }
}

/**
 * The set-up as hops: account B's agents to the first role on the way, each role to
 * the next, the last to the deploy role. The deploy role's own settings (external ID,
 * more principals, tags) go with the last hop; each hop's source role is the one before.
 */
function chainOf(setup: CrossAccountSetup, via: readonly string[]): CrossAccountSetup[] {
  const stops = via.map((arn) => parseRoleArn(arn) as RoleArnParts);
  const plain = {
    partition: setup.partition,
    withTags: false,
    withSourceIdentity: false,
    alsoTrust: [],
    externalId: undefined,
    oidc: undefined,
  };
  const hops: CrossAccountSetup[] = stops.map((stop, index) => ({
    ...plain,
    targetAccount: stop.account,
    role: stop.name,
    sourceAccount: index === 0 ? setup.sourceAccount : (stops[index - 1] as RoleArnParts).account,
    sourceRole: index === 0 ? setup.sourceRole : (stops[index - 1] as RoleArnParts).name,
  }));
  const last = stops.at(-1) as RoleArnParts;
  return [...hops, { ...setup, sourceAccount: last.account, sourceRole: last.name }];
}

export async function policiesCommand(options: PoliciesOptions, io: CommandIo): Promise<number> {
  const setup: CrossAccountSetup = {
    partition: partitionOfRegion(options.region),
    targetAccount: options.targetAccount,
    sourceAccount: options.sourceAccount,
    role: options.role,
    sourceRole: options.sourceRole,
    externalId: options.externalId,
    alsoTrust: options.alsoTrust,
    withTags: options.withTags,
    withSourceIdentity: options.withSourceIdentity,
    oidc: options.oidc,
  };
  const files: [string, string][] =
    options.via.length > 0 ? [['policies.json', renderChainJson(chainOf(setup, options.via))]] : filesOf(setup, options.format);
  if (options.outDir === undefined) {
    const render = { json: renderPoliciesJson, cloudformation: renderCloudFormation, terraform: renderTerraform }[options.format];
    io.stdout(options.via.length > 0 ? (files[0]?.[1] ?? '') : render(setup));
    return 0;
  }
  for (const [name, text] of files) {
    const path = join(options.outDir, name);
    try {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    } catch (error) {
      throw new ConfigurationError(
        `--out-dir ${options.outDir}: cannot write ${name} (${(error as NodeJS.ErrnoException).code ?? error})`,
        {
          fix: 'point --out-dir at a folder you can write',
          cause: error,
        },
      );
    }
    io.stdout(`${path}\n`);
  }
  return 0;
}
