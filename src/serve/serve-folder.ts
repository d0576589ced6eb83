// The folder `serve` shares credentials in: checked to be private, written
// atomically, and watched: removing it is how a Jenkins block ends the refresh.
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  existsSync,
  lstatSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { resolve } from 'node:path';
import { ConfigurationError } from '../domain/errors.ts';
import { FILES } from './profile-files.ts';

/** The folder as an absolute path, once it is a directory of ours that nobody else can enter. */
export function checkServeFolder(dir: string, flag = '--dir'): string {
  const path = resolve(dir);
  let info: ReturnType<typeof lstatSync>;
  try {
    info = lstatSync(path);
  } catch (error) {
    throw new ConfigurationError(`${flag} ${dir}: ${(error as NodeJS.ErrnoException).code ?? 'cannot be read'}`, {
      fix: 'make the folder first: mktemp -d gives one of your own with mode 0700',
      cause: error,
    });
  }
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o077) !== 0) {
    throw new ConfigurationError(`${flag} ${dir}: not a private folder of yours (a directory you own, mode 0700)`, {
      fix: 'it will hold credentials: use mktemp -d, or chmod 700 a folder you own',
    });
  }
  if (/['\n]/.test(path)) {
    throw new ConfigurationError(`${flag} ${dir}: holds a quote or a newline, which an AWS config line cannot carry`, {
      fix: 'use a folder whose path has neither',
    });
  }
  return path;
}

/** Writes a file of the folder at once for readers: a 0600 sibling renamed over it. */
export function writeAtomically(dir: string, name: string, text: string): void {
  const temporary = `${dir}/.${name}.${randomBytes(6).toString('hex')}`;
  writeFileSync(temporary, text, { mode: 0o600, flag: 'wx' });
  renameSync(temporary, `${dir}/${name}`);
}

export function readFolderFile(dir: string, name: string): string | undefined {
  try {
    return readFileSync(`${dir}/${name}`, 'utf8');
  } catch {
    return undefined;
  }
}

export function removeFolderFile(dir: string, name: string): void {
  rmSync(`${dir}/${name}`, { force: true });
}

/** A line of the refresh log (shown when a Jenkins block ends); never a secret. */
export function logLine(dir: string, line: string): void {
  try {
    appendFileSync(`${dir}/${FILES.log}`, `${line}\n`, { mode: 0o600 });
  } catch {
    // The folder is gone: the block has ended, and so will we.
  }
}

/** Marks the folder as served by a live broker (its mtime); a later block removes folders whose heartbeat stopped. */
export function touchHeartbeat(dir: string): void {
  const path = `${dir}/${FILES.heartbeat}`;
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    try {
      closeSync(openSync(path, 'a', 0o600));
    } catch {
      // The folder is gone: so are we, at the next look.
    }
  }
}

/** How often the broker looks at what would stop it, and touches its heartbeat. */
export const WATCH_INTERVAL_MS = 1000;

export type StopReason = 'folder gone' | 'signal' | 'the agent process that ran the step is gone' | 'the refresh limit was reached';

export interface StopChecks {
  agentGone(): boolean;
  limitReached(): boolean;
  heartbeat(): void;
}

/** Resolves with why, once the folder is gone, a stop signal arrives, the agent is gone or the limit is reached (looked at once a second). */
export function untilStopped(dir: string, checks: StopChecks): Promise<StopReason> {
  return new Promise((done) => {
    const stop = (reason: StopReason) => {
      clearInterval(watch);
      for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.off(signal, onSignal);
      done(reason);
    };
    const onSignal = () => stop('signal');
    const watch = setInterval(() => {
      if (!existsSync(dir)) stop('folder gone');
      else if (checks.agentGone()) stop('the agent process that ran the step is gone');
      else if (checks.limitReached()) stop('the refresh limit was reached');
      else checks.heartbeat();
    }, WATCH_INTERVAL_MS);
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, onSignal);
  });
}
