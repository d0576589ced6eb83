// `policies --format json`: the three documents, each labelled with where it goes. Pure.
import {
  buildPolicySet,
  type CrossAccountSetup,
  OIDC_AUDIENCE,
  type OidcTrust,
  oidcProviderArn,
  targetTrustPolicy,
} from './policy-documents.ts';
import { SOURCE_POLICY_NAME, sourceRoleName } from './setup-names.ts';

/** Keyless: the OIDC provider and the deploy role's trust in its tokens, both in account A. */
function oidcJson(setup: CrossAccountSetup, oidc: OidcTrust): string {
  return `${JSON.stringify(
    {
      oidcProvider: {
        description: `IAM OIDC identity provider in account ${setup.targetAccount} for the id tokens of ${oidc.issuer}`,
        account: setup.targetAccount,
        url: oidc.issuer,
        clientIdList: [OIDC_AUDIENCE],
        arn: oidcProviderArn(setup.partition, setup.targetAccount, oidc.issuer),
      },
      targetRoleTrustPolicy: {
        description: `Trust policy of ${setup.role} in account ${setup.targetAccount}: id tokens of ${oidc.issuer} for the subjects given`,
        account: setup.targetAccount,
        role: setup.role,
        document: targetTrustPolicy(setup),
      },
    },
    null,
    2,
  )}\n`;
}

export function renderPoliciesJson(setup: CrossAccountSetup): string {
  if (setup.oidc !== undefined) return oidcJson(setup, setup.oidc);
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
