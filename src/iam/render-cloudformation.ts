// `policies --format cloudformation`: one template per account, source account (B)
// first since a trust policy naming a role needs that role to exist. Pure.
import { stringify } from 'yaml';
import { buildPolicySet, type CrossAccountSetup } from './policy-documents.ts';
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

export function targetAccountTemplate(setup: CrossAccountSetup): Record<string, unknown> {
  const documents = buildPolicySet(setup);
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `with-assumed-role, account A (${setup.targetAccount}): the deploy role ${setup.role}, assumable from account B (${setup.sourceAccount}).`,
    Parameters: {
      DeployPolicyArn: {
        Type: 'String',
        Default: readOnlyAccessArn(setup.partition),
        Description: 'Managed policy for what deploys may do in this account',
      },
    },
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
  const parts = cloudFormationParts(setup);
  return `${parts.sourceAccount}---\n${parts.targetAccount}`;
}
