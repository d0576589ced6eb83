// A person's MFA: which device (--mfa-serial, or the source profile's mfa_serial),
// and its current code (--mfa-code, or asked on the terminal itself, /dev/tty, so
// pipes and the command's stdin are untouched). Never asked under CI or without a
// terminal: there it is one line saying how to give the code.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { type Environment, isCi } from '../domain/environment.ts';
import { ConfigurationError, UsageError } from '../domain/errors.ts';

const SERIAL = /^(?:arn:aws[a-z-]*:iam::\d{12}:mfa\/[\w+=,.@/-]{1,256}|[\w+=/:,.@-]{9,256})$/;
const CODE = /^\d{6}$/;

/** --mfa-serial: the device's ARN (arn:aws:iam::ACCOUNT:mfa/NAME) or a hardware device's serial number. */
export function validateMfaSerial(value: string, origin: string): string {
  if (!SERIAL.test(value)) {
    throw new UsageError(
      `${origin} ${value}: not an MFA device: an ARN like arn:aws:iam::123456789012:mfa/alice, or a device's serial number`,
      {
        fix: "copy the device's identifier from the IAM console (your user, Security credentials, MFA), or aws iam list-mfa-devices",
      },
    );
  }
  return value;
}

export function validateMfaCode(value: string, origin: string): string {
  if (!CODE.test(value)) {
    throw new UsageError(`${origin}: an MFA code is six digits`, { fix: "give the device's current six-digit code" });
  }
  return value;
}

/** Reads one line from the terminal, synchronously: nothing else runs while a person types. */
function readLine(fd: number): string | undefined {
  const bytes: number[] = [];
  const one = Buffer.alloc(1);
  for (;;) {
    const read = readSync(fd, one, 0, 1, null);
    if (read === 0) return bytes.length === 0 ? undefined : Buffer.from(bytes).toString('utf8');
    if (one[0] === 0x0a) return Buffer.from(bytes).toString('utf8').replace(/\r$/, '');
    bytes.push(one[0] as number);
  }
}

/** Where the code can come from when it was not given: the terminal, if there is one and this is not CI. */
export type AskCode = (serial: string) => string;

/**
 * Asks the person for the device's code on /dev/tty, three times at most for an
 * answer that is not six digits. Under CI, or with no terminal, a ConfigurationError
 * (78) saying how to give the code instead.
 */
export function askOnTerminal(env: Environment): AskCode {
  return (serial) => {
    const give = `pass --mfa-code with the device's current code (or WITH_ASSUMED_ROLE_MFA_CODE)`;
    if (isCi(env)) {
      throw new ConfigurationError(`MFA device ${serial}: a code is needed, and CI has no person to ask`, {
        fix: `${give}; or assume the role from credentials that need no MFA`,
      });
    }
    let fd: number;
    try {
      fd = openSync('/dev/tty', 'r+');
    } catch {
      throw new ConfigurationError(`MFA device ${serial}: a code is needed, and there is no terminal to ask it on`, { fix: give });
    }
    try {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        writeSync(fd, `withAssumedRole: MFA code for ${serial}: `);
        const answer = readLine(fd)?.trim();
        if (answer === undefined) break;
        if (CODE.test(answer)) return answer;
        writeSync(fd, 'withAssumedRole: an MFA code is six digits\n');
      }
      throw new ConfigurationError(`MFA device ${serial}: no code was given`, { fix: give });
    } finally {
      closeSync(fd);
    }
  };
}
