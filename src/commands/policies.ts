// policies: the IAM documents of the cross-account set-up, as JSON, CloudFormation or Terraform.

import type { CrossAccountSetup } from '../iam/policy-documents.ts';
import { renderCloudFormation } from '../iam/render-cloudformation.ts';
import { renderPoliciesJson } from '../iam/render-json.ts';
import { renderTerraform } from '../iam/render-terraform.ts';
import type { PoliciesOptions } from '../options/command-options.ts';
import { partitionOfRegion } from '../options/partition.ts';
import type { CommandIo } from './command-io.ts';

export async function policiesCommand(options: PoliciesOptions, io: CommandIo): Promise<number> {
  const setup: CrossAccountSetup = {
    partition: partitionOfRegion(options.region),
    targetAccount: options.targetAccount,
    sourceAccount: options.sourceAccount,
    role: options.role,
    sourceRole: options.sourceRole,
    externalId: options.externalId,
  };
  const render = { json: renderPoliciesJson, cloudformation: renderCloudFormation, terraform: renderTerraform }[options.format];
  io.stdout(render(setup));
  return 0;
}
