// The typed options each command receives, and the flat request an AssumeRole
// needs. What normalize.ts produces; nothing here reads argv or the environment.

import type { RoleTarget, SourceOptions } from '../domain/role-request.ts';
import type { OidcTrust } from '../iam/policy-documents.ts';
import type { PrintFormat } from '../output/format-credentials.ts';
import type { Verbosity } from '../output/reporter.ts';
import type { ServeCredentials } from '../serve/block-mode.ts';

export interface CommonOptions {
  verbosity: Verbosity;
  /** Variables of the --env-file files, in precedence order applied. */
  fileEnvironment: Record<string, string>;
}

export interface ExecOptions extends CommonOptions {
  command: 'exec';
  source: SourceOptions;
  target: RoleTarget;
  argv: [string, ...string[]];
  dryRun: boolean;
  mask: boolean;
  maskOrigin: string;
  killGraceSeconds: number;
  /** A local credentials endpoint instead of static keys. */
  refresh: boolean;
  /** The wrapper's arguments that reproduce this run elsewhere (reproductionArguments). */
  reproduction: string[];
  /** This run as a Jenkins step call, for --dry-run. */
  stepCall: string;
  /** A person's session cache: on unless under CI or --no-session-cache. */
  sessionCache: boolean;
}

export interface PrintOptions extends CommonOptions {
  command: 'print';
  source: SourceOptions;
  /** Absent only with --cache-file, whose recorded request is then used. */
  target: RoleTarget | undefined;
  format: PrintFormat;
  cacheFile: string | undefined;
  /** This run's key (invocation-key.ts), recorded in the cache for the launcher's fast path. */
  invocation: string;
  sessionCache: boolean;
}

export interface ServeOptions extends CommonOptions {
  command: 'serve';
  source: SourceOptions;
  /** Absent for --check and --background, which read the folder instead. */
  target: RoleTarget | undefined;
  dir: string;
  credentials: ServeCredentials;
  check: boolean;
  background: boolean;
  /** Ends the folder's serving: the refresh stopped, the folder removed. */
  stop: boolean;
  /** How long the background refresh may go on at most. */
  refreshLimitSeconds: number;
  /** The wrapper's arguments that reproduce this run elsewhere (reproductionArguments). */
  reproduction: string[];
}

export interface VerifyOptions extends CommonOptions {
  command: 'verify';
  source: SourceOptions;
  target: RoleTarget;
  regions: string[];
  json: boolean;
  sessionCache: boolean;
}

export type PoliciesFormat = 'json' | 'cloudformation' | 'terraform';

export interface PoliciesOptions extends CommonOptions {
  command: 'policies';
  targetAccount: string;
  sourceAccount: string;
  role: string;
  sourceRole: string | undefined;
  externalId: string | undefined;
  region: string | undefined;
  format: PoliciesFormat;
  /** More principals the deploy role trusts. */
  alsoTrust: string[];
  /** Write one file per account here instead of stdout. */
  outDir: string | undefined;
  withTags: boolean;
  withSourceIdentity: boolean;
  /** Keyless: the role trusts an OIDC issuer's tokens instead of account B. */
  oidc: OidcTrust | undefined;
  /** Roles on the agents' way to the deploy role (a hub account's), in order. */
  via: string[];
}

export interface DoctorOptions extends CommonOptions {
  command: 'doctor';
  source: SourceOptions;
  target: RoleTarget | undefined;
}

/** Drops a person's cached sessions. */
export interface ForgetOptions extends CommonOptions {
  command: 'forget';
}

/** The Jenkins step's part to play: its parameters come from the step (step-parameters.ts), not from flags. */
export interface JenkinsOptions extends CommonOptions {
  command: 'jenkins';
  action: 'begin' | 'end' | 'run';
}

export type Options =
  | ExecOptions
  | PrintOptions
  | ServeOptions
  | VerifyOptions
  | PoliciesOptions
  | DoctorOptions
  | ForgetOptions
  | JenkinsOptions;
