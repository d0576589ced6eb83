// Signal handling: before the child starts, a signal ends the wrapper at once;
// while it runs, signals go to the child, which gets a grace period to exit.
import { constants } from 'node:os';

/** The signals Jenkins, terminals and init systems use to stop a job. */
export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];

interface Killable {
  kill(signal?: NodeJS.Signals | number): boolean;
}

/**
 * Until the returned function is called, any of FORWARDED_SIGNALS calls `onSignal`
 * with 128+n (the shell's exit status for signal n). Used while credentials are fetched.
 */
export function onStopSignal(onSignal: (exitCode: number, signal: ForwardedSignal) => void): () => void {
  const handlers = FORWARDED_SIGNALS.map((signal) => {
    const handler = () => onSignal(128 + constants.signals[signal], signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}

export interface SignalForwarder {
  /** The child to pass signals to, once spawned (synchronously after creating the forwarder). */
  attach(child: Killable): void;
  /** Stops forwarding and cancels a pending SIGKILL. */
  stop(): void;
}

/**
 * Forwards FORWARDED_SIGNALS to the attached child. The first one starts a grace
 * period after which the child gets SIGKILL: Jenkins sends SIGTERM and never follows up.
 */
export function forwardSignals(graceMs: number, log?: (line: string) => void): SignalForwarder {
  let child: Killable | undefined;
  let grace: NodeJS.Timeout | undefined;
  const stop = onStopSignal((_code, signal) => {
    log?.(`${signal}: passed to the command`);
    child?.kill(signal);
    grace ??= setTimeout(() => {
      log?.(`the command did not exit within ${graceMs / 1000} s of ${signal}; killing it`);
      child?.kill('SIGKILL');
    }, graceMs);
  });
  return {
    attach: (spawned) => {
      child = spawned;
    },
    stop: () => {
      stop();
      if (grace !== undefined) clearTimeout(grace);
    },
  };
}
