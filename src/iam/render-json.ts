// `policies --format json`: the three documents, each labelled with where it goes. Pure.
import { buildPolicySet, type CrossAccountSetup } from './policy-documents.ts';
import { SOURCE_POLICY_NAME, sourceRoleName } from './setup-names.ts';

export function renderPoliciesJson(setup: CrossAccountSetup): string {
  const documents = buildPolicySet(setup);
  const sourceRole = sourceRoleName(setup);
  return `${JSON.stringify(
    {
      targetRoleTrustPolicy: {
        description: `Trust policy of ${setup.role} in account ${setup.targetAccount}: who may assume it`,
        account: setup.targetAccount,
        role: setup.role,
        document: documents.targetTrustPolicy,
      },
      sourceRolePermissionPolicy: {
        description: `Inline policy ${SOURCE_POLICY_NAME} of ${sourceRole} in account ${setup.sourceAccount}: may assume ${setup.role}`,
        account: setup.sourceAccount,
        role: sourceRole,
        policyName: SOURCE_POLICY_NAME,
        document: documents.sourcePermissionPolicy,
      },
      sourceRoleTrustPolicy: {
        description: `Trust policy of ${sourceRole} in account ${setup.sourceAccount}: EC2 may give it to instances (the instance profile)`,
        account: setup.sourceAccount,
        role: sourceRole,
        document: documents.sourceTrustPolicy,
      },
    },
    null,
    2,
  )}\n`;
}
