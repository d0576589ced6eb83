// Names the set-up's documents and templates share. Pure.
import type { CrossAccountSetup } from './policy-documents.ts';

/** When no --source-role is given, the templates still create the agents' role, under this name. */
export const DEFAULT_SOURCE_ROLE = 'jenkins-agent';
export const SOURCE_POLICY_NAME = 'AssumeDeployRole';

export const sourceRoleName = (setup: CrossAccountSetup) => setup.sourceRole ?? DEFAULT_SOURCE_ROLE;

export const readOnlyAccessArn = (partition: string) => `arn:${partition}:iam::aws:policy/ReadOnlyAccess`;
