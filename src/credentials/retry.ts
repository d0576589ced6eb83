// Bounded retries with exponential backoff and full jitter, under a deadline.
// Time and randomness are injected, so tests of the policy run in milliseconds.

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * The base delay after a failure retried until the deadline (throttling), when it
   * differs: the AWS SDKs start throttling retries later than others (500 ms against
   * 100 ms), so that a queue of callers does not spend its first seconds asking again.
   */
  queueBaseDelayMs?: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 200, maxDelayMs: 5000, queueBaseDelayMs: 500 };

export interface Clock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  random: () => Math.random(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', abort);
        resolve();
      }, ms);
      const abort = () => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      signal.addEventListener('abort', abort, { once: true });
    }),
};

/** Full jitter: uniform in [0, min(max, base * 2^(attempt-1))). `attempt` is the one that just failed, from 1. */
export function fullJitterDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

export class RetriesExhausted extends Error {
  override readonly name = 'RetriesExhausted';
  readonly attempts: number;
  readonly lastError: unknown;

  constructor(attempts: number, lastError: unknown) {
    super(`gave up after ${attempts} attempts`);
    this.attempts = attempts;
    this.lastError = lastError;
  }
}

export interface RetryOptions {
  policy: RetryPolicy;
  clock: Clock;
  /** Epoch milliseconds after which no attempt starts and no sleep ends. */
  deadline: number;
  signal: AbortSignal;
  isRetryable(error: unknown): boolean;
  /**
   * Retryable failures that do not count against maxAttempts: retried until the
   * deadline. Throttling: STS's request rate is a queue that every caller gets
   * through in time, not a fault, so many stages at once wait rather than fail.
   */
  untilDeadline?(error: unknown): boolean;
  onRetry?(attempt: number, delayMs: number, error: unknown): void;
}

/**
 * Runs `operation` until it succeeds, fails for good, or the attempts (those that
 * count) or the deadline run out. Never sleeps after the last attempt: it throws
 * RetriesExhausted at once. Errors that are not retryable pass through unchanged.
 */
export async function retryTransient<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, clock } = options;
  let counted = 0;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!options.isRetryable(error)) throw error;
      const queued = options.untilDeadline?.(error) === true;
      if (!queued) counted += 1;
      if (counted >= policy.maxAttempts) throw new RetriesExhausted(attempt, error);
      const base = queued ? (policy.queueBaseDelayMs ?? policy.baseDelayMs) : policy.baseDelayMs;
      const delay = fullJitterDelay(attempt, { ...policy, baseDelayMs: base }, clock.random);
      if (clock.now() + delay >= options.deadline) throw new RetriesExhausted(attempt, error);
      options.onRetry?.(attempt, delay, error);
      await clock.sleep(delay, options.signal);
    }
  }
}
