// `policies --format terraform`: the CloudFormation templates' resources as HCL,
// one configuration per account, separated the same way. Pure.
import { buildPolicySet, type CrossAccountSetup, type PolicyDocument } from './policy-documents.ts';
import { readOnlyAccessArn, SOURCE_POLICY_NAME, sourceRoleName } from './setup-names.ts';

/** HCL reads ${ and %{ in strings as templates; doubled, they are literal. */
const escapeTemplates = (text: string) => text.replace(/([$%])\{/g, (_match, sign: string) => `${sign}${sign}{`);

/** A quoted HCL string: backslashes, quotes and template openers escaped. */
export function hclString(value: string): string {
  return escapeTemplates(JSON.stringify(value));
}

/** jsonencode() of a policy: HCL object syntax accepts JSON's, so the document reads as it would in IAM. */
function jsonencode(document: PolicyDocument): string {
  const json = escapeTemplates(JSON.stringify(document, null, 2));
  return `jsonencode(${json.split('\n').join('\n  ')})`;
}

/** Each account's configuration as HCL: account B's to apply first. */
export function terraformParts(setup: CrossAccountSetup): { sourceAccount: string; targetAccount: string } {
  const documents = buildPolicySet(setup);
  const agent = sourceRoleName(setup);
  const source = `# Account B (${setup.sourceAccount}), first: the Jenkins agents' role and instance profile.
# Apply with credentials for account ${setup.sourceAccount}.
resource "aws_iam_role" "agent" {
  name               = ${hclString(agent)}
  description        = ${hclString(`Jenkins agents: may assume ${setup.role} in ${setup.targetAccount}`)}
  assume_role_policy = ${jsonencode(documents.sourceTrustPolicy)}
}

resource "aws_iam_role_policy" "assume_deploy_role" {
  name   = ${hclString(SOURCE_POLICY_NAME)}
  role   = aws_iam_role.agent.id
  policy = ${jsonencode(documents.sourcePermissionPolicy)}
}

resource "aws_iam_instance_profile" "agent" {
  name = ${hclString(agent)}
  role = aws_iam_role.agent.name
}

output "agent_instance_profile_arn" {
  value = aws_iam_instance_profile.agent.arn
}
`;
  const target = `# Account A (${setup.targetAccount}): the deploy role ${setup.role}.
# Apply with credentials for account ${setup.targetAccount}.
variable "deploy_policy_arn" {
  description = "Managed policy for what deploys may do in this account"
  type        = string
  default     = ${hclString(readOnlyAccessArn(setup.partition))}
}

resource "aws_iam_role" "deploy" {
  name                 = ${hclString(setup.role)}
  description          = ${hclString(`Deploys from Jenkins agents in account ${setup.sourceAccount}`)}
  max_session_duration = 3600
  assume_role_policy   = ${jsonencode(documents.targetTrustPolicy)}
}

resource "aws_iam_role_policy_attachment" "deploy" {
  role       = aws_iam_role.deploy.name
  policy_arn = var.deploy_policy_arn
}

output "deploy_role_arn" {
  value = aws_iam_role.deploy.arn
}
`;
  return { sourceAccount: source, targetAccount: target };
}

export function renderTerraform(setup: CrossAccountSetup): string {
  const parts = terraformParts(setup);
  return `${parts.sourceAccount}---\n${parts.targetAccount}`;
}
