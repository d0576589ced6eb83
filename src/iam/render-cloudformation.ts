// `policies --format cloudformation`: one template per account, source account (B)
// first since a trust policy naming a role needs that role to exist. Pure.
import { stringify } from 'yaml';
import { buildPolicySet, type CrossAccountSetup, OIDC_AUDIENCE, type OidcTrust, targetTrustPolicy } from './policy-documents.ts';
import { readOnlyAccessArn, SOURCE_POLICY_NAME, sourceRoleName } from './setup-names.ts';

export function sourceAccountTemplate(setup: CrossAccountSetup): Record<string, unknown> {
  const documents = buildPolicySet(setup);
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `with-assumed-role, account B (${setup.sourceAccount}): the Jenkins agents' role and instance profile. Deploy this first.`,
    Resources: {
      AgentRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: sourceRoleName(setup),
          Description: `Jenkins agents: may assume ${setup.role} in ${setup.targetAccount}`,
          AssumeRolePolicyDocument: documents.sourceTrustPolicy,
          Policies: [{ PolicyName: SOURCE_POLICY_NAME, PolicyDocument: documents.sourcePermissionPolicy }],
        },
      },
      AgentInstanceProfile: {
        Type: 'AWS::IAM::InstanceProfile',
        Properties: { InstanceProfileName: sourceRoleName(setup), Roles: [{ Ref: 'AgentRole' }] },
      },
    },
    Outputs: {
      AgentRoleArn: { Value: { 'Fn::GetAtt': ['AgentRole', 'Arn'] } },
      AgentInstanceProfileArn: { Value: { 'Fn::GetAtt': ['AgentInstanceProfile', 'Arn'] } },
    },
  };
}

/** Keyless: the OIDC provider and the deploy role trusting its tokens, in account A alone. */
function oidcTemplate(setup: CrossAccountSetup, oidc: OidcTrust): Record<string, unknown> {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `with-assumed-role, account A (${setup.targetAccount}): the deploy role ${setup.role}, assumable with id tokens of ${oidc.issuer}.`,
    Parameters: deployPolicyParameter(setup),
    Resources: {
      JenkinsOidcProvider: {
        Type: 'AWS::IAM::OIDCProvider',
        Properties: { Url: oidc.issuer, ClientIdList: [OIDC_AUDIENCE] },
      },
      DeployRole: {
        Type: 'AWS::IAM::Role',
        DependsOn: 'JenkinsOidcProvider',
        Properties: {
          RoleName: setup.role,
          Description: `Deploys from Jenkins jobs with id tokens of ${oidc.issuer}`,
          AssumeRolePolicyDocument: targetTrustPolicy(setup),
          ManagedPolicyArns: [{ Ref: 'DeployPolicyArn' }],
          MaxSessionDuration: 3600,
        },
      },
    },
    Outputs: {
      DeployRoleArn: { Value: { 'Fn::GetAtt': ['DeployRole', 'Arn'] } },
      OidcProviderArn: { Value: { Ref: 'JenkinsOidcProvider' } },
    },
  };
}

const deployPolicyParameter = (setup: CrossAccountSetup) => ({
  DeployPolicyArn: {
    Type: 'String',
    Default: readOnlyAccessArn(setup.partition),
    Description: 'Managed policy for what deploys may do in this account',
  },
});

export function targetAccountTemplate(setup: CrossAccountSetup): Record<string, unknown> {
  if (setup.oidc !== undefined) return oidcTemplate(setup, setup.oidc);
  const documents = buildPolicySet(setup);
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `with-assumed-role, account A (${setup.targetAccount}): the deploy role ${setup.role}, assumable from account B (${setup.sourceAccount}).`,
    Parameters: deployPolicyParameter(setup),
    Resources: {
      DeployRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: setup.role,
          Description: `Deploys from Jenkins agents in account ${setup.sourceAccount}`,
          AssumeRolePolicyDocument: documents.targetTrustPolicy,
          ManagedPolicyArns: [{ Ref: 'DeployPolicyArn' }],
          MaxSessionDuration: 3600,
        },
      },
    },
    Outputs: { DeployRoleArn: { Value: { 'Fn::GetAtt': ['DeployRole', 'Arn'] } } },
  };
}

const yaml = (template: Record<string, unknown>) => stringify(template, { version: '1.1', lineWidth: 0, aliasDuplicateObjects: false });

/** Each account's template as YAML: account B's to deploy first. */
export function cloudFormationParts(setup: CrossAccountSetup): { sourceAccount: string; targetAccount: string } {
  return {
    sourceAccount: `# Account B (${setup.sourceAccount}), first:\n${yaml(sourceAccountTemplate(setup))}`,
    targetAccount: `# Account A (${setup.targetAccount}):\n${yaml(targetAccountTemplate(setup))}`,
  };
}

export function renderCloudFormation(setup: CrossAccountSetup): string {
  if (setup.oidc !== undefined) return `# Account A (${setup.targetAccount}):\n${yaml(targetAccountTemplate(setup))}`;
  const parts = cloudFormationParts(setup);
  return `${parts.sourceAccount}---\n${parts.targetAccount}`;
}
