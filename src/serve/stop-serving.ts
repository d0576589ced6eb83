// The end of a served folder (`serve --stop`, the end of a Jenkins block): what the
// refresh had to report, the broker stopped, the folder removed, and in `source`
// mode the role's credentials the AWS CLI cached in ~/.aws/cli/cache for this session.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from '../domain/environment.ts';
import { processFacts } from './process-anchor.ts';
import { FILES } from './profile-files.ts';
import { readFolderFile } from './serve-folder.ts';

/** The broker's pid, if the process of that pid is the broker of this folder (its command line names the folder). */
function brokerOf(dir: string): number | undefined {
  const pid = Number(readFolderFile(dir, FILES.pid)?.trim());
  if (!Number.isInteger(pid) || pid <= 1 || processFacts(pid) === undefined) return undefined;
  try {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return commandLine.includes(dir) ? pid : undefined;
  } catch {
    // No /proc: the pid file is in a folder only we can write, and the process still runs.
    return pid;
  }
}

/**
 * The AWS CLI caches the credentials of a role it assumed from a profile (`source`
 * mode) in ~/.aws/cli/cache, where they would outlive the block: the entries of this
 * session (its assumed-role ARN) are removed. Other sessions' entries stay.
 */
export function forgetAwsCliCache(env: Environment, assumedRoleArn: string): number {
  if (!env.HOME) return 0;
  const dir = join(env.HOME, '.aws', 'cli', 'cache');
  let removed = 0;
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.json'));
  } catch {
    return 0;
  }
  for (const name of names) {
    try {
      const entry = JSON.parse(readFileSync(join(dir, name), 'utf8')) as { AssumedRoleUser?: { Arn?: string } };
      if (entry.AssumedRoleUser?.Arn === assumedRoleArn) {
        rmSync(join(dir, name), { force: true });
        removed += 1;
      }
    } catch {
      // Not an entry of ours to judge.
    }
  }
  return removed;
}

export interface StopResult {
  /** What the background refresh logged (nothing when all went well). */
  log: string;
}

/** Ends the folder's serving: returns the refresh's log, stops the broker, removes the folder and this session's CLI cache. */
export function stopServing(dir: string, env: Environment): StopResult {
  const log = readFolderFile(dir, FILES.log) ?? '';
  let assumedRoleArn: string | undefined;
  try {
    const record = JSON.parse(readFolderFile(dir, FILES.request) ?? '{}') as { mode?: string; assumedRoleArn?: string };
    if (record.mode === 'source') assumedRoleArn = record.assumedRoleArn;
  } catch {}
  const broker = brokerOf(dir);
  rmSync(dir, { recursive: true, force: true });
  if (broker !== undefined) {
    try {
      process.kill(broker, 'SIGTERM');
    } catch {}
  }
  if (assumedRoleArn !== undefined) forgetAwsCliCache(env, assumedRoleArn);
  return { log };
}
