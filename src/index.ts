// The library API of with-assumed-role. The CLI is a thin adapter over it.

export { buildChildEnvironment, type ChildCredentials, type ChildEnvironmentInput } from './child/child-environment.ts';
export { MaskStream } from './child/mask-stream.ts';
export { type WithAssumedRoleOptions, withAssumedRole } from './child/run-with-role.ts';
export { type AssumeRoleOptions, type AssumeRoleResult, assumeRole } from './credentials/assume.ts';
export { parseDuration } from './domain/duration.ts';
export { isJenkins, OVERRIDING_VARIABLES } from './domain/environment.ts';
export {
  CommandNotExecutableError,
  CommandNotFoundError,
  ConfigurationError,
  ExitCode,
  exitCodeOf,
  InternalError,
  isWithAssumedRoleError,
  StsRefusedError,
  TemporaryFailureError,
  UsageError,
  WithAssumedRoleError,
} from './domain/errors.ts';
export type { NetworkSettings } from './domain/network.ts';
export { buildRoleArn, parseRoleArn } from './domain/role-arn.ts';
export type { SessionAttributes, SessionTag } from './domain/session-attributes.ts';
export { deriveSessionName, type SessionNameContext, validateSessionName } from './domain/session-name.ts';
export { VERSION } from './domain/version.ts';
export { buildPolicySet, type CrossAccountSetup, type PolicyDocument, type PolicySet } from './iam/policy-documents.ts';
