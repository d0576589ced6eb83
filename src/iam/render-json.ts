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
  return `${JSON.stringify(policyJson(setup), null, 2)}\n`;
}

/**
 * With roles on the way (a hub account's): each hop's documents, in order. The first
 * hop's source is the agents' role; each later hop's source is the role before it,
 * whose trust policy is the hop before's (so no EC2 trust of its own).
 */
export function renderChainJson(hops: readonly CrossAccountSetup[]): string {
  const labelled = hops.map((setup, index) => {
    const { sourceRoleTrustPolicy, ...rest } = policyJson(setup);
    return {
      hop: `${index + 1} of ${hops.length}: ${setup.sourceRole ?? sourceRoleName(setup)} in ${setup.sourceAccount} -> ${setup.role} in ${setup.targetAccount}`,
      ...rest,
      ...(index === 0 ? { sourceRoleTrustPolicy } : {}),
    };
  });
  return `${JSON.stringify({ hops: labelled }, null, 2)}\n`;
}

function policyJson(setup: CrossAccountSetup) {
  const documents = buildPolicySet(setup);
  const sourceRole = sourceRoleName(setup);
  return {
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
  };
}
