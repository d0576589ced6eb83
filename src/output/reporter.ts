// The wrapper's own voice on stderr: one line by default, steps with --verbose,
// nothing but errors with --quiet. Never handed a secret.
import { isWithAssumedRoleError } from '../domain/errors.ts';

/** How much the wrapper says: --quiet, the default, --verbose. */
export type Verbosity = 'quiet' | 'normal' | 'verbose';

export const PREFIX = 'withAssumedRole: ';

/** `arn:aws:sts::...:assumed-role/DeployMaster/s until 2026-...Z`: what was assumed, for how long. */
export function describeAssumed(assumedRoleArn: string, expiration: Date): string {
  return `${assumedRoleArn} until ${expiration.toISOString()}`;
}

export interface Reporter {
  /** The default line(s): shown unless --quiet. */
  info(line: string): void;
  /** Step-by-step detail: shown with --verbose only. */
  verbose(line: string): void;
  /** A failure: message, details, fix; the stack and causes with --verbose. */
  error(error: unknown): void;
}

export function createReporter(verbosity: Verbosity, write: (text: string) => void = (text) => process.stderr.write(text)): Reporter {
  return {
    info: (line) => {
      if (verbosity !== 'quiet') write(`${PREFIX}${line}\n`);
    },
    verbose: (line) => {
      if (verbosity === 'verbose') write(`${PREFIX}${line}\n`);
    },
    error: (error) => write(formatError(error, verbosity === 'verbose')),
  };
}

/** A writer whose first line names `version` in its prefix (`withAssumedRole 0.2.0: ...`): the Jenkins step's first line. */
export function versionedFirstLine(
  version: string,
  write: (text: string) => void = (text) => process.stderr.write(text),
): (text: string) => void {
  let first = true;
  return (text) => {
    if (first && text.startsWith(PREFIX)) text = `withAssumedRole ${version}: ${text.slice(PREFIX.length)}`;
    first = false;
    write(text);
  };
}

/** `withAssumedRole: <message>`, indented details, `  fix: <fix>`; stacks only when asked. */
export function formatError(error: unknown, withStack: boolean): string {
  const lines: string[] = [];
  if (isWithAssumedRoleError(error)) {
    lines.push(`${PREFIX}${error.message}`, ...error.details.map((line) => `  ${line}`), `  fix: ${error.fix}`);
  } else {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    lines.push(`${PREFIX}internal error: ${message}`, '  fix: run again with --verbose and report the output');
  }
  if (withStack) {
    let cause: unknown = error;
    while (cause instanceof Error) {
      lines.push(...(cause.stack ?? String(cause)).split('\n').map((line) => `  ${line}`));
      cause = cause.cause;
    }
  }
  return `${lines.join('\n')}\n`;
}
