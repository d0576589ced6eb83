// The library API: what the CLI does, callable from code. Its parts live in the
// folders (credentials/ assumes, child/ runs); this is the door they are sold through.

export { type WithAssumedRoleOptions, withAssumedRole } from './child/run-with-role.ts';
export { type AssumeRoleOptions, type AssumeRoleResult, assumeRole } from './credentials/assume.ts';
