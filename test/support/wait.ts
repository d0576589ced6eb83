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

/** Resolves once `stream` has carried `text`; fails when the bound passes or the stream ends first. */
export function waitForOutput(stream: NodeJS.ReadableStream | null | undefined, text: string, boundMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    if (stream === null || stream === undefined) return reject(new Error('no stream to wait on'));
    let seen = '';
    const timer = setTimeout(() => done(new Error(`"${text}" did not come within ${boundMs} ms; seen: ${seen}`)), boundMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) done(undefined);
    };
    const onEnd = () => done(new Error(`the stream ended before "${text}"; seen: ${seen}`));
    const done = (error: Error | undefined) => {
      clearTimeout(timer);
      stream.off('data', onData);
      stream.off('end', onEnd);
      if (error === undefined) resolve(seen);
      else reject(error);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
  });
}
