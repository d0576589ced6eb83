// The library API of with-assumed-role. The CLI is a thin adapter over it.

export type { NetworkSettings } from './aws/proxy-rules.ts';
export {
  buildChildEnvironment,
  type ChildCredentials,
  type ChildEnvironmentInput,
  OVERRIDING_VARIABLES,
} from './child/child-environment.ts';
export { MaskStream } from './child/mask-stream.ts';
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
} from './errors.ts';
export { buildPolicySet, type CrossAccountSetup, type PolicyDocument, type PolicySet } from './iam/policy-documents.ts';
export { type AssumeRoleOptions, type AssumeRoleResult, assumeRole, type WithAssumedRoleOptions, withAssumedRole } from './library.ts';
export { parseDuration } from './options/duration.ts';
export { buildRoleArn, parseRoleArn } from './options/role-arn.ts';
export type { SessionAttributes, SessionTag } from './options/session-attributes.ts';
export { deriveSessionName, isJenkins, type SessionNameContext, validateSessionName } from './options/session-name.ts';
export { VERSION } from './version.ts';
