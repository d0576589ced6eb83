// Waiting for an event a test cannot subscribe to (a line in a log, a file gone, a
// process ended): looked at every 20 ms, for a bounded time, never a fixed sleep.
import { readFileSync } from 'node:fs';

/** Resolves with `probe()`'s first defined value; fails after `boundMs` (a bound, not a margin: the event normally comes far sooner). */
export async function waitFor<T>(probe: () => T | undefined, boundMs = 60_000): Promise<T> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`the awaited event did not come within ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether a process runs (a zombie, ended but not yet reaped, does not). */
export function processRuns(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
