// A second local user, for what another account on the same agent or laptop can and
// cannot do: made with useradd for the tests of a file (no home, no password),
// removed with its processes afterwards. Needs root; elsewhere the block is skipped
// with a notice, and under CI it fails (CI runs as root).
import { execFileSync } from 'node:child_process';
import { execa, type Options } from 'execa';
import { afterAll, beforeAll } from 'vitest';
import { commandWorks } from './available.ts';
import { describeRequiring } from './describe-requiring.ts';

/** Runs a command as the user `uid`:`gid`, with exactly the `env` given (no other variable). */
const runAs =
  (uid: number, gid: number) =>
  (file: string, args: readonly string[], options: Options = {}) =>
    execa('setpriv', ['--reuid', String(uid), '--regid', String(gid), '--clear-groups', '--', file, ...args], {
      extendEnv: false,
      reject: false,
      ...options,
    });

export interface LocalUser {
  name: string;
  uid: number;
  gid: number;
  run: ReturnType<typeof runAs>;
}

const canCreateUsers = () =>
  process.getuid?.() === 0 &&
  commandWorks('useradd', ['--help']) &&
  commandWorks('userdel', ['--help']) &&
  commandWorks('setpriv', ['--help']);

/** Like describe, with a second local user made for it; elsewhere a notice (and a failure under CI). */
export function describeWithLocalUser(name: string, body: (user: () => LocalUser) => void): void {
  const requirement = {
    available: canCreateUsers(),
    needs: 'needs root, useradd and setpriv to make a second local user, which CI must provide',
    missingUnderCi: 'cannot make a second local user here: CI must run as root with useradd (passwd) and setpriv (util-linux)',
    notice: (skipped: string) => `NOTICE: not root or no useradd/setpriv; skipping "${skipped}".`,
  };
  describeRequiring(requirement, name, () => {
    let user: LocalUser | undefined;
    beforeAll(() => {
      const login = `war${process.pid}`;
      execFileSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/bin/sh', login], {
        stdio: 'ignore',
      });
      const uid = Number(execFileSync('id', ['-u', login], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', login], { encoding: 'utf8' }).trim());
      user = {
        name: login,
        uid,
        gid,
        run: runAs(uid, gid),
      };
    });
    afterAll(() => {
      if (user === undefined) return;
      try {
        execFileSync('pkill', ['-KILL', '-u', user.name], { stdio: 'ignore' });
      } catch {
        // None left.
      }
      execFileSync('userdel', [user.name], { stdio: 'ignore' });
    });
    body(() => user as LocalUser);
  });
}
