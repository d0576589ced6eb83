/** Exit codes of the wrapper's own failures (sysexits.h where one fits). */
export const ExitCode = {
  /** Bad flags, values or environment settings. */
  usage: 64,
  /** No usable Node.js: older than 22 (the Jenkins step: none where it runs, or its CLI copy there changed). */
  nodeUnavailable: 69,
  /** Internal error: a bug; run with --verbose and report it. */
  internal: 70,
  /** Temporary failure: STS throttled, failed, hung or answered garbage, after retries. */
  temporary: 75,
  /** STS refused the credentials or the request (AccessDenied, ExpiredToken, InvalidClientTokenId). */
  refused: 77,
  /** Configuration: no source credentials, unreadable env file, a duration over a limit. */
  configuration: 78,
  /** The command exists but cannot be executed. */
  notExecutable: 126,
  /** The command was not found. */
  notFound: 127,
} as const;

/**
 * What each of the wrapper's own exit codes means, in a few words: the Jenkins step's
 * error line says it (vars/withAssumedRole.groovy holds a copy; a test keeps them equal).
 */
export const STEP_EXIT_MEANINGS: Record<number, string> = {
  [ExitCode.usage]: 'a parameter is not valid',
  [ExitCode.nodeUnavailable]: 'no usable Node.js or CLI where the step runs',
  [ExitCode.internal]: 'internal error',
  [ExitCode.temporary]: 'STS failed or timed out after retries',
  [ExitCode.refused]: 'STS refused the credentials or the role',
  [ExitCode.configuration]: 'configuration: no source credentials, a limit exceeded, or an agent variable that would win over the role',
  [ExitCode.notExecutable]: 'the command cannot be executed',
  [ExitCode.notFound]: 'the command was not found',
};

export interface ErrorDetails {
  /** One line: what to do about it. */
  fix: string;
  cause?: unknown;
  /** Further lines shown after the message (policy statements, places looked). */
  details?: string[];
}

/**
 * What marks an error as one of ours, in every copy of this code a process loads (the
 * bundled CLI and the library are different copies, so `instanceof` cannot tell):
 * a symbol from the runtime's global registry, the same for all of them.
 */
const BRAND = Symbol.for('with-assumed-role.error');

/**
 * Base of every failure a user can reach. The message starts with the offending
 * input and says what is allowed; `fix` is one line; `exitCode` is documented.
 */
export abstract class WithAssumedRoleError extends Error {
  readonly [BRAND] = true;
  abstract readonly exitCode: number;
  readonly fix: string;
  readonly details: readonly string[];

  constructor(message: string, { fix, cause, details = [] }: ErrorDetails) {
    super(message, cause === undefined ? undefined : { cause });
    this.fix = fix;
    this.details = details;
  }
}

/** A flag, value or setting is malformed or not allowed (exit 64). */
export class UsageError extends WithAssumedRoleError {
  override readonly name = 'UsageError';
  readonly exitCode = ExitCode.usage;
}

/** The set-up is wrong: credentials missing, a file unreadable, a limit exceeded (exit 78). */
export class ConfigurationError extends WithAssumedRoleError {
  override readonly name = 'ConfigurationError';
  readonly exitCode = ExitCode.configuration;
}

/** STS refused: AccessDenied, ExpiredToken, InvalidClientTokenId, SignatureDoesNotMatch (exit 77). */
export class StsRefusedError extends WithAssumedRoleError {
  override readonly name = 'StsRefusedError';
  readonly exitCode = ExitCode.refused;
  readonly code: string;

  constructor(code: string, message: string, details: ErrorDetails) {
    super(message, details);
    this.code = code;
  }
}

/** Credentials could not be had in time: throttling, 5xx, network, timeout, garbage (exit 75). */
export class TemporaryFailureError extends WithAssumedRoleError {
  override readonly name = 'TemporaryFailureError';
  readonly exitCode = ExitCode.temporary;
}

/** The command could not be found (exit 127). */
export class CommandNotFoundError extends WithAssumedRoleError {
  override readonly name = 'CommandNotFoundError';
  readonly exitCode = ExitCode.notFound;
}

/** The command was found but cannot be run: no execute permission, a directory (exit 126). */
export class CommandNotExecutableError extends WithAssumedRoleError {
  override readonly name = 'CommandNotExecutableError';
  readonly exitCode = ExitCode.notExecutable;
}

/** A bug (exit 70). */
export class InternalError extends WithAssumedRoleError {
  override readonly name = 'InternalError';
  readonly exitCode = ExitCode.internal;
}

/** Recognised by its brand, not instanceof: a bundled copy and the library's are different classes. */
export function isWithAssumedRoleError(error: unknown): error is WithAssumedRoleError {
  return typeof error === 'object' && error !== null && (error as { [BRAND]?: unknown })[BRAND] === true;
}

/** The exit code for any thrown value: the error's own, else internal (70). */
export function exitCodeOf(error: unknown): number {
  return isWithAssumedRoleError(error) ? error.exitCode : ExitCode.internal;
}
