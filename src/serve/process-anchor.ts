// The agent process that ran a Jenkins step, found from the step's own process: the
// nearest ancestor that is not a shell, nohup or env (the agent's JVM where Jenkins
// starts `sh` itself). With its start time, so that a reused pid is not taken for it.
// Where the chain ends at init (a wrapper Jenkins left to run on its own), there is no
// anchor, and the other limits apply (docs/security.md). Linux reads /proc; elsewhere ps.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcessAnchor {
  pid: number;
  /** What identifies this process among every one that had its pid: its start time as the system counts it. */
  started: string;
  command: string;
}

/** Processes that only pass a step's command on, never the agent. */
const PASS_THROUGH = new Set([
  'sh',
  'bash',
  'dash',
  'ash',
  'zsh',
  'ksh',
  'busybox',
  'nohup',
  'env',
  'timeout',
  'node',
  'script.sh',
  'setsid',
]);

interface ProcessFacts {
  ppid: number;
  command: string;
  started: string;
}

/** A process's parent, name and start time, or undefined when it is gone. */
export function processFacts(pid: number): ProcessFacts | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ... starttime(22nd)"; comm may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const command = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    return { ppid: Number(fields[1]), command, started: fields[19] ?? '' };
  } catch {
    if (process.platform === 'linux') return undefined;
  }
  try {
    const line = execFileSync('ps', ['-o', 'ppid=,lstart=,comm=', '-p', String(pid)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const match = /^\s*(\d+)\s+(\S+\s+\S+\s+\d+\s+[\d:]+\s+\d+)\s+(.*)$/.exec(line.trim());
    if (match === null) return undefined;
    return { ppid: Number(match[1]), started: match[2] ?? '', command: (match[3] ?? '').split('/').at(-1) ?? '' };
  } catch {
    return undefined;
  }
}

/** The nearest ancestor of `from` that is not a shell or a launcher, unless that is init. */
export function findAnchor(from: number = process.ppid, facts = processFacts): ProcessAnchor | undefined {
  let pid = from;
  for (let depth = 0; depth < 32 && pid > 1; depth += 1) {
    const found = facts(pid);
    if (found === undefined) return undefined;
    if (!PASS_THROUGH.has(found.command)) return { pid, started: found.started, command: found.command };
    pid = found.ppid;
  }
  return undefined;
}

/** Whether the anchored process still runs (the same one: same pid, same start). */
export function stillRunning(anchor: ProcessAnchor, facts = processFacts): boolean {
  const found = facts(anchor.pid);
  return found !== undefined && found.started === anchor.started;
}
