// `policies --format terraform`: the CloudFormation templates' resources as HCL,
// one configuration per account, separated the same way. Pure.
import {
  buildPolicySet,
  type CrossAccountSetup,
  OIDC_AUDIENCE,
  type OidcTrust,
  type PolicyDocument,
  targetTrustPolicy,
} from './policy-documents.ts';
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

/**
 * Account A's configuration: a header, the deploy role with `description` and its
 * trust policy, after `before` (blocks the role depends on, named in `dependsOn`).
 */
function deployRoleConfiguration(
  setup: CrossAccountSetup,
  header: string,
  description: string,
  before = '',
  dependsOn: string | undefined = undefined,
): string {
  return `# Account A (${setup.targetAccount}): ${header}
# Apply with credentials for account ${setup.targetAccount}.
variable "deploy_policy_arn" {
  description = "Managed policy for what deploys may do in this account"
  type        = string
  default     = ${hclString(readOnlyAccessArn(setup.partition))}
}
${before}
resource "aws_iam_role" "deploy" {
  name                 = ${hclString(setup.role)}
  description          = ${hclString(description)}
  max_session_duration = 3600
  assume_role_policy   = ${jsonencode(targetTrustPolicy(setup))}${dependsOn === undefined ? '' : `\n  depends_on           = [${dependsOn}]`}
}

resource "aws_iam_role_policy_attachment" "deploy" {
  role       = aws_iam_role.deploy.name
  policy_arn = var.deploy_policy_arn
}

output "deploy_role_arn" {
  value = aws_iam_role.deploy.arn
}
`;
}

/** Keyless: the OIDC provider and the deploy role trusting its tokens, in account A alone. */
export function oidcTerraform(setup: CrossAccountSetup, oidc: OidcTrust): string {
  const provider = `
resource "aws_iam_openid_connect_provider" "jenkins" {
  url            = ${hclString(oidc.issuer)}
  client_id_list = [${hclString(OIDC_AUDIENCE)}]
}
`;
  return deployRoleConfiguration(
    setup,
    `the deploy role ${setup.role}, assumable with id tokens of ${oidc.issuer}.`,
    `Deploys from Jenkins jobs with id tokens of ${oidc.issuer}`,
    provider,
    'aws_iam_openid_connect_provider.jenkins',
  );
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
  const target = deployRoleConfiguration(
    setup,
    `the deploy role ${setup.role}.`,
    `Deploys from Jenkins agents in account ${setup.sourceAccount}`,
  );
  return { sourceAccount: source, targetAccount: target };
}

export function renderTerraform(setup: CrossAccountSetup): string {
  if (setup.oidc !== undefined) return oidcTerraform(setup, setup.oidc);
  const parts = terraformParts(setup);
  return `${parts.sourceAccount}---\n${parts.targetAccount}`;
}
